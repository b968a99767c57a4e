"""Is a question descriptive (an account spanning several columns) or a single-answer lookup?

Descriptive questions ("How did X perform in 2014?", "Who won the 1969 election and how many
seats did they win?", "When and where ...", "What roles did X play during ...") are answered by
several cells of a row (name, year, result, ...), single-answer ones ("which team scored the
most", "how many medals", "what is the only ...", "X or Y?") by one cell, or one column of cells.
Cue words of each form are counted; the difference, scaled to [0, 1], tells the selector how
flat the column weights should be (``TableWeights.desc_*``). Word cues only: no case, punctuation
or topic words, which mark a data set's style rather than the question's form.
"""
from __future__ import annotations

import re

_DESCRIPTIVE = re.compile(r"\b(and|did|were|how did|how was|how were|what were|results?|perform(?:ed|ance)?|happened|"
                          r"during|when|where|describe)\b", re.I)
_SINGLE = re.compile(r"\b(which|how many|number of|only|or|what is the|what was the|listed|list|total|name|who is|"
                     r"who was)\b", re.I)


def descriptive_cues(query: str) -> int:
    """Distinct descriptive cue words minus distinct single-answer ones."""
    more = {m.lower() for m in _DESCRIPTIVE.findall(query)}
    one = {m.lower() for m in _SINGLE.findall(query)}
    return len(more) - len(one)


def descriptiveness(query: str) -> float:
    """0 (single-answer lookup) .. 1 (descriptive, several columns): cue difference -1 -> 0, 2 -> 1."""
    return min(1.0, max(0.0, (descriptive_cues(query) + 1) / 3.0))
