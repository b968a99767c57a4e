"""Time for dialogue memory: parse session times as real logs write them, resolve relative phrases.

``parse_time`` reads ISO 8601 and the forms people and chat exports use (``1:56 pm on 8 May, 2023``,
``May 8th 2023``, ``2023/05/08``, ``08.05.2023``, Unix seconds). ``relative_mentions`` finds phrases
such as "yesterday", "two days ago" or "last week" in a turn and resolves each to the absolute
day range it means, seen from the turn's session date. The query's own time scope is in
``memory_scope``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

MONTHS = {m: i + 1 for i, m in enumerate(
    "january february march april may june july august september october november december".split())}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
_MON = (r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
        r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:1[89]|2\d)\d\d)"

NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple of": 2, "few": 3, "several": 3}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

# date patterns, most specific first; each yields year/mon/day groups
_DATE_PATTERNS = [
    re.compile(r"\b(?P<year>\d{4})[-/.](?P<mon>\d{1,2})[-/.](?P<day>\d{1,2})\b"),  # 2023-05-08, 2023/05/08
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MON},?\s+{_YEAR}\b", re.I),  # 8 May, 2023
    re.compile(rf"\b{_MON}\s+{_DAY},?\s+{_YEAR}\b", re.I),  # May 8th 2023, May 8, 2023
    re.compile(r"\b(?P<day>\d{1,2})\.(?P<mon>\d{1,2})\.(?P<year>\d{4})\b"),  # 08.05.2023 (day first)
    re.compile(r"\b(?P<mon>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})\b"),  # 05/08/2023 (US order)
]
_CLOCK = re.compile(r"\b(?P<h>[012]?\d)(?::(?P<m>[0-5]\d))?(?::(?P<s>[0-5]\d))?\s*(?P<ampm>[ap]\.?m\.?)?(?=\W|$)", re.I)


def _month(token: str) -> int:
    return int(token) if token.isdigit() else MONTHS[token.lower().rstrip(".")[:3]]


def _date_from(m: re.Match) -> date | None:
    try:
        return date(int(m.group("year")), _month(m.group("mon")), int(m.group("day")))
    except (ValueError, KeyError):
        return None


def _clock(text: str) -> tuple[int, int, int] | None:
    for m in _CLOCK.finditer(text):
        if m.group("m") is None and m.group("ampm") is None:
            continue  # a bare number is not a time of day
        h, mi, s = int(m.group("h")), int(m.group("m") or 0), int(m.group("s") or 0)
        ampm = (m.group("ampm") or "").lower().replace(".", "")
        if ampm == "pm" and h < 12:
            h += 12
        if ampm == "am" and h == 12:
            h = 0
        if h < 24:
            return h, mi, s
    return None


def parse_time(text: str | None) -> datetime | None:
    """A naive datetime for a session time as logs write it; None when no date can be read."""
    if text is None:
        return None
    s = str(text).strip()
    if not s:
        return None
    if re.fullmatch(r"\d{9,11}(?:\.\d+)?", s):  # Unix seconds
        return datetime.fromtimestamp(float(s), tz=timezone.utc).replace(tzinfo=None)
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
        return dt.astimezone(timezone.utc).replace(tzinfo=None) if dt.tzinfo else dt
    except ValueError:
        pass
    for pat in _DATE_PATTERNS:
        m = pat.search(s)
        if m:
            d = _date_from(m)
            if d is None:
                continue
            rest = s[: m.start()] + " " + s[m.end():]
            hms = _clock(rest) or (0, 0, 0)
            return datetime(d.year, d.month, d.day, *hms)
    return None


@dataclass(frozen=True)
class Span:
    """A closed day range; ``None`` on a side means open."""

    start: date | None
    end: date | None

    def distance(self, d: date) -> int:
        """Days from ``d`` to the range (0 inside); positive after the end, negative before the start."""
        if self.end is not None and d > self.end:
            return (d - self.end).days
        if self.start is not None and d < self.start:
            return (d - self.start).days
        return 0


def month_span(year: int, month: int) -> Span:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return Span(date(year, month, 1), nxt - timedelta(days=1))


def week_span(d: date) -> Span:
    monday = d - timedelta(days=d.weekday())
    return Span(monday, monday + timedelta(days=6))


def _count(token: str) -> int:
    token = " ".join(token.lower().split())
    return int(token) if token.isdigit() else NUMBER_WORDS.get(token, 1)


def shift(d: date, amount: int, unit: str) -> date:
    unit = unit.rstrip("s")
    if unit == "day":
        return d + timedelta(days=amount)
    if unit == "week":
        return d + timedelta(weeks=amount)
    months = amount * (12 if unit == "year" else 1)
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    m += 1
    return date(y, m, min(d.day, month_span(y, m).end.day))


_NUM = r"(\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|couple\s+of|few|several)"
RELATIVE = [
    ("yesterday", re.compile(r"\byesterday\b", re.I)),
    ("today", re.compile(r"\b(?:today|tonight|this morning|this afternoon|this evening)\b", re.I)),
    ("tomorrow", re.compile(r"\btomorrow\b", re.I)),
    ("ago", re.compile(rf"\b{_NUM}\s+(day|week|month|year)s?\s+ago\b", re.I)),
    ("last_weekday", re.compile(r"\b(?:last|this past)\s+(" + "|".join(WEEKDAYS) + r")\b", re.I)),
    ("last_unit", re.compile(r"\b(?:last|past|previous)\s+(week|month|year|weekend)\b", re.I)),
    ("this_unit", re.compile(r"\bthis\s+(week|month|year|weekend)\b", re.I)),
    ("next_unit", re.compile(r"\bnext\s+(week|month|year|weekend)\b", re.I)),
    ("recently", re.compile(r"\b(?:recently|lately|the other day)\b", re.I)),
]


def resolve(kind: str, m: re.Match, ref: date) -> Span:
    """The day range a relative phrase means when said on ``ref``."""
    if kind in ("yesterday", "today", "tomorrow"):
        d = ref + timedelta(days={"yesterday": -1, "today": 0, "tomorrow": 1}[kind])
        return Span(d, d)
    if kind == "ago":
        n, unit = _count(m.group(1)), m.group(2).lower()
        d = shift(ref, -n, unit)
        if unit == "day":
            return Span(d, d)
        if unit == "week":
            return week_span(d)
        if unit == "month":
            return month_span(d.year, d.month)
        return Span(date(d.year, 1, 1), date(d.year, 12, 31))
    if kind == "last_weekday":
        wd = WEEKDAYS.index(m.group(1).lower())
        d = ref - timedelta(days=(ref.weekday() - wd) % 7 or 7)
        return Span(d, d)
    if kind in ("last_unit", "this_unit", "next_unit"):
        step = {"last_unit": -1, "this_unit": 0, "next_unit": 1}[kind]
        unit = m.group(1).lower()
        if unit == "weekend":  # the Saturday of the reference week, shifted by whole weeks
            sat = ref - timedelta(days=ref.weekday()) + timedelta(days=5 + 7 * step)
            return Span(sat, sat + timedelta(days=1))
        if unit == "week":
            return week_span(ref + timedelta(weeks=step))
        if unit == "month":
            d = shift(ref, step, "month")
            return month_span(d.year, d.month)
        return Span(date(ref.year + step, 1, 1), date(ref.year + step, 12, 31))
    return Span(ref - timedelta(days=30), ref)  # recently: the month before


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    phrase: str
    span: Span


def relative_mentions(text: str, ref: date) -> list[Mention]:
    """Relative time phrases in ``text``, resolved against the day ``ref`` on which it was said."""
    out: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for kind, pat in RELATIVE:
        for m in pat.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append(m.span())
            out.append(Mention(m.start(), m.end(), m.group(0), resolve(kind, m, ref)))
    return sorted(out, key=lambda x: x.start)


def span_label(span: Span) -> str:
    if span.start == span.end and span.start is not None:
        return span.start.isoformat()
    return f"{span.start.isoformat() if span.start else '...'} to {span.end.isoformat() if span.end else '...'}"


def annotate(text: str, ref: date) -> str:
    """``text`` with each relative phrase followed by the absolute date it resolves to."""
    out, last = [], 0
    for mn in relative_mentions(text, ref):
        out.append(text[last:mn.end])
        out.append(f" [{span_label(mn.span)}]")
        last = mn.end
    out.append(text[last:])
    return "".join(out)
