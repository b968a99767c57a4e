"""Fusion of sparse and dense relevance: a weighted sum of per-request min-max normalised scores."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ctxprune.scoring.base import Scorer, minmax


class FusionScorer:
    name = "fusion"

    def __init__(self, parts: Sequence[tuple[Scorer, float]]):
        if not parts:
            raise ValueError("fusion needs at least one scorer")
        self.parts = list(parts)

    def warm_up(self) -> None:
        for s, _ in self.parts:
            s.warm_up()

    def score(self, query: str, texts: Sequence[str]) -> np.ndarray:
        total = np.zeros(len(texts))
        weight = sum(w for _, w in self.parts)
        for s, w in self.parts:
            total += w * minmax(s.score(query, texts))
        return total / weight

    @property
    def label(self) -> str:
        return "+".join(f"{s.name}*{w:g}" for s, w in self.parts)
