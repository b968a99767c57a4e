"""Calibrated probabilities that a column / a row holds answer cells, from the pruner's signals.

The selection step maximises the expected share of answer cells kept, ``(sum p over kept
columns / sum p) x (sum q over kept rows / sum q)``. With ``p`` and ``q`` as independent
probabilities (logistic models over the signals) rather than softmaxes, several likely columns
keep similar weights, so a descriptive question spanning three columns gets three columns and a
one-cell lookup still gets one. The coefficients were fitted with ``scripts/fit_table.py`` on one
half of the tables dev split (even lines) and checked on the other half (docs/table.md).
"""
from __future__ import annotations

import numpy as np

from ctxprune.pruners.table_columns import ColumnInfo
from ctxprune.pruners.table_rows import QuestionShape

COLUMN_FEATURES = ("sparse", "dense", "header", "values", "answer_type", "key", "first", "empty", "numeric",
                   "date", "position", "inv_cols", "question_len", "whole_column", "fused", "cluster")
ROW_FEATURES = ("cond", "best_cond", "sparse", "dense", "fused", "position", "first", "whole_column", "log_rows",
                "question_len")


def _question_len(query: str) -> float:
    return min(len(query.split()), 30) / 30.0


def column_features(query: str, cols: list[ColumnInfo], parts: dict[str, np.ndarray],
                    shape: QuestionShape) -> np.ndarray:
    """(n_cols, len(COLUMN_FEATURES)); ``parts`` holds the per-column signals already in [0, 1].

    ``fused`` is the hand-weighted column score (min-max scaled), ``cluster`` the ATF k-means choice.
    """
    n = len(cols)
    if n == 0:
        return np.zeros((0, len(COLUMN_FEATURES)))
    idx = np.arange(n)
    kinds = [c.kind for c in cols]
    cols_x = {
        "sparse": parts["sparse"], "dense": parts["dense"], "header": parts["header"], "values": parts["values"],
        "answer_type": parts["answer_type"], "key": parts["key"], "first": (idx == 0).astype(float),
        "empty": np.array([k == "empty" for k in kinds], dtype=float),
        "numeric": np.array([k in ("number", "money") for k in kinds], dtype=float),
        "date": np.array([k == "date" for k in kinds], dtype=float),
        "position": idx / max(n - 1, 1), "inv_cols": np.full(n, 1.0 / n),
        "question_len": np.full(n, _question_len(query)), "whole_column": np.full(n, float(shape.whole_column)),
        "fused": parts["fused"], "cluster": parts["cluster"],
    }
    return np.stack([np.asarray(cols_x[f], dtype=float) for f in COLUMN_FEATURES], axis=1)


def row_features(query: str, cond: np.ndarray, sparse: np.ndarray, dense: np.ndarray, fused: np.ndarray,
                 shape: QuestionShape) -> np.ndarray:
    """(n_rows, len(ROW_FEATURES)); inputs are per-row signals in [0, 1] (``fused`` is the fused score)."""
    n = len(cond)
    if n == 0:
        return np.zeros((0, len(ROW_FEATURES)))
    idx = np.arange(n)
    best = float(cond.max())
    rows_x = {
        "cond": cond, "best_cond": ((cond >= best - 1e-9) & (best > 0)).astype(float), "sparse": sparse,
        "dense": dense, "fused": fused, "position": 1.0 - idx / max(n - 1, 1), "first": (idx == 0).astype(float),
        "whole_column": np.full(n, float(shape.whole_column)), "log_rows": np.full(n, np.log1p(n) / 10.0),
        "question_len": np.full(n, _question_len(query)),
    }
    return np.stack([np.asarray(rows_x[f], dtype=float) for f in ROW_FEATURES], axis=1)


def logistic(x: np.ndarray, coef: tuple[float, ...], bias: float) -> np.ndarray:
    if x.shape[0] == 0:
        return np.zeros(0)
    return 1.0 / (1.0 + np.exp(-(x @ np.asarray(coef) + bias)))


# fitted by scripts/fit_table.py on dev half a (see module docstring); order = COLUMN_FEATURES / ROW_FEATURES
COLUMN_COEF: tuple[float, ...] = (
    0.835, 0.367, 0.622, -0.103, 0.027, 1.218, -0.313, 0.000, -0.646, 0.928, -0.741, 5.119,
    2.335, -0.908, 0.274, 0.398)
COLUMN_BIAS = -2.340
ROW_COEF: tuple[float, ...] = (
    0.732, 0.646, 0.021, -0.513, 2.335, -0.275, 0.509, -0.183, -6.464, -0.227)
ROW_BIAS = -0.154
