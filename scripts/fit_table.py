"""Fit table_calibrate's logistic column and row models on one half of the tables dev split.

usage: .venv/bin/python scripts/fit_table.py [--half a] [--C 1.0]
Runs the pruner's scoring (model scores memoised as in replay_table.py) on the chosen half,
labels a column / row positive when it holds an answer cell, weights every question equally
(1/n per column or row), fits sklearn LogisticRegression and prints the constants to paste into
ctxprune/pruners/table_calibrate.py. Check the result with replay_table.py on the other half.
"""
import argparse
import json
import pickle
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from replay_table import dev_half, memo_pruner  # noqa: E402

from ctxprune.api import Engine  # noqa: E402
from ctxprune.bench.kinds import table as ad  # noqa: E402
from ctxprune.pruners import table_calibrate as cal  # noqa: E402
from ctxprune.pruners.table_parse import TableRequest, parse_table  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--half", default="a")
    ap.add_argument("--C", type=float, default=1.0)
    a = ap.parse_args()
    exs = dev_half(a.half)
    _, pr, _ = memo_pruner()
    cx, cy, cw, rx, ry, rw = [], [], [], [], [], []
    for ex in exs:
        t = parse_table(TableRequest.model_validate(ad.request(ex, None)).table)
        sc = pr.score(ex["query"], t)
        gold = ex["gold"]["answer_cells"]
        gc, gr = {c for _, c in gold}, {r for r, _ in gold}
        cx.append(sc.col_x)
        cy += [j in gc for j in range(t.n_cols)]
        cw += [1.0 / t.n_cols] * t.n_cols
        rx.append(sc.row_x)
        ry += [i in gr for i in range(t.n_rows)]
        rw += [1.0 / t.n_rows] * t.n_rows
    for name, x, y, w, feats in (("COLUMN", cx, cy, cw, cal.COLUMN_FEATURES), ("ROW", rx, ry, rw, cal.ROW_FEATURES)):
        m = LogisticRegression(C=a.C, max_iter=2000).fit(np.vstack(x), np.array(y), sample_weight=np.array(w))
        coef = ", ".join(f"{v:.3f}" for v in m.coef_[0])
        print(f"{name}_COEF: tuple[float, ...] = ({coef})  # {', '.join(feats)}")
        print(f"{name}_BIAS = {m.intercept_[0]:.3f}")


if __name__ == "__main__":
    main()
