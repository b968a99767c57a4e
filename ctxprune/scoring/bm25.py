"""Sparse relevance with Okapi BM25 (rank-bm25) over the texts being scored."""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np
from rank_bm25 import BM25Okapi

from ctxprune.textproc import words


@lru_cache(maxsize=50_000)
def _cached_words(text: str) -> tuple[str, ...]:
    return tuple(words(text))


def doc_words(text: str) -> tuple[str, ...] | list[str]:
    """A text's words; short texts are memoised (a pruner scores the same clues in several passes)."""
    return _cached_words(text) if len(text) <= 2_000 else words(text)


class BM25Scorer:
    name = "bm25"

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b

    def warm_up(self) -> None:
        pass

    def score(self, query: str, texts: Sequence[str]) -> np.ndarray:
        docs = [doc_words(t) or ["<empty>"] for t in texts]
        if not docs:
            return np.zeros(0)
        q = words(query)
        if not q:
            return np.zeros(len(docs))
        # rank-bm25's idf goes negative for terms in over half the docs of a tiny corpus; floor it
        bm = BM25Okapi(docs, k1=self.k1, b=self.b, epsilon=0.25)
        return np.asarray(bm.get_scores(q), dtype=float)
