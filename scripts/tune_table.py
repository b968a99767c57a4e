"""Tuning aid: dump every raw signal of the table pruner for the dev split once, then replay selection fast.

(superseded by scripts/replay_table.py, which runs the real pruner with memoised model scores)
usage: .venv/bin/python scripts/tune_table.py dump   # slow: MiniLM on every row (writes /tmp/table_signals.pkl)
       .venv/bin/python scripts/tune_table.py eval   # replays the current weights over the dump
"""
import json
import os
import pickle
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ctxprune.api import Engine  # noqa: E402
from ctxprune.bench.kinds import table as ad  # noqa: E402
from ctxprune.pruners import table_columns as tc  # noqa: E402
from ctxprune.pruners.table import Scores  # noqa: E402
from ctxprune.pruners.table_parse import TableRequest, parse_table  # noqa: E402
from ctxprune.pruners.table_rows import condition_matrix, question_shape, spread_neighbours  # noqa: E402
from ctxprune.pruners.table_select import fill_table  # noqa: E402
from ctxprune.scoring import minmax  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared/evaldata/tables/dev.jsonl"
DUMP = Path(os.environ.get("TABLE_DUMP", "/tmp/table_signals.pkl"))


def dump():
    eng = Engine()
    pr = eng.pruner("table")
    hub = pr.hub
    out = []
    for n, ex in enumerate(json.loads(l) for l in open(DATA)):
        req = TableRequest.model_validate(ad.request(ex, None))
        t = parse_table(req.table)
        cols = tc.describe_all(t)
        by_col = [[r[j] for r in t.text] for j in range(t.n_cols)]
        texts = pr._row_texts(t)
        d = dict(id=ex["id"], ex=ex,
                 col_sparse=hub.get("bm25").score(ex["query"], [tc.column_doc(c, by_col[c.index]) for c in cols]),
                 col_dense=hub.get("dense").score(ex["query"], [f"{t.title}. {c.description}" if t.title else c.description for c in cols]),
                 row_bm25=hub.get("bm25").score(ex["query"], texts),
                 row_static=hub.get("static").score(ex["query"], texts),
                 row_dense=hub.get("static").score(ex["query"], texts))  # MiniLM on all rows is too slow here
        out.append(d)
        if n % 20 == 0:
            print(n, flush=True)
    pickle.dump(out, open(DUMP, "wb"))


def replay(pr, d, ratio, cw=tc.ColumnWeights()):
    ex = d["ex"]
    w = pr.weights
    req = TableRequest.model_validate(ad.request(ex, {"ratio": ratio}))
    t = parse_table(req.table)
    cols = tc.describe_all(t)
    key = tc.row_key_column(cols)
    shape = question_shape(ex["query"])
    by_col = [[r[j] for r in t.text] for j in range(t.n_cols)]
    cond = condition_matrix(ex["query"], by_col, shape)
    col = tc.column_scores(ex["query"], t.title, cols, d["col_sparse"], d["col_dense"], cond.max(axis=0), key, cw)
    c = np.minimum(cond.sum(axis=1), 2.0) / 2.0
    fast, dense = minmax(d["row_static"]), minmax(d["row_dense"])
    sparse = minmax(d["row_bm25"])
    pre = w.cond * c + w.sparse * sparse + w.dense * fast
    top = np.argsort(-pre)[: w.dense_top]
    dd = fast.copy()
    if len(top) > 1:
        dd[top] = 0.5 * fast[top] + 0.5 * minmax(d["row_dense"][top])
    row = w.cond * c + w.sparse * sparse + w.dense * dd
    row = spread_neighbours(row) if shape.neighbours else row
    sc = Scores(cols, col, tc.kept_cluster(col), key, row, shape)
    cells, lead, head, head_lead, _ = pr._cell_tokens(t)
    p, q = pr.weights_pq(sc)
    limit = req.budget.limit(pr.counter.count(ad.full(ex)))
    sub = fill_table(p, q, cells, head, limit, np.zeros(t.n_cols, bool), np.zeros(t.n_rows, bool),
                     max_cells=int(ratio * t.n_rows * t.n_cols), lead=lead, head_lead=head_lead)
    cs, rs = sorted(sub.columns), sorted(sub.rows)
    oh = [t.columns[j] for j in cs]
    orows = [[t.rows[i][j] for j in cs] for i in rs]
    s = ad.score(ex, oh, orows)
    kt = pr.counter.count(ad._text(oh, orows)) / pr.counter.count(ad.full(ex))
    return s["recall"], kt, s["cells_kept"], ex["meta"]["dataset"]


def evaluate(ratios=(0.35,), **over):
    import dataclasses
    eng = Engine()
    pr = eng.pruner("table")
    tw = {k: v for k, v in over.items() if k in {f.name for f in dataclasses.fields(pr.weights)}}
    cwd = {k: v for k, v in over.items() if k not in tw}
    pr.weights = dataclasses.replace(pr.weights, **tw)
    cw = dataclasses.replace(tc.ColumnWeights(), **cwd)
    data = pickle.load(open(DUMP, "rb"))
    for r in ratios:
        res = [replay(pr, d, r, cw) for d in data]
        parts = []
        for ds in ("all", "wtq", "fetaqa"):
            v = [x for x in res if ds == "all" or x[3] == ds]
            parts.append(f"{ds} {statistics.mean(x[0] for x in v):.4f}/{statistics.mean(x[1] for x in v):.3f}/"
                         f"{statistics.mean(x[2] for x in v):.3f}")
        print(f"r={r} {over}: " + "  ".join(parts), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "dump":
        dump()
    else:
        over = {k: float(v) for k, v in (a.split("=") for a in sys.argv[2:])}
        for k in ("dense_top",):
            if k in over:
                over[k] = int(over[k])
        evaluate(**over)
