"""Scorers registered by explicit name. ``ScorerHub`` builds them once, with shared models and cache."""
from __future__ import annotations

import threading
from typing import Callable

from ctxprune.cache import Cache
from ctxprune.config import Settings
from ctxprune.errors import UnknownComponent
from ctxprune.scoring.base import Scorer, minmax
from ctxprune.scoring.bm25 import BM25Scorer
from ctxprune.scoring.cross import CrossEncoderScorer
from ctxprune.scoring.dense import DenseScorer, StaticScorer
from ctxprune.scoring.fusion import FusionScorer
from ctxprune.scoring.tfidf import TfidfScorer

__all__ = ["ScorerHub", "SCORERS", "Scorer", "minmax", "available_scorers"]


class ScorerHub:
    """Holds one instance of each scorer, built on first use from the settings."""

    def __init__(self, settings: Settings, shared_cache: Cache | None = None):
        self.settings = settings
        self.shared_cache = shared_cache
        self._made: dict[str, Scorer] = {}
        self._lock = threading.RLock()  # re-entrant: a fusion scorer asks for its parts; requests (and the axtree prefetch) ask from several threads: one instance each

    def get(self, name: str) -> Scorer:
        if name not in SCORERS:
            raise UnknownComponent("scorer", name, list(SCORERS))
        made = self._made.get(name)
        if made is None:
            with self._lock:
                if name not in self._made:
                    self._made[name] = SCORERS[name](self)
                made = self._made[name]
        return made

    def dense(self, max_tokens: int | None) -> Scorer:
        """The dense scorer reading at most ``max_tokens`` wordpieces per text (a kind with short
        units can cap it lower than the shared one, to bound its padded batches)."""
        if max_tokens == self.settings.dense_max_tokens:
            return self.get("dense")
        key = f"dense/max{max_tokens}"
        with self._lock:
            if key not in self._made:
                s = self.settings
                self._made[key] = DenseScorer(s.dense_model, s.device, self.shared_cache, s.dense_dtype, max_tokens)
            return self._made[key]

    def made(self) -> list[Scorer]:
        return list(self._made.values())

    def warm_up(self, names: list[str]) -> None:
        for n in names:
            self.get(n).warm_up()


SCORERS: dict[str, Callable[[ScorerHub], Scorer]] = {
    "bm25": lambda hub: BM25Scorer(),
    "tfidf": lambda hub: TfidfScorer(),
    "dense": lambda hub: DenseScorer(hub.settings.dense_model, hub.settings.device, hub.shared_cache,
                                      hub.settings.dense_dtype, hub.settings.dense_max_tokens),
    "static": lambda hub: StaticScorer(hub.shared_cache),
    "cross": lambda hub: CrossEncoderScorer(hub.settings.cross_model, hub.settings.device),
    "fusion": lambda hub: FusionScorer([(hub.get("bm25"), 1.0), (hub.get("dense"), 1.0)]),
    "fusion-fast": lambda hub: FusionScorer([(hub.get("bm25"), 1.0), (hub.get("static"), 1.0)]),
}


def available_scorers() -> list[str]:
    return sorted(SCORERS)
