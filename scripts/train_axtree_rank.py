"""Train the axtree line ranker: logistic regression over axtree_rank.FEATURES, one row per line.

Label: the line holding the gold target bid (the bid only names the label; no feature looks at
bids). Lines removed by the guard are left out. Features are standardised; weights, mean and scale
go to an .npz read by ``axtree_rank.weights``. sklearn is needed here only, not at run time.

usage: python scripts/train_axtree_rank.py --half A|B|all [--C 0.03] [--out PATH]
  --half all writes the shipped ctxprune/_data/axtree_rank_lr.npz (by default). Check a half-trained
  model on the other half with the pipeline:
  python scripts/tune_axtree.py --half B --grid '{"ranker": ["/tmp/axtree_rank_A.npz"]}'
       python scripts/train_axtree_rank.py --cv 5 [--ratios 0.3,0.5]
  K contiguous folds of the whole split: fit on the other folds, prune the fold's pages (full pipeline,
  default weights), print the target recall over all pages (each page judged by a model that never saw it).
"""
import argparse
import dataclasses
import json
import statistics
import sys
import tempfile

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, ".")
from ctxprune.api import Engine  # noqa: E402
from ctxprune.bench.kinds import axtree as ad  # noqa: E402
from ctxprune.pruners import axtree_rank as rank  # noqa: E402
from ctxprune.pruners.axtree_score import AxWeights, line_texts  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--data", default="../shared/evaldata/axtree/dev.jsonl")
ap.add_argument("--half", default="all", choices=["A", "B", "all"])
ap.add_argument("--C", type=float, default=0.03, help="inverse L2 strength (5-fold CV on dev: 0.01-1 within 1 point)")
ap.add_argument("--out")
ap.add_argument("--cv", type=int, default=0, help="K-fold check instead of training")
ap.add_argument("--ratios", default="0.3,0.5")
a = ap.parse_args()
rows = ad.dev_half(a.data, a.half)
eng = Engine()
eng.warm_up(["axtree"])
pruner = eng.pruner("axtree")


def fit(xs: list[np.ndarray], ys: list[np.ndarray], out: str) -> LogisticRegression:
    x, y = np.concatenate(xs), np.concatenate(ys)
    mean, std = x.mean(0), x.std(0)
    scale = np.where(std < 1e-6, 1.0, std)  # a role absent from dev (checkbox, menu item) keeps weight 0
    lr = LogisticRegression(C=a.C, max_iter=5000).fit((x - mean) / scale, y)
    rank.save(out, lr.coef_[0], float(lr.intercept_[0]), mean, scale, C=a.C, half=a.half, pages=len(xs))
    return lr


xs, ys = [], []
for ex in rows:
    req = pruner.request_model.model_validate(ad.request(ex, None))
    nodes = pruner.parse(req.axtree)
    _, removed, _ = pruner.apply_guard(nodes, set())
    texts = line_texts(nodes, pruner.scorer.w.max_chars)
    texts = ["removed" if i in removed else t for i, t in enumerate(texts)]
    _, parts = pruner.scorer.relevance(req.goal, "", texts)
    x = pruner.scorer.features(req.goal, nodes, parts)
    gold = set(ex["gold"]["target_bids"])
    keep = [n.index for n in nodes if n.index not in removed]
    xs.append(x[keep])
    ys.append(np.array([nodes[i].bid in gold for i in keep], dtype=int))
if a.cv:
    n, ratios = len(rows), [float(r) for r in a.ratios.split(",")]
    rec = {r: [] for r in ratios}
    for k in range(a.cv):
        fold = range(n * k // a.cv, n * (k + 1) // a.cv)
        with tempfile.NamedTemporaryFile(suffix=".npz") as f:
            fit([xs[i] for i in range(n) if i not in fold], [ys[i] for i in range(n) if i not in fold], f.name)
            pruner.scorer.w = dataclasses.replace(AxWeights(), ranker=f.name)
            for r in ratios:
                for i in fold:
                    req = pruner.request_model.model_validate(ad.request(rows[i], {"ratio": r}))
                    rec[r].append(ad.recall(rows[i], pruner.run(req).model_dump()))
    print(json.dumps({"cv": a.cv, "pages": n, "C": a.C, **{f"r{r}": round(statistics.mean(v), 4) for r, v in rec.items()}}))
    sys.exit()
out = a.out or (str(rank.MODEL_PATH) if a.half == "all" else f"/tmp/axtree_rank_{a.half}.npz")
lr = fit(xs, ys, out)
y = np.concatenate(ys)
print(json.dumps({"out": out, "pages": len(rows), "lines": len(y), "positives": int(y.sum()),
                  "coef": {f: round(float(c), 3) for f, c in zip(rank.FEATURES, lr.coef_[0])}}))
