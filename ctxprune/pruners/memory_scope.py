"""The time scope of a question about a dialogue history, and how close a session lies to it.

``query_scope`` reads explicit dates, months, years, seasons, relative expressions ("last week",
"two days ago", "in the summer") and before/after constraints from the question, resolved against
the query time. A before/after constraint on an *event* ("after she adopted the dog") comes back
with ``event`` set: the pruner finds the event in the history and fixes the open side to its date.
``proximity`` turns the distance of a session date to the scope into a soft weight in (0, 1].
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from ctxprune.pruners.memory_time import (
    _DATE_PATTERNS, _MON, _YEAR, RELATIVE, Span, _date_from, _month, month_span, resolve,
)

SEASONS = {"spring": (3, 5), "summer": (6, 8), "fall": (9, 11), "autumn": (9, 11), "winter": (12, 2)}
_BEFORE = r"(?P<dir>before|prior to|until|by|after|since|following)"
_DIR = {"before": "before", "prior to": "before", "until": "before", "by": "before",
        "after": "after", "since": "after", "following": "after"}


@dataclass(frozen=True)
class Scope:
    span: Span
    text: str  # the phrase of the question the scope was read from
    kind: str  # date | month | year | season | relative | before | after
    event: str | None = None  # before/after an event of the history, still to be dated

    def as_dict(self) -> dict:
        return {"start": self.span.start.isoformat() if self.span.start else None,
                "end": self.span.end.isoformat() if self.span.end else None,
                "kind": self.kind, "text": self.text, "event": self.event}


def _day_month(query: str, ref: date) -> tuple[re.Match, Span] | None:
    pats = [re.compile(rf"\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON}\b(?!,?\s+\d)", re.I),
            re.compile(rf"\b{_MON}\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b(?!,?\s*\d)", re.I)]
    for pat in pats:
        m = pat.search(query)
        if m:
            try:
                d = date(ref.year, _month(m.group("mon")), int(m.group("day")))
            except ValueError:
                continue
            if d > ref:
                d = date(ref.year - 1, d.month, d.day) if not (d.month == 2 and d.day == 29) else d
            return m, Span(d, d)
    return None


def _month_year(query: str, ref: date) -> tuple[re.Match, Span] | None:
    m = re.search(rf"\b{_MON},?\s+(?:of\s+)?{_YEAR}\b", query, re.I)
    if m:
        return m, month_span(int(m.group("year")), _month(m.group("mon")))
    # a bare month name must be capitalised and introduced ("in May"): "may" is also a verb
    m = re.search(r"\b(?:in|during|of|early|late|mid|since|before|after|until|by)\s+(?:early\s+|late\s+|mid-?)?"
                  r"(?P<mon>January|February|March|April|May|June|July|August|September|October|November|December)\b", query)
    if m:
        mon = _month(m.group("mon"))
        year = ref.year if mon <= ref.month else ref.year - 1
        return m, month_span(year, mon)
    return None


def _year(query: str) -> tuple[re.Match, Span] | None:
    m = re.search(rf"\b(?:in|during|of|since|before|after|until|by)?\s*{_YEAR}\b", query, re.I)
    if m:
        y = int(m.group("year"))
        return m, Span(date(y, 1, 1), date(y, 12, 31))
    return None


def season_span(name: str, year: int) -> Span:
    a, b = SEASONS[name]
    if a > b:  # winter runs over new year: 'winter 2023' is Dec 2023 - Feb 2024
        return Span(date(year, a, 1), month_span(year + 1, b).end)
    return Span(date(year, a, 1), month_span(year, b).end)


def _season(query: str, ref: date) -> tuple[re.Match, Span] | None:
    m = re.search(rf"\b(?P<which>last|this|past|the|in|during)?\s*(?P<s>spring|summer|fall|autumn|winter)\b(?:\s+(?:of\s+)?{_YEAR})?",
                  query, re.I)
    if not m:
        return None
    name = m.group("s").lower()
    if m.group("year"):
        return m, season_span(name, int(m.group("year")))
    # the most recent occurrence that has started by the reference day; 'last' wants one that has ended
    year = ref.year
    span = season_span(name, year)
    while span.start > ref:
        year -= 1
        span = season_span(name, year)
    if (m.group("which") or "").lower() in ("last", "past") and span.end >= ref:
        span = season_span(name, year - 1)
    return m, span


def _relative(query: str, ref: date) -> tuple[re.Match, Span] | None:
    for kind, pat in RELATIVE:
        m = pat.search(query)
        if m:
            return m, resolve(kind, m, ref)
    return None


def _explicit(query: str) -> tuple[re.Match, Span] | None:
    for pat in _DATE_PATTERNS:
        m = pat.search(query)
        if m:
            d = _date_from(m)
            if d is not None:
                return m, Span(d, d)
    return None


def query_scope(query: str, ref: date | None) -> Scope | None:
    """The time range the question asks about, or None when it names no time."""
    finders = [("date", lambda q: _explicit(q)), ("date", lambda q: _day_month(q, ref)),
               ("month", lambda q: _month_year(q, ref)), ("season", lambda q: _season(q, ref)),
               ("year", lambda q: _year(q)), ("relative", lambda q: _relative(q, ref))]
    if ref is None:
        finders = finders[:1] + finders[2:3] + finders[4:5]  # only what needs no reference day
    for kind, find in finders:
        got = find(query)
        if got is None:
            continue
        m, span = got
        pre = re.search(rf"{_BEFORE}\s+(?:the\s+|early\s+|late\s+)?$", query[: m.start()], re.I)
        if pre is None and m.group(0).lower().split()[0] in _DIR:
            pre = re.match(_BEFORE, m.group(0), re.I)
        if pre is not None:
            d = _DIR[pre.group("dir").lower()]
            span = Span(None, span.start - timedelta(days=1)) if d == "before" else Span(span.end + timedelta(days=1), None)
            return Scope(span, query[pre.start(): m.end()].strip(), d)
        return Scope(span, m.group(0).strip(), kind)
    m = re.search(rf"\b{_BEFORE}\s+(?P<ev>[^?.!,;]{{4,120}})", query, re.I)
    if m:
        ev = re.sub(r"^(?:the\s+time\s+|when\s+)", "", m.group("ev").strip(), flags=re.I)
        return Scope(Span(None, None), m.group(0).strip(), _DIR[m.group("dir").lower()], event=ev)
    return None


def fix_event(scope: Scope, event_day: date) -> Scope:
    """A before/after-event scope closed on the side of the event's day."""
    if scope.kind == "before":
        return replace(scope, span=Span(None, event_day))
    return replace(scope, span=Span(event_day, None))


def proximity(span: Span, day: date | None, *, after_days: float = 45.0, before_days: float = 10.0) -> float:
    """1 inside the scope, decaying outside it; people tell of events after they happen, so a
    session after the scope decays slower than one before it. Unknown dates get a neutral 0.5."""
    if day is None:
        return 0.5
    dist = span.distance(day)
    if dist == 0:
        return 1.0
    width = 0 if span.start is None or span.end is None else (span.end - span.start).days
    if dist > 0:
        return math.exp(-dist / (after_days + 0.5 * width))
    return math.exp(dist / (before_days + 0.25 * width))
