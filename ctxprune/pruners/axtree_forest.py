"""A tree ensemble evaluated in numpy (no sklearn at run time): flat node arrays, one pass per level.

A forest is stored as flat arrays over all its nodes: ``feature`` (−1 at a leaf), ``threshold``
(go left when ``x[feature] <= threshold``, sklearn's rule), ``left`` / ``right`` (absolute node
indices), ``value`` (the leaf's probability of the positive class) and ``roots`` (one per tree).
The prediction is the mean leaf value over the trees. Evaluation walks every (row, tree) pair
down one level per step and drops the pairs that reached a leaf, so the cost follows the depth
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


def predict(x: np.ndarray, forest: dict[str, np.ndarray]) -> np.ndarray:
    """Mean leaf value over the trees, one value per row of ``x``."""
    n, roots = len(x), forest["roots"]
    trees = len(roots)
    if not n or not trees:
        return np.zeros(n)
    feature, threshold, left, right = forest["feature"], forest["threshold"], forest["left"], forest["right"]
    node = np.tile(roots, n)
    row = np.repeat(np.arange(n, dtype=np.int32), trees)
    active = np.arange(n * trees)
    while len(active):
        at = node[active]
        f = feature[at]
        inner = f >= 0
        active, at, f = active[inner], at[inner], f[inner]
        node[active] = np.where(x[row[active], f] <= threshold[at], left[at], right[at])
    return forest["value"][node].reshape(n, trees).mean(axis=1)
