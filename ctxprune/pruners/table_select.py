"""Choosing a sub-table (columns x rows) under a token budget, or the adaptive minimal one without a budget.

Scores become weights: ``p`` per column, ``q`` per row. The expected share of answer cells a
sub-table keeps is ``(sum p over kept columns / sum p) * (sum q over kept rows / sum q)``. For each
prefix of the column ranking the rows are filled best-first into what the budget leaves, and the
prefix with the highest expected share wins: narrow tables of many rows for superlative questions
(flat ``q``), wider tables of a few rows when the question names its rows.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class SubTable:
    columns: list[int]
    rows: list[int]
    value: float
    exceeded: bool = False


def softmax_weights(scores: np.ndarray, temperature: float) -> np.ndarray:
    s = np.asarray(scores, dtype=float)
    if s.size == 0:
        return s
    z = (s - s.max()) / max(temperature, 1e-6)
    w = np.exp(z)
    return w / w.sum()


def _fill_rows(order: np.ndarray, cost: np.ndarray, room: float, must: np.ndarray, max_rows: int) -> list[int]:
    """Must rows first, then best-first; a row that does not fit is skipped (prefix sums, so it stays fast)."""
    chosen = [int(i) for i in np.flatnonzero(must)]
    room -= float(cost[must].sum())
    rest = order[~must[order]]
    if room <= 0 or len(chosen) >= max_rows or len(rest) == 0:
        return chosen[:max(max_rows, len(chosen))] if len(chosen) > max_rows else chosen
    c = cost[rest]
    fits = np.cumsum(c) <= room
    k = int(np.argmin(fits)) if not fits.all() else len(rest)
    k = min(k, max_rows - len(chosen))
    chosen += rest[:k].tolist()
    room -= float(c[:k].sum())
    if k < len(rest) and len(chosen) < max_rows:  # smaller rows further down may still fit
        for i in rest[k:k + 2000]:
            if cost[i] <= room:
                chosen.append(int(i))
                room -= float(cost[i])
                if len(chosen) >= max_rows or room < cost.min():
                    break
    return chosen


def fill_table(p: np.ndarray, q: np.ndarray, cell_tokens: np.ndarray, head_tokens: np.ndarray, limit: int,
               must_cols: np.ndarray, must_rows: np.ndarray, max_cells: int | None = None,
               min_cols: int = 1) -> SubTable:
    """The best (columns, rows) under ``limit`` tokens and at most ``max_cells`` cells."""
    n_rows, n_cols = cell_tokens.shape
    col_order = [int(j) for j in np.flatnonzero(must_cols)] + [int(j) for j in np.argsort(-p, kind="stable")
                                                               if not must_cols[j]]
    row_order = np.argsort(-q, kind="stable")
    p_tot, q_tot = float(p.sum()) or 1.0, float(q.sum()) or 1.0
    best: SubTable | None = None
    start = max(int(must_cols.sum()), min(min_cols, n_cols), 1)
    for k in range(start, n_cols + 1):
        cols = col_order[:k]
        head = float(head_tokens[cols].sum()) + (k - 1)
        cost = cell_tokens[:, cols].sum(axis=1) + k  # separators and the newline
        max_rows = n_rows if max_cells is None else max(0, max_cells // k)
        rows = _fill_rows(row_order, cost.astype(float), limit - head, must_rows, max_rows)
        value = (float(p[cols].sum()) / p_tot) * (float(q[rows].sum()) / q_tot if rows else 0.0)
        if best is None or value > best.value + 1e-9:
            best = SubTable(cols, rows, value)
    assert best is not None
    if not best.rows and n_rows:  # never return an empty table: the best row of the best column
        best = SubTable(best.columns[:1], [int(row_order[0])], 0.0, exceeded=True)
    best.exceeded = best.exceeded or bool(must_cols.any() or must_rows.any()) and (
        float(head_tokens[best.columns].sum()) + float(cell_tokens[np.ix_(best.rows, best.columns)].sum()) > limit)
    return best
