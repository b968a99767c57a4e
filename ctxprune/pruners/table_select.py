"""Choosing a sub-table (columns x rows) under a token budget, or the adaptive minimal one without a budget.

Scores become weights: ``p`` per column, ``q`` per row. The expected share of answer cells a
sub-table keeps is ``(sum p over kept columns / sum p) * (sum q over kept rows / sum q)``. For each
prefix of the column ranking the rows are filled best-first into what the budget leaves, and the
prefix with the highest expected share wins: narrow tables of many rows for superlative questions
(flat ``q``), wider tables of a few rows when the question names its rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

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


def rows_for_columns(cols: list[int], row_order: np.ndarray, cell_tokens: np.ndarray, head_tokens: np.ndarray,
                     limit: int, must_rows: np.ndarray, max_cells: int | None = None, lead: np.ndarray | None = None,
                     head_lead: np.ndarray | None = None) -> list[int]:
    """The rows, best first by ``row_order``, that fit ``limit`` with these columns (header, separators, newline
    and the first column's lead counted as ``fill_table`` does), at most ``max_cells`` cells."""
    k, first = len(cols), min(cols)
    head = float(head_tokens[cols].sum()) + (k - 1) - (float(head_lead[first]) if head_lead is not None else 0.0)
    cost = cell_tokens[:, cols].sum(axis=1) + k  # separators and the newline
    if lead is not None:
        cost = cost - lead[:, first]
    max_rows = cell_tokens.shape[0] if max_cells is None else max(0, max_cells // k)
    return _fill_rows(row_order, cost.astype(float), limit - head, must_rows, max_rows)


def fill_table(p: np.ndarray, q: np.ndarray, cell_tokens: np.ndarray, head_tokens: np.ndarray, limit: int,
               must_cols: np.ndarray, must_rows: np.ndarray, max_cells: int | None = None,
               min_cols: int = 1, lead: np.ndarray | None = None, head_lead: np.ndarray | None = None,
               twins: np.ndarray | None = None) -> SubTable:
    """The best (columns, rows) under ``limit`` tokens and at most ``max_cells`` cells.

    ``cell_tokens`` / ``head_tokens`` are the tokens of a cell as it stands after a separator
    (``" " + value``); ``lead`` / ``head_lead`` what that costs more than the same value at the
    start of a line, where the first kept column stands (see ``TablePruner._cell_tokens``).
    """
    n_rows, n_cols = cell_tokens.shape
    col_order = [int(j) for j in np.flatnonzero(must_cols)] + [int(j) for j in np.argsort(-p, kind="stable")
                                                               if not must_cols[j]]
    if twins is not None:
        col_order = with_twins(col_order, twins)
    row_order = np.argsort(-q, kind="stable")
    p_tot, q_tot = float(p.sum()) or 1.0, float(q.sum()) or 1.0
    best: SubTable | None = None
    # every prefix tried holds all must-keep columns (a must column's namesake may stand before it)
    must_at = [i for i, j in enumerate(col_order) if must_cols[j]]
    start = max(must_at[-1] + 1 if must_at else 0, min(min_cols, n_cols), 1)
    for k in range(start, n_cols + 1):
        cols = col_order[:k]
        rows = rows_for_columns(cols, row_order, cell_tokens, head_tokens, limit, must_rows, max_cells, lead, head_lead)
        value = (float(p[cols].sum()) / p_tot) * (float(q[rows].sum()) / q_tot if rows else 0.0)
        if best is None or value > best.value + 1e-9:
            best = SubTable(cols, rows, value)
    assert best is not None
    if not best.rows and n_rows and start > 1 and min_cols > 1:  # no row fits that many columns: no floor
        return fill_table(p, q, cell_tokens, head_tokens, limit, must_cols, must_rows, max_cells, 1, lead, head_lead,
                          twins)
    if not best.rows and n_rows:  # never return an empty table: the best row of the best column
        best = SubTable(best.columns[:1], [int(row_order[0])], 0.0, exceeded=True)
    best.exceeded = best.exceeded or bool(must_cols.any() or must_rows.any()) and (
        float(head_tokens[best.columns].sum()) + float(cell_tokens[np.ix_(best.rows, best.columns)].sum()) > limit)
    return best


def with_twins(order: list[int], twins: np.ndarray) -> list[int]:
    """``order`` with each column whose name repeats an earlier column's (``twins[j]``: the first column of
    that name) preceded by that first namesake, so no prefix keeps a repeated name alone.

    Flattened two-row headers repeat names (``League | League`` for apps and goals): the second alone
    reads as the first to anyone who looks columns up by name, the acceptance scorer included.
    """
    out: list[int] = []
    seen: set[int] = set()
    for j in order:
        t = int(twins[j])
        for x in ((t, j) if t != j else (j,)):
            if x not in seen:
                seen.add(x)
                out.append(x)
    return out


def top_up(p: np.ndarray, q: np.ndarray, cols: list[int], rows: list[int], tokens: int, limit: int,
           count: Callable[[list[int], list[int]], int], cell_tokens: np.ndarray, head_tokens: np.ndarray,
           max_cells: int | None = None, tries: int = 24,
           twins: np.ndarray | None = None) -> tuple[list[int], list[int], int]:
    """Rows and columns added into what the exact count of the chosen sub-table left of the budget.

    ``fill_table`` skips a row that does not fit its estimate and the exact recount may drop one;
    here the left-out rows and columns are tried best value per token first (a row is worth its
    ``q`` times the kept share of ``p``, a column its ``p`` times the kept share of ``q``), each
    kept only if the exact ``count(cols, rows)`` stays within ``limit`` (at most ``tries`` counts).
    """
    n_rows, n_cols = cell_tokens.shape
    if not cols or not rows or tokens >= limit:
        return cols, rows, tokens
    p_tot, q_tot = float(p.sum()) or 1.0, float(q.sum()) or 1.0
    kept_r, kept_c = set(rows), set(cols)
    p_in, q_in = float(p[cols].sum()) / p_tot, float(q[rows].sum()) / q_tot
    cand = [(float(q[i]) / q_tot * p_in / (float(cell_tokens[i, cols].sum()) + len(cols)), "row", i)
            for i in range(n_rows) if i not in kept_r]
    cand += [(float(p[j]) / p_tot * q_in / (float(head_tokens[j]) + float(cell_tokens[rows, j].sum()) + len(rows) + 1),
              "col", j) for j in range(n_cols) if j not in kept_c]
    cand.sort(key=lambda c: -c[0])
    for _, what, x in cand:
        if tries <= 0 or tokens >= limit:
            break
        if what == "col" and twins is not None and int(twins[x]) not in cols + [x]:
            continue  # a repeated name only with its first namesake (with_twins)
        new_c, new_r = (cols, sorted(rows + [x])) if what == "row" else (sorted(cols + [x]), rows)
        if max_cells is not None and len(new_c) * len(new_r) > max_cells:
            continue
        room = limit - tokens
        est = (float(cell_tokens[x, cols].sum()) + len(cols) if what == "row"
               else float(head_tokens[x]) + float(cell_tokens[rows, x].sum()) + len(rows) + 1)
        if est > room + 1:  # the estimate is at most a token a line off: no exact count for a hopeless one
            continue
        tries -= 1
        n = count(new_c, new_r)
        if n <= limit:
            cols, rows, tokens = new_c, new_r, n
    return cols, rows, tokens
