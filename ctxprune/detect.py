"""Cut a message into blocks and tell what each block is: prose, a table, or an accessibility tree.

Blocks are paragraphs separated by blank lines, except that a fenced block (```...```) stays whole.
A block is a markdown table when it has a ``|---|`` separator row under a header and most lines
hold pipes; a CSV/TSV table when four or more lines split into the same number (>= 2) of short
fields; an AxTree when most lines look like ``[bid] role 'name'`` nodes (indentation allowed).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

_FENCE = re.compile(r"^\s*(```|~~~)")
_MD_SEP = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_AX_LINE = re.compile(r"^\s*(\[[^\]\s]{1,16}\]\s+)?[A-Za-z][A-Za-z0-9_-]*(\s+'[^\n]*'?.*|\s*,.*|\s*)$")
_AX_BID = re.compile(r"^\s*\[[^\]\s]{1,16}\]\s+[A-Za-z]")


@dataclass
class Block:
    text: str  # the block as it appears, fences included
    sep: str  # the separator that followed it in the message ("" for the last block)
    fence: tuple[str, str] | None = None  # opening and closing fence lines, when fenced

    @property
    def body(self) -> str:
        """The block without its fences (what a pruner sees)."""
        if self.fence is None:
            return self.text
        lines = self.text.split("\n")
        return "\n".join(lines[1:-1] if len(lines) > 2 else [])

    def rewrap(self, body: str) -> str:
        return body if self.fence is None else f"{self.fence[0]}\n{body}\n{self.fence[1]}"


def split_blocks(text: str) -> list[Block]:
    """Paragraph blocks with their separators: ``"".join(b.text + b.sep for b in blocks) == text``.

    A first block with empty text carries any leading blank lines as its separator.
    """
    lines = text.split("\n")
    offsets, o = [], 0
    for ln in lines:
        offsets.append(o)
        o += len(ln) + 1
    spans: list[tuple[int, int, tuple[str, str] | None]] = []
    start = end = None
    i = 0
    while i < len(lines):
        ln = lines[i]
        m = _FENCE.match(ln)
        if m or not ln.strip():
            if start is not None:
                spans.append((start, end, None))
                start = None
        if m:
            j = next((k for k in range(i + 1, len(lines)) if lines[k].strip().startswith(m.group(1))), None)
            last = j if j is not None else len(lines) - 1
            spans.append((offsets[i], offsets[last] + len(lines[last]), (ln, lines[j]) if j is not None else None))
            i = last + 1
            continue
        if ln.strip():
            start = offsets[i] if start is None else start
            end = offsets[i] + len(ln)
        i += 1
    if start is not None:
        spans.append((start, end, None))
    blocks = [Block("", text[:spans[0][0]] if spans else text)]
    for n, (a, b, fence) in enumerate(spans):
        nxt = spans[n + 1][0] if n + 1 < len(spans) else len(text)
        blocks.append(Block(text[a:b], text[b:nxt], fence))
    return blocks


def is_markdown_table(body: str) -> bool:
    lines = [ln for ln in body.split("\n") if ln.strip()]
    if len(lines) < 3 or not any(_MD_SEP.match(ln) for ln in lines[1:3]):
        return False
    return sum("|" in ln for ln in lines) >= 0.8 * len(lines)


def csv_dialect(body: str) -> str | None:
    """',' or '\\t' when every line splits into the same number (>= 2) of fields, else None."""
    lines = [ln for ln in body.split("\n") if ln.strip()]
    if len(lines) < 4:
        return None
    for delim in ("\t", ","):
        try:
            rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delim))
        except csv.Error:
            continue
        widths = {len(r) for r in rows}
        if len(widths) == 1 and (w := widths.pop()) >= 2:
            cells = [c for r in rows for c in r]
            if sum(len(c) for c in cells) / len(cells) <= 60 and (w >= 3 or delim == "\t"):
                return delim
    return None


def is_axtree(body: str) -> bool:
    lines = [ln for ln in body.split("\n") if ln.strip()]
    if len(lines) < 5:
        return False
    shaped = sum(bool(_AX_LINE.match(ln)) for ln in lines)
    with_bid = sum(bool(_AX_BID.match(ln)) for ln in lines)
    return shaped >= 0.8 * len(lines) and with_bid >= 0.1 * len(lines)


def detect_kind(body: str) -> str:
    """'table', 'axtree' or 'passages' for one block."""
    if is_markdown_table(body) or csv_dialect(body):
        return "table"
    if is_axtree(body):
        return "axtree"
    return "passages"
