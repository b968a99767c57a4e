"""Experiment (session 9, not kept): a learned choice among the column prefixes fill_table tries.

usage: .venv/bin/python scripts/width_chooser_table.py collect [--ratios 0.3,0.35,0.5]  # -> $TABLE_WIDTH_DATA
       .venv/bin/python scripts/width_chooser_table.py fit [--l2 1.0]

collect: for every dev question and ratio, runs the real pruner (replay_table's memoised scorers) once as it is
and once per column prefix forced as fill_table's choice (by wrapping fill_table: recount, top-up and the
asked-items floor run as the service runs them), and stores each prefix's features and acceptance recall.
Features per prefix: log(P x Q / best P x Q), is-the-P x Q-choice, log P / Q share, p of its last column, the
calibrated column probabilities kept / left out, rows kept, the width difference to the P x Q choice, and the
question features (interrogatives, "and", commas, asked items, whole-column flag, neighbours, length, names,
sum of calibrated column probabilities) and table shape (log rows / columns) crossed with that difference.
fit: a conditional logit over a question's prefixes (cross-entropy against its best-recall prefixes), reported
out of fold only: fit on half b -> scored on a, a -> b, and 5 folds over questions (ratios pooled).
docs/table.md, session 9: no setting beats the P x Q choice out of fold.
"""
import argparse
import json
import os
import pickle
import sys
from pathlib import Path

import re

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from replay_table import dev_half, memo_pruner  # noqa: E402

from ctxprune.bench.kinds import table as ad  # noqa: E402
from ctxprune.pruners import table_calibrate as cal  # noqa: E402
from ctxprune.pruners import table as tmod  # noqa: E402
from ctxprune.pruners import table_select as sel  # noqa: E402
from ctxprune.pruners.table_rows import QuestionShape, asked_items  # noqa: E402

DATA = Path(os.environ.get("TABLE_WIDTH_DATA", "/tmp/table_width_data.pkl"))

_WH = {"when": r"\bwhen\b", "who": r"\bwho(m|se)?\b", "where": r"\bwhere\b", "what": r"\bwhat\b",
       "which": r"\bwhich\b", "how_many": r"\bhow (many|much)\b", "how": r"\bhow\b(?! (many|much))",
       "and": r"\band\b", "comma": r",", "year": r"\b(year|years|when)\b", "did": r"\b(did|was|were|is)\b"}
_WH_RE = {k: re.compile(v, re.I) for k, v in _WH.items()}

QUESTION_FEATURES = tuple(_WH) + ("asks", "whole", "neighbours", "qlen", "log_cols", "log_rows", "ratio", "names",
                                  "exp_cols", "bias")
CAND_FEATURES = ("log_value", "is_best", "log_p", "log_q", "p_last", "pc_kept", "pc_left", "log_kept_rows",
                 "rows_share", "abs_d", "d_neg", "d_pos")


def question_features(query: str, shape: QuestionShape, n_rows: int, n_cols: int, ratio: float,
                      pc: np.ndarray) -> np.ndarray:
    x = {k: float(len(r.findall(query)) > 0) for k, r in _WH_RE.items()}
    x["comma"] = min(len(_WH_RE["comma"].findall(query)), 3) / 3.0
    x.update(asks=min(asked_items(query), 4) / 4.0, whole=float(shape.whole_column), neighbours=float(shape.neighbours),
             qlen=min(len(query.split()), 40) / 40.0, log_cols=np.log1p(n_cols) / 4.0, log_rows=np.log1p(n_rows) / 8.0,
             ratio=ratio, names=min(len(shape.names), 3) / 3.0, exp_cols=float(pc.sum()) / 5.0 if len(pc) else 0.0,
             bias=1.0)
    return np.array([x[f] for f in QUESTION_FEATURES], dtype=float)


