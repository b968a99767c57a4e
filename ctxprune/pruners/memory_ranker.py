"""A learned combination of the memory pruner's per-turn signals (Memory-T1's policy, much smaller).

Logistic regression over the signals of ``memory_score.signals`` (relevance passes, session stage,
speakers, priors, cost), trained by ``scripts/train_memory_ranker.py`` on LoCoMo dev conversations
to tell evidence turns from the rest. It outputs a probability per turn; the selection ranks by it.
The weights ship as a small ``.npz``; without it the hand-set combination is used.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

MODEL_PATH = resources.files("ctxprune") / "_data" / "memory_ranker_lr.npz"


class Ranker:
    def __init__(self, names: list[str], mean: np.ndarray, scale: np.ndarray, coef: np.ndarray, intercept: float):
        self.names, self.mean, self.scale, self.coef, self.intercept = names, mean, scale, coef, intercept

    def matrix(self, sig: dict[str, np.ndarray]) -> np.ndarray:
        return np.stack([np.asarray(sig[n], dtype=float) for n in self.names], axis=1)

    def score(self, sig: dict[str, np.ndarray]) -> np.ndarray:
        """How likely each turn is evidence, min-max over the candidates (0..1; only the order and
        the relative gaps matter: the Q/A partner lift takes a share of a partner's score)."""
        z = ((self.matrix(sig) - self.mean) / self.scale) @ self.coef + self.intercept
        lo, hi = float(z.min()), float(z.max())
        return (z - lo) / (hi - lo) if hi - lo > 1e-12 else np.zeros_like(z)

    def save(self, path) -> None:
        np.savez(path, names=np.array(self.names), mean=self.mean, scale=self.scale, coef=self.coef,
                 intercept=np.array(self.intercept))

    @classmethod
    def load(cls, path) -> "Ranker":
        with np.load(path) as z:
            return cls([str(n) for n in z["names"]], z["mean"], z["scale"], z["coef"], float(z["intercept"]))


_override: list[Ranker | None] = []  # scripts swap in a ranker trained on part of the data


def use(model: Ranker | None) -> None:
    """Replace the packaged ranker (``None``: back to the packaged one)."""
    _override.clear()
    if model is not None:
        _override.append(model)


def ranker() -> Ranker | None:
    return _override[0] if _override else _packaged()


@lru_cache(maxsize=1)
def _packaged() -> Ranker | None:
    try:
        with resources.as_file(MODEL_PATH) as path:
            return Ranker.load(path)
    except FileNotFoundError:
        return None
