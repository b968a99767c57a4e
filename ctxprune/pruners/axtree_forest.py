"""A tree ensemble evaluated in numpy (no sklearn at run time): flat node arrays, one pass per level.

A forest is stored as flat arrays over all its nodes: ``feature`` (−1 at a leaf), ``threshold``
(go left when ``x[feature] <= threshold``, sklearn's rule), ``left`` / ``right`` (absolute node
indices), ``value`` (the leaf's probability of the positive class) and ``roots`` (one per tree).
The prediction is the mean leaf value over the trees. Evaluation walks every (row, tree) pair
down a few levels per step and drops the pairs that reached a leaf, so the cost follows the depth
at which rows leave the trees (most lines of a page are clear negatives and leave early).
"""
from __future__ import annotations

import numpy as np

ARRAYS = ("feature", "threshold", "left", "right", "value", "roots")


def flatten(trees, leaf_value) -> dict[str, np.ndarray]:
    """sklearn ``tree_`` objects -> flat arrays; ``leaf_value(tree_)`` gives each node's value."""
    out = {k: [] for k in ARRAYS}
    offset = 0
    for t in trees:
        out["roots"].append(np.array([offset]))
        out["feature"].append(np.where(t.children_left >= 0, t.feature, -1))
        out["threshold"].append(t.threshold)
        out["left"].append(np.where(t.children_left >= 0, t.children_left + offset, -1))
        out["right"].append(np.where(t.children_right >= 0, t.children_right + offset, -1))
        out["value"].append(np.asarray(leaf_value(t), dtype=float))
        offset += t.node_count
    types = {"feature": np.int32, "left": np.int32, "right": np.int32, "roots": np.int32}
    return {k: np.concatenate(v).astype(types.get(k, np.float64)) for k, v in out.items()}


def _walkable(forest: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    """(feature, threshold, left, right, is_leaf) with every leaf a node that goes to itself whatever the row."""
    feature, threshold = forest["feature"].astype(np.int64), forest["threshold"].astype(np.float64)
    left, right = forest["left"].astype(np.int64), forest["right"].astype(np.int64)
    leaf = feature < 0
    here = np.flatnonzero(leaf)
    feature[here], threshold[here], left[here], right[here] = 0, np.inf, here, here
    return feature, threshold, left, right, leaf


def predict(x: np.ndarray, forest: dict[str, np.ndarray], levels_per_pass: int = 3, block: int = 16_384) -> np.ndarray:
    """Mean leaf value over the trees, one value per row of ``x``.

    Pairs that reached a leaf stay there (leaves point to themselves), so the pairs are compacted only once
    every ``levels_per_pass`` levels: ~2x faster than compacting at every level (200 trees x 1,000 lines).
    The pairs are walked ``block`` at a time, so the working arrays stay in the CPU cache (~20% faster than all
    200k pairs at once; each pair's walk is the same)."""
    n, roots = len(x), forest["roots"]
    trees = len(roots)
    if not n or not trees:
        return np.zeros(n)
    feature, threshold, left, right, leaf = _walkable(forest)
    flat = np.ascontiguousarray(x, dtype=np.float64).ravel()
    node = np.tile(roots.astype(np.int64), n)
    starts = np.repeat(np.arange(n, dtype=np.int64) * x.shape[1], trees)  # a row's first value in ``flat``
    for lo in range(0, n * trees, block):
        active = np.arange(lo, min(lo + block, n * trees))
        at, row_start = node[active], starts[active]
        while len(active):
            for _ in range(levels_per_pass):
                go_left = flat.take(row_start + feature.take(at)) <= threshold.take(at)
                at = np.where(go_left, left.take(at), right.take(at))
            node[active] = at
            inner = ~leaf.take(at)
            active, at, row_start = active[inner], at[inner], row_start[inner]
    return forest["value"].take(node).reshape(n, trees).mean(axis=1)
