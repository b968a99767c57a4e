"""The scorer contract: cheap ``__init__``, ``warm_up()`` loads models, ``score()`` returns one float per text."""
from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np


class Scorer(Protocol):
    name: str

    def warm_up(self) -> None: ...

    def score(self, query: str, texts: Sequence[str]) -> np.ndarray:
        """Relevance of each text to the query; higher is more relevant. Scales differ per scorer."""
        ...


def minmax(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.size == 0:
        return x
    lo, hi = float(x.min()), float(x.max())
    return np.zeros_like(x) if hi - lo < 1e-12 else (x - lo) / (hi - lo)