def candidate_matrix(cands, p: np.ndarray, q: np.ndarray, pc: np.ndarray, qx: np.ndarray) -> np.ndarray:
    """(len(cands), n_features): the prefix features, then the question features crossed with the width
    difference to the P x Q choice (negative and positive sides apart)."""
    n_rows = max(len(q), 1)
    p_tot, q_tot = float(p.sum()) or 1.0, float(q.sum()) or 1.0
    vals = np.array([c.value for c in cands], dtype=float)
    ib = int(np.argmax(vals))
    kb = len(cands[ib].columns)
    pc_tot = float(pc.sum()) or 1.0
    rows = []
    for i, c in enumerate(cands):
        k = len(c.columns)
        d = k - kb
        ps = float(p[c.columns].sum()) / p_tot
        qs = float(q[c.rows].sum()) / q_tot if c.rows else 0.0
        pck = float(pc[c.columns].sum())
        f = [np.log(max(c.value, 1e-6) / max(vals[ib], 1e-6)), float(i == ib), np.log(max(ps, 1e-6)),
             np.log(max(qs, 1e-6)), float(p[c.columns[-1]]) / p_tot, pck / 5.0, (pc_tot - pck) / 5.0,
             np.log1p(len(c.rows)) / 5.0, len(c.rows) / n_rows, min(abs(d), 4) / 4.0, min(max(-d, 0), 4) / 4.0,
             min(max(d, 0), 4) / 4.0]
        dn, dp = min(max(-d, 0), 3) / 3.0, min(max(d, 0), 3) / 3.0
        rows.append(np.concatenate([f, dn * qx, dp * qx]))
    return np.array(rows, dtype=float)


def feature_names() -> list[str]:
    return list(CAND_FEATURES) + [f"neg*{f}" for f in QUESTION_FEATURES] + [f"pos*{f}" for f in QUESTION_FEATURES]



def collect(ratios: list[float]) -> None:
    eng, pr, store = memo_pruner()
    seen: dict = {}
    force = [None]
    real_pq, real_fill = pr.weights_pq, tmod.fill_table

    def spy_pq(sc):
        seen["sc"] = sc
        return real_pq(sc)

    def spy_fill(p, q, cells, head, limit, must_cols, must_rows, max_cells=None, min_cols=1, lead=None,
                 head_lead=None, twins=None):
        if min_cols > 1 or "x" in seen:  # the asked-items floor's second call runs as it is
            return real_fill(p, q, cells, head, limit, must_cols, must_rows, max_cells, min_cols, lead, head_lead,
                             twins)
        order = [int(j) for j in np.flatnonzero(must_cols)] + [int(j) for j in np.argsort(-p, kind="stable")
                                                               if not must_cols[j]]
        order = sel.with_twins(order, twins) if twins is not None else order
        row_order = np.argsort(-q, kind="stable")
        p_tot, q_tot = float(p.sum()) or 1.0, float(q.sum()) or 1.0
        cands = []
        for k in range(1, len(order) + 1):
            rows = sel.rows_for_columns(order[:k], row_order, cells, head, limit, must_rows, max_cells, lead,
                                        head_lead)
            cands.append(sel.SubTable(order[:k], rows,
                                      float(p[order[:k]].sum()) / p_tot * (float(q[rows].sum()) / q_tot)))
        sc, req = seen["sc"], seen["req"]
        pc = cal.logistic(sc.col_x, cal.COLUMN_COEF, cal.COLUMN_BIAS) if sc.col_x is not None else np.zeros(len(p))
        qx = question_features(req.query, sc.shape, len(q), len(p), req.budget.ratio or 0.0, pc)
        seen["x"] = candidate_matrix(cands, p, q, pc, qx)
        seen["live"] = [bool(c.rows) for c in cands]
        if force[0] is None or must_cols.any() or must_rows.any():
            return real_fill(p, q, cells, head, limit, must_cols, must_rows, max_cells, min_cols, lead, head_lead,
                             twins)
        return cands[force[0]]
    real_run = pr._run

    def spy_run(req):
        seen["req"] = req
        return real_run(req)
    pr.weights_pq, pr._run, tmod.fill_table = spy_pq, spy_run, spy_fill
    out = []
    for half in ("a", "b"):
        for n, ex in enumerate(dev_half(half)):
            for ratio in ratios:
                force[0] = None
                seen.clear()
                res = eng.prune("table", ad.request(ex, {"ratio": ratio}), use_cache=False).model_dump()
                base = ad.score(ex, res["table"]["columns"], res["table"]["rows"])["recall"]
                if "x" not in seen:
                    out.append(dict(id=ex["id"], half=half, ratio=ratio, base=base, x=None, rec=None,
                                    src=ex["meta"]["dataset"]))
                    continue
                x, live = seen["x"], seen["live"]
                rec = np.full(len(live), np.nan)
                for i, ok in enumerate(live):
                    if not ok:
                        continue
                    force[0] = i
                    seen.pop("x", None)
                    r = eng.prune("table", ad.request(ex, {"ratio": ratio}), use_cache=False).model_dump()
                    rec[i] = ad.score(ex, r["table"]["columns"], r["table"]["rows"])["recall"]
                out.append(dict(id=ex["id"], half=half, ratio=ratio, base=base, x=x, rec=rec,
                                src=ex["meta"]["dataset"]))
            if n % 25 == 0:
                print(half, n, flush=True)
    if store.pop("_dirty", False):
        pickle.dump(store, open(os.environ.get("TABLE_REPLAY_CACHE", "/tmp/table_replay_cache.pkl"), "wb"))
    pickle.dump(out, open(DATA, "wb"))
    print("wrote", DATA, len(out))


