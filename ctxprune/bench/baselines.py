"""Per-unit baselines the pruners are measured against: random, lead, BM25 and MiniLM dense."""
from __future__ import annotations

import random
from typing import Callable

import numpy as np

from ctxprune.scoring import ScorerHub
from ctxprune.tokens import TokenCounter

BASELINES = ("random", "lead", "bm25", "dense")


def baseline_scores(name: str, query: str, units: list[tuple[object, str]], hub: ScorerHub, seed: int = 0) -> np.ndarray:
    n = len(units)
    if name == "random":
        rng = random.Random(seed)
        return np.array([rng.random() for _ in range(n)])
    if name == "lead":
        return -np.arange(n, dtype=float)
    return np.asarray(hub.get(name).score(query, [t for _, t in units]), dtype=float)


def select_units(scores: np.ndarray, units: list[tuple[object, str]], limit: int, render: Callable[[set], str],
                 counter: TokenCounter) -> set:
    """Best-first by score, each unit costing its own tokens; then trims until the rendering fits."""
    kept: set = set()
    used = 0
    for i in np.argsort(-scores, kind="stable"):
        key, text = units[i]
        cost = counter.count(text) + 1
        if used + cost <= limit:
            kept.add(key)
            used += cost
    order = [units[i][0] for i in np.argsort(scores, kind="stable")]  # worst first
    while kept and counter.count(render(kept)) > limit:
        kept.discard(next(k for k in order if k in kept))
    return kept
