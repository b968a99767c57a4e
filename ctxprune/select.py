"""Choosing units under a budget: must-keep first, best-first fill, and the adaptive minimal set."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Candidate:
    index: int
    score: float
    cost: int
    must_keep: bool = False
    group: str | None = None  # units of one group share a header that costs tokens once


def fill_budget(cands: list[Candidate], limit: int | None, *, group_cost: dict[str, int] | None = None,
                min_keep: int = 1) -> tuple[list[int], bool]:
    """Best-first under ``limit`` tokens; returns (chosen indices, budget_exceeded).

    Must-keep units are taken first, always. A unit that does not fit is skipped and a smaller
    one later may still fit. The first unit of a group also pays ``group_cost[group]``.
    ``limit=None`` keeps everything. At least ``min_keep`` units are kept even if the best one
    alone breaks the limit (reported as exceeded), so a result is never empty.
    """
    group_cost = group_cost or {}
    opened: set[str] = set()

    def price(c: Candidate) -> int:
        return c.cost + (group_cost.get(c.group, 0) if c.group is not None and c.group not in opened else 0)

    chosen: list[int] = []
    used = 0
    for c in cands:
        if c.must_keep:
            used += price(c)
            opened.add(c.group)
            chosen.append(c.index)
    rest = sorted((c for c in cands if not c.must_keep), key=lambda c: -c.score)
    if limit is None:
        return chosen + [c.index for c in rest], False
    exceeded = used > limit
    for c in rest:
        p = price(c)
        if used + p <= limit:
            chosen.append(c.index)
            used += p
            opened.add(c.group)
    if len(chosen) < min_keep and rest:
        chosen.append(rest[0].index)
        exceeded = True
    return chosen, exceeded


def adaptive_cut(scores: np.ndarray, *, mass: float = 0.8, min_keep: int = 1, max_share: float = 0.6) -> int:
    """How many of the best units form the minimal sufficient set.

    Scores become a distribution (softmax over z-scores); units are kept until the cumulative
    mass passes ``mass``, cut earlier at a sharp drop in the sorted scores, never fewer than
    ``min_keep`` nor more than ``max_share`` of the units.
    """
    n = len(scores)
    if n == 0:
        return 0
    s = np.sort(np.asarray(scores, dtype=float))[::-1]
    z = (s - s.mean()) / (s.std() + 1e-9)
    p = np.exp(2.0 * z)
    p /= p.sum()
    by_mass = int(np.searchsorted(np.cumsum(p), mass) + 1)
    upper = max(min_keep, int(np.ceil(max_share * n)))
    k = min(by_mass, upper)
    if k > min_keep + 1:
        gaps = s[: k - 1] - s[1:k]
        tail = gaps[min_keep - 1:]
        gap_at = int(np.argmax(tail)) + min_keep  # cut after the sharpest drop
        if tail.max() > 2.0 * (np.median(gaps) + 1e-9):
            k = gap_at
    return max(min_keep, min(k, n))


def keep_mask(texts: list[str], keep: list[str]) -> list[bool]:
    """Which texts contain a must-keep string verbatim."""
    return [any(k in t for k in keep) for t in texts]
