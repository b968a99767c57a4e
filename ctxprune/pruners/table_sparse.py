"""Vectorised BM25 of many rows against one question, for tables too large for rank-bm25's per-row Python.

All row texts are joined into one string; each question term is found with one regular-expression
pass over it (plural forms too, as ``words`` folds them), and matches are mapped to rows with
``numpy.searchsorted`` on the row offsets. The Okapi formula is then applied with numpy.
"""
from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from ctxprune.textproc import words


def bm25_vectorised(query: str, texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    n = len(texts)
    terms = sorted(set(words(query)))
    if not terms or not n:
        return np.zeros(n)
    joined = "\n".join(texts).lower()
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=n) + 1
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    doc_len = np.maximum(lengths / 6.0, 1.0)  # words ~ characters / 6: only the ratio to the mean matters
    norm = k1 * (1 - b + b * doc_len / doc_len.mean())
    out = np.zeros(n)
    for t in terms:
        # literal-first pattern (fast scan); the left word boundary is checked on the matches only
        pos = np.fromiter((m.start() for m in re.finditer(re.escape(t) + r"(?:s|es)?\b", joined)
                           if m.start() == 0 or not joined[m.start() - 1].isalnum()), dtype=np.int64)
        if pos.size == 0:
            continue
        tf = np.bincount(np.searchsorted(starts, pos, side="right") - 1, minlength=n).astype(float)
        df = float((tf > 0).sum())
        idf = max(np.log((n - df + 0.5) / (df + 0.5) + 1.0), 0.0)
        out += idf * tf * (k1 + 1) / (tf + norm)
    return out
