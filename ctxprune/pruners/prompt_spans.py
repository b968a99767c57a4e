"""Words and protected spans of a sentence, for token pruning that never breaks an entity.

The fine stage drops whole words only. Some stretches are atomic and protected: named spans
(capitalised sequences with their inner connectors, "Dayton, Ohio", "Secretary of the Interior"),
quoted strings, numbers with their units, dates, URLs, paths, identifiers and code symbols,
words the question uses, and the caller's must-keep strings. Protected words are never dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_CONNECT = r"(?:of|the|de|del|della|di|da|du|des|la|le|van|von|der|den|y|and|for|on|in|&|bin|al|-)"
_CAP = r"(?:[A-Z][\w'’.\-]*|[A-Z]\.)"
_NAMED = re.compile(rf"{_CAP}(?:(?:,?\s+|\s+{_CONNECT}\s+(?:{_CONNECT}\s+)?){_CAP})*")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = re.compile(rf"\b(?:\d{{1,2}}\s+{_MONTH}\s+\d{{2,4}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}})\b")
_NUMBER_WORDS = ("zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
                 "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
                 "hundred|thousand|million|billion|first|second|third|fourth|fifth|half|dozen")
# a number (digits or a number word), optional scale words, then an optional unit word or symbol
_NUMBER = re.compile(
    rf"(?i:[$€£¥]?\b(?:\d[\d,.]*|(?:{_NUMBER_WORDS}))(?:[\s-]+(?:{_NUMBER_WORDS}))*"
    r"(?:\s?(?:%|°[CF]?|[a-zµ]{1,12}\b))?)"
)
_QUOTED = re.compile(r"\"[^\"\n]{1,120}\"|“[^”\n]{1,120}”|'[^'\n]{2,60}'|«[^»\n]{1,120}»|「[^」\n]{1,80}」|《[^》\n]{1,80}》")
_URL = re.compile(r"\b(?:https?://|www\.)\S+|\S+@\S+\.\w+")
_PATH = re.compile(r"(?:[\w.-]*/[\w./-]+|\w:\\[\w\\.-]+)")
_IDENT = re.compile(r"\b(?:[A-Za-z_]\w*(?:\.\w+)+|\w*_\w+|[a-z]+[A-Z]\w*|\w*\d\w*|\w+\(\)?)")
_CODE = re.compile(r"[{}\[\]();=<>+*/\\|&^%$#@~`]")
_WORD = re.compile(r"\S+")
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")

PROTECTORS = (_DATE, _URL, _PATH, _QUOTED, _NUMBER, _IDENT, _NAMED)


@dataclass
class Word:
    start: int  # character span inside the sentence
    end: int
    protected: bool
    reason: str = ""


def protected_spans(text: str, extra: list[str] = ()) -> list[tuple[int, int, str]]:
    """(start, end, why) of every stretch that must stay whole."""
    out: list[tuple[int, int, str]] = []
    for rx, why in zip(PROTECTORS, ("date", "url", "path", "quoted", "number", "identifier", "named span")):
        for m in rx.finditer(text):
            if why == "named span" and m.start() == 0 and " " not in m.group(0):
                continue  # a capitalised first word of a sentence is not a name by itself
            if m.end() > m.start():
                out.append((m.start(), m.end(), why))
    for k in extra:
        for m in re.finditer(re.escape(k), text):
            out.append((m.start(), m.end(), "must-keep"))
    return out


def words(text: str, *, question_terms: set[str] = frozenset(), keep: list[str] = ()) -> list[Word]:
    """Whitespace words of ``text``; a word is protected when it overlaps a protected span,
    holds a code symbol, is CJK text (never thinned) or is a content word of the question."""
    spans = protected_spans(text, list(keep))
    out = []
    for m in _WORD.finditer(text):
        a, b = m.span()
        tok = m.group(0)
        why = next((w for s, e, w in spans if s < b and a < e), "")
        if not why and _CODE.search(tok):
            why = "code symbol"
        if not why and _CJK.search(tok):
            why = "cjk"
        if not why and re.sub(r"\W+", "", tok.lower()) in question_terms:
            why = "question term"
        out.append(Word(a, b, bool(why), why))
    return out


def question_terms(question: str, stop: frozenset[str]) -> set[str]:
    return {w for w in re.findall(r"\w+", question.lower()) if len(w) > 2 and w not in stop}