def _groups(data):
    return [d for d in data if d["x"] is not None and np.nanmax(d["rec"]) - np.nanmin(d["rec"]) > 1e-9]


def fit(data, l2: float) -> np.ndarray:
    gs = _groups(data)
    nf = gs[0]["x"].shape[1] if gs else len(feature_names())
    mats = []
    for d in gs:
        live = ~np.isnan(d["rec"])
        x, r = d["x"][live], d["rec"][live]
        t = (r >= r.max() - 1e-9).astype(float)
        mats.append((x, t / t.sum(), r.max() - r.min()))

    def loss(w):
        f, g = 0.5 * l2 * w @ w, l2 * w
        for x, t, wt in mats:
            s = x @ w
            s = s - s.max()
            e = np.exp(s)
            pr = e / e.sum()
            f -= wt * float(t @ np.log(pr + 1e-12))
            g -= wt * (x.T @ (t - pr))
        return f, g
    w0 = np.zeros(nf)
    w0[1] = 2.0  # start at the P x Q choice
    return minimize(loss, w0, jac=True, method="L-BFGS-B").x


def evaluate(data, w) -> float:
    """Mean recall when the chooser picks (None: the P x Q result)."""
    tot = []
    for d in data:
        if d["x"] is None:
            tot.append(d["base"])
            continue
        live = np.flatnonzero(~np.isnan(d["rec"]))
        if len(live) < 2:
            tot.append(d["base"])
            continue
        s = d["x"][live] @ w
        i = live[int(np.argmax(s))]
        tot.append(d["base"] if d["x"][i, 1] == 1.0 else d["rec"][i])
    return float(np.mean(tot)) if tot else float("nan")


def report(data, l2: float) -> None:
    ratios = sorted({d["ratio"] for d in data})
    qids = sorted({d["id"] for d in data})
    rng = np.random.default_rng(0)
    fold = dict(zip(qids, rng.permutation(len(qids)) % 5))
    oof5 = {}
    for f in range(5):
        w = fit([d for d in data if fold[d["id"]] != f], l2)
        for d in data:
            if fold[d["id"]] == f:
                oof5[(d["id"], d["ratio"])] = evaluate([d], w)
    wa, wb = fit([d for d in data if d["half"] == "a"], l2), fit([d for d in data if d["half"] == "b"], l2)
    for r in ratios:
        sel = [d for d in data if d["ratio"] == r]
        a, b = [d for d in sel if d["half"] == "a"], [d for d in sel if d["half"] == "b"]
        base = lambda ds: np.mean([d["base"] for d in ds])  # noqa: E731
        best = lambda ds: np.mean([np.nanmax(d["rec"]) if d["x"] is not None else d["base"] for d in ds])  # noqa
        o5 = lambda ds: np.mean([oof5[(d["id"], d["ratio"])] for d in ds])  # noqa: E731
        line = (f"ratio {r}: base a {base(a):.4f} b {base(b):.4f} all {base(sel):.4f} | best-prefix all "
                f"{best(sel):.4f} | fit b->a {evaluate(a, wb):.4f} fit a->b {evaluate(b, wa):.4f} | "
                f"5-fold a {o5(a):.4f} b {o5(b):.4f} all {o5(sel):.4f}")
        for src in ("wtq", "fetaqa"):
            s = [d for d in sel if d["src"] == src]
            line += f" | {src} base {base(s):.4f} 5f {o5(s):.4f}"
        print(line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=("collect", "fit"))
    ap.add_argument("--ratios", default="0.3,0.35,0.5")
    ap.add_argument("--l2", type=float, default=1.0)
    a = ap.parse_args()
    if a.cmd == "collect":
        collect([float(r) for r in a.ratios.split(",")])
        return
    data = pickle.load(open(DATA, "rb"))
    report(data, a.l2)


if __name__ == "__main__":
    main()
