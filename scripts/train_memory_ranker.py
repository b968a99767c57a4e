"""Train the memory pruner's learned ranker (logistic regression over ``memory_score.signals``).

Trained on the answerable questions of some LoCoMo dev conversations and measured (offline replay,
the pruner's own selection under the budget) on the others; --save writes the packaged weights.

usage: .venv/bin/python scripts/train_memory_ranker.py --train conv-30,conv-42,conv-44 --test conv-47,conv-48,conv-49
       .venv/bin/python scripts/train_memory_ranker.py --train all --save ctxprune/_data/memory_ranker_lr.npz
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ctxprune.pruners import memory_ranker  # noqa: E402
from ctxprune.pruners.memory import MemoryPruner  # noqa: E402
from ctxprune.pruners.memory_ranker import Ranker  # noqa: E402
from ctxprune.pruners.memory_score import FEATURES, partners, score_turns, signals  # noqa: E402
from scripts.dev_memory import load  # noqa: E402
from scripts.replay_memory import prepare, select  # noqa: E402

CONVS = ["conv-30", "conv-42", "conv-44", "conv-47", "conv-48", "conv-49"]


def conv_of(ex: dict) -> str:
    return ex["id"].rsplit("-q", 1)[0].removeprefix("locomo-")


def gold_ids(ex, req, idx) -> list[int]:
    ids = {req.sessions[idx.session_of[i]].turns[idx.position[i]].id: i for i in range(idx.n)}
    return [ids[g] for g in ex["gold"]["evidence_dia_ids"] if g in ids]


def dataset(rows, convs, qvecs, w, pairs, names):
    xs, ys, ws = [], [], []
    for ex in rows:
        req, idx = convs[ex["id"].rsplit("-q", 1)[0]]
        gold = set(gold_ids(ex, req, idx))
        if not gold:
            continue
        cand, sig = signals(idx, ex["query"], *qvecs[ex["query"]], w, pairs[id(idx)])
        xs.append(np.stack([sig[n] for n in names], axis=1))
        y = np.array([int(c) in gold for c in cand], dtype=float)
        ys.append(y)
        ws.append(np.full(len(y), len(ys) - 1))  # the question each row belongs to
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ws).astype(int)


def fit(x, y, qid, c: float):
    """Listwise (conditional logit): per question, a softmax over its candidate turns, the loss is
    the mean negative log-probability of its evidence turns; every question weighs the same. What
    matters for a budgeted selection is the order of the turns within one question, not a
    calibrated probability across questions."""
    from scipy.optimize import minimize

    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    xs = (x - mean) / scale
    nq = int(qid.max()) + 1
    gold_w = np.zeros(len(y))
    per_q = np.bincount(qid, weights=y, minlength=nq)
    gold_w[y > 0] = 1.0 / per_q[qid[y > 0]]
    starts = np.r_[0, np.flatnonzero(np.diff(qid)) + 1]

    def loss(wv):
        z = xs @ wv
        zmax = np.maximum.reduceat(z, starts)
        e = np.exp(z - zmax[qid])
        den = np.add.reduceat(e, starts)
        p = e / den[qid]
        lse = np.log(den) + zmax
        val = -(gold_w @ z) + lse.sum()
        grad = -(gold_w @ xs) + (p[:, None] * xs).sum(axis=0)  # each question's gold weights sum to 1
        return val / nq + 0.5 / c * wv @ wv / nq, grad / nq + wv / c / nq

    res = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B")
    return mean, scale, res.x, 0.0


def evaluate(rows, convs, qvecs, w, pairs, ratios) -> dict:
    rec = {r: defaultdict(list) for r in ratios}
    for ex in rows:
        req, idx = convs[ex["id"].rsplit("-q", 1)[0]]
        gold = gold_ids(ex, req, idx)
        if not gold:
            continue
        cand, sc = score_turns(idx, ex["query"], *qvecs[ex["query"]], w, pairs[id(idx)])
        for r in ratios:
            kept = select(MemoryPruner, req, idx, cand, sc.final, int(r * idx.tokens_in))
            rec[r][ex["meta"]["category_name"]].append(sum(g in kept for g in gold) / len(gold))
    out = {}
    for r in ratios:
        allv = [v for vs in rec[r].values() for v in vs]
        out[str(r)] = {"micro": round(statistics.mean(allv), 4),
                       "macro": round(statistics.mean(statistics.mean(v) for v in rec[r].values()), 4),
                       **{k[:5]: round(statistics.mean(v), 3) for k, v in sorted(rec[r].items())}}
    out["score"] = round(statistics.mean((out[str(r)]["micro"] + out[str(r)]["macro"]) / 2 for r in ratios), 4)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", default="conv-30,conv-42,conv-44")
    ap.add_argument("--test", default="")
    ap.add_argument("--features", default=",".join(FEATURES))
    ap.add_argument("--drop", default="", help="features left out")
    ap.add_argument("--c", type=float, default=1.0)
    ap.add_argument("--ratios", default="0.1,0.2")
    ap.add_argument("--cache", default="/tmp/memory-replay.pkl")
    ap.add_argument("--save")
    ap.add_argument("--w", default="", help="MemoryWeights overrides, e.g. partner_answer=0.7")
    a = ap.parse_args()
    allrows = load("all")
    convs, qvecs = prepare(allrows + load("dev"), Path(a.cache))
    pairs = {id(idx): partners(idx) for _, idx in convs.values()}
    train = CONVS if a.train == "all" else a.train.split(",")
    names = [n for n in a.features.split(",") if n and n not in a.drop.split(",")]
    base = MemoryPruner.weights
    kv = {k: type(getattr(base, k))(v) for k, v in (x.split("=") for x in a.w.split(",") if x)}
    w = replace(base, **kv)
    x, y, sw = dataset([ex for ex in allrows if conv_of(ex) in train], convs, qvecs, w, pairs, names)
    model = Ranker(names, *fit(x, y, sw, a.c))
    print(json.dumps({"train": train, "n": int(len(y)), "pos": int(y.sum()),
                      "coef": {n: round(float(c), 3) for n, c in zip(names, model.coef)}}))
    ratios = [float(r) for r in a.ratios.split(",")]
    if a.test:
        test = a.test.split(",")
        rows = [ex for ex in allrows if conv_of(ex) in test]
        print(json.dumps({"test": test, "variant": "hand-set", **evaluate(rows, convs, qvecs, w, pairs, ratios)}))
        memory_ranker.use(model)
        print(json.dumps({"test": test, "variant": "learned", **evaluate(rows, convs, qvecs, replace(w, learned=1), pairs, ratios)}),
              flush=True)
        dev = [ex for ex in load("dev") if conv_of(ex) in test]
        print(json.dumps({"test": "dev.jsonl of " + ",".join(test), "variant": "learned",
                          **evaluate(dev, convs, qvecs, replace(w, learned=1), pairs, ratios)}))
    if a.save:
        model.save(a.save)


if __name__ == "__main__":
    main()
