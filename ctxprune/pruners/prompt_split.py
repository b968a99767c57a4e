"""Splitting a long prompt context into segments and sentence units (English, Chinese and code).

A *segment* is a passage of the context: it starts at a label line ("Passage 3:", "Paragraph 12:",
"段落4：", "Document 2") or, when the context has no labels, at a blank line. A segment's label is
its own unit, so a kept sentence can bring its label along (the answer to "which paragraph…" is
the label). Inside a segment, prose lines are split into sentences at end punctuation (ASCII and
CJK), and code lines are never split: a line that looks like code is one unit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ctxprune.textproc import sentence_spans

# "Passage 1:", "Paragraph 12: ", "Document 3", "段落4：", "文章2"; at the start of a line
_LABEL = re.compile(r"(?m)^[ \t]*((?:[A-Z][A-Za-z]{2,15}|[\u4e00-\u9fff]{1,4})[ \t]?\d{1,4}[ \t]*[:：]?)(?=[ \t]*(?:\n|\S))")
_BLANK = re.compile(r"\n[ \t\r]*\n")
_CJK_END = re.compile(r"(?<=[。！？；])")
_CODE_HINT = re.compile(
    r"""^\s*(?:[{}\[\]();]|//|/\*|\*|\#include|import\s|from\s\S+\simport|def\s|class\s|return\b|public\s|private\s|
    protected\s|static\s|if\s*\(|for\s*\(|while\s*\(|else\b|elif\s|try:|except\b|catch\s*\(|@\w)|[;{}]\s*$|^\s{4,}\S|
    \w+\s*=\s*[^=]|\w\(.*\)\s*[;:]?\s*$""",
    re.X,
)

MAX_UNIT_CHARS = 2000  # longer sentences are cut at word boundaries so one unit never swallows the budget


@dataclass
class Unit:
    """A sentence (or code line, or segment label) of the context, by character span."""

    index: int
    start: int
    end: int
    segment: int
    is_label: bool = False
    is_code: bool = False

    def text(self, context: str) -> str:
        return context[self.start:self.end]


def looks_like_code(line: str) -> bool:
    return bool(_CODE_HINT.search(line))


def segment_spans(context: str) -> list[tuple[int, int, int | None]]:
    """(start, end, label_end) per segment; label_end marks the label prefix when there is one."""
    labels = [m for m in _LABEL.finditer(context)]
    # labels only count when they repeat with the same word ("Passage 1", "Passage 2", ...)
    heads: dict[str, int] = {}
    for m in labels:
        word = re.sub(r"[\d\s:：]+", "", m.group(1))
        heads[word] = heads.get(word, 0) + 1
    labels = [m for m in labels if heads[re.sub(r"[\d\s:：]+", "", m.group(1))] >= 2]
    if labels:
        starts = [m.start(1) for m in labels]
        out = []
        if context[: starts[0]].strip():
            out.append((0, starts[0], None))
        for i, m in enumerate(labels):
            end = starts[i + 1] if i + 1 < len(labels) else len(context)
            out.append((m.start(1), end, m.end(1)))
        return out
    out, start = [], 0
    for m in _BLANK.finditer(context):
        if context[start:m.start()].strip():
            out.append((start, m.start(), None))
        start = m.end()
    if context[start:].strip():
        out.append((start, len(context), None))
    return out


def _prose_spans(line: str) -> list[tuple[int, int]]:
    """Sentence spans of one prose line: English boundaries, then CJK end punctuation."""
    spans = []
    for a, b in sentence_spans(line) or [(0, len(line))]:
        piece = line[a:b]
        cuts = [m.start() for m in _CJK_END.finditer(piece)] if re.search(r"[\u4e00-\u9fff]", piece) else []
        prev = 0
        for c in cuts + [len(piece)]:
            if piece[prev:c].strip():
                lead = len(piece[prev:c]) - len(piece[prev:c].lstrip())
                spans.append((a + prev + lead, a + len(piece[:c].rstrip())))
            prev = c
    return spans


def _cap(a: int, b: int, text: str) -> list[tuple[int, int]]:
    """Cut an over-long span at whitespace so no unit exceeds MAX_UNIT_CHARS."""
    out = []
    while b - a > MAX_UNIT_CHARS:
        cut = text.rfind(" ", a + MAX_UNIT_CHARS // 2, a + MAX_UNIT_CHARS)
        cut = cut if cut > a else a + MAX_UNIT_CHARS
        out.append((a, cut))
        a = cut + 1 if text[cut:cut + 1] == " " else cut
    if text[a:b].strip():
        out.append((a, b))
    return out


def split_units(context: str) -> list[Unit]:
    """All units of the context in order; together they cover every non-blank character."""
    units: list[Unit] = []
    for si, (s, e, label_end) in enumerate(segment_spans(context)):
        body = s
        if label_end is not None:
            units.append(Unit(len(units), s, label_end, si, is_label=True))
            body = label_end
        pos = body
        for line in context[body:e].split("\n"):
            a, b = pos, pos + len(line)
            pos = b + 1
            if not line.strip():
                continue
            code = looks_like_code(line)
            if code:
                spans = [(a, a + len(line.rstrip()))]  # a code line keeps its indentation
            else:
                spans = [(a + x, a + y) for x, y in _prose_spans(line)]
            for x, y in spans:
                for p, q in _cap(x, y, context):
                    units.append(Unit(len(units), p, q, si, is_code=code))
    return units


def join_units(context: str, units: list[Unit], texts: dict[int, str] | None = None) -> str:
    """Render kept units in order; ``texts`` replaces a unit's text (a compressed sentence).

    Neighbouring units keep the original gap between them; across a dropped stretch the gap is
    a newline when the original had one, else a space.
    """
    texts = texts or {}
    parts: list[str] = []
    prev: Unit | None = None
    for u in units:
        t = texts.get(u.index, u.text(context))
        if not t:
            continue
        if prev is not None:
            gap = context[prev.end:u.start]
            if u.index == prev.index + 1 and len(gap) <= 2:
                parts.append(gap or "")
            else:
                parts.append("\n" if "\n" in gap else " ")
        parts.append(t)
        prev = u
    return "".join(parts)


_QMARK = re.compile(r"(?:^|\n)\s*(?:Question|Query|问题|Q)\s*[:：]\s*", re.I)
_AMARK = re.compile(r"\n\s*(?:Answer|回答|答案|A)\s*[:：]?\s*$", re.I)


def question_text(tail: str) -> str:
    """The part of a prompt's tail that asks: after the last 'Question:' marker, else the whole tail."""
    if not tail:
        return ""
    ms = list(_QMARK.finditer(tail))
    q = tail[ms[-1].end():] if ms else tail
    q = _AMARK.sub("", q).strip()
    return q or tail.strip()
