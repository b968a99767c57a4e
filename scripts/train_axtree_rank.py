"""Train the axtree line ranker over axtree_rank.FEATURES, one row per line: a random forest (default) or LR.

Label: the line holding the gold target bid (the bid only names the label; no feature looks at
bids). Lines removed by the guard are left out. The forest goes to an .npz of flat node arrays
(``axtree_forest``), LR to coefficients + standardisation; both are read by ``axtree_rank.weights``.
sklearn is needed here only, not at run time.

usage: python scripts/train_axtree_rank.py --half A|B|all [--model forest|lr] [--out PATH]
  --half all writes the shipped ctxprune/_data/axtree_rank_forest.npz (by default). Check a half-trained
  model on the other half with the pipeline:
  python scripts/tune_axtree.py --half B --grid '{"ranker": ["/tmp/axtree_rank_A.npz"]}'
       python scripts/train_axtree_rank.py --cv 5 [--ratios 0.3,0.5]
  K folds, **sites kept together**: tasks (consecutive steps with one goal) whose pages share a third
  of their element names are one site (dev has NFL + Golf on one sports site, IAB + Ziff Davis on one
  media site); a page's fold is its site's first page's place in the file. Fit on the other folds,
  prune the fold's pages (full pipeline), print the target recall over all pages.
       python scripts/train_axtree_rank.py --cross [--ratios 0.3,0.5]
  the halves: fit on A, prune B, and the other way round. --seeds 0,1,2 repeats either for each forest seed.
       ... --dense K [--dense-cols 0,1,2]
  adds axtree_rank.DENSE_FEATURES (MiniLM cosine of the K best lines by relevance rank, its rank among
  them, its gap to the static cosine; the columns by index); the model file declares them and K, and
  the scorer computes them at run time (a dense pass per request). Session 5: no gain (docs/axtree.md).
"""
import argparse
import dataclasses
import json
import statistics
import sys
import tempfile

import numpy as np

sys.path.insert(0, ".")
sys.path.insert(0, "scripts")
from axtree_guard_data import site_folds as shared_site_folds  # noqa: E402

from ctxprune.api import Engine  # noqa: E402
from ctxprune.bench.kinds import axtree as ad  # noqa: E402
from ctxprune.pruners import axtree_forest, axtree_rank as rank  # noqa: E402
from ctxprune.pruners.axtree_score import AxWeights, line_texts  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--data", default="../shared/evaldata/axtree/dev.jsonl")
ap.add_argument("--half", default="all", choices=["A", "B", "all"])
ap.add_argument("--model", default="forest", choices=["forest", "lr"])
ap.add_argument("--trees", type=int, default=200, help="site CV, 3 seeds, sqrt features: 50 trees 0.832 @0.3, 100 0.843, 200 0.846, 400 0.849 (session 9)")
ap.add_argument("--leaf", type=int, default=40, help="min lines per leaf (site CV: 20 and 40 within noise)")
ap.add_argument("--max-features", default="0.6", help="features tried per split: sqrt, log2 or a share; site CV @0.3 / @0.5, 200 trees, 3 seeds: sqrt 0.846 / 0.924, 0.4 0.857 / 0.939, 0.6 0.857 / 0.943 (session 9)")
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--seeds", default="", help="with --cv/--cross: comma-separated forest seeds (default: --seed)")
ap.add_argument("--dense", type=int, default=0,
                help="add axtree_rank.DENSE_FEATURES (MiniLM cosine of the best DENSE lines by relevance rank)")
ap.add_argument("--dense-cols", default="0,1,2", help="which DENSE_FEATURES (indices) to add")
ap.add_argument("--C", type=float, default=0.03, help="LR inverse L2 strength")
ap.add_argument("--out")
ap.add_argument("--cv", type=int, default=0, help="K-fold check (sites kept together) instead of training")
ap.add_argument("--cross", action="store_true", help="train on one half, check on the other, both ways")
ap.add_argument("--ratios", default="0.3,0.5")
a = ap.parse_args()
dense_cols = tuple(int(i) for i in a.dense_cols.split(","))
rows = ad.dev_half(a.data, "all" if a.cv or a.cross else a.half)
eng = Engine()
eng.warm_up(["axtree"])
pruner = eng.pruner("axtree")


def fit(xs: list[np.ndarray], ys: list[np.ndarray], out: str) -> dict:
    x, y = np.concatenate(xs), np.concatenate(ys)
    meta = dict(half=a.half, pages=len(xs), model=a.model)
    if a.model == "lr":
        from sklearn.linear_model import LogisticRegression
        mean, std = x.mean(0), x.std(0)
        scale = np.where(std < 1e-6, 1.0, std)  # a role absent from dev (checkbox, menu item) keeps weight 0
        lr = LogisticRegression(C=a.C, max_iter=5000).fit((x - mean) / scale, y)
        rank.save(out, lr.coef_[0], float(lr.intercept_[0]), mean, scale, dense_top=a.dense, dense_cols=dense_cols,
                  C=a.C, **meta)
        return {f: round(float(c), 3) for f, c in zip(rank.feature_names(a.dense, dense_cols), lr.coef_[0])}
    from sklearn.ensemble import RandomForestClassifier
    mf = a.max_features if a.max_features in ("sqrt", "log2") else float(a.max_features)
    rf = RandomForestClassifier(n_estimators=a.trees, min_samples_leaf=a.leaf, max_features=mf,
                                random_state=a.seed, n_jobs=1).fit(x, y)
    forest = axtree_forest.flatten([e.tree_ for e in rf.estimators_],
                                   lambda t: t.value[:, 0, 1] / t.value[:, 0].sum(axis=1))
    rank.save_forest(out, forest, dense_top=a.dense, dense_cols=dense_cols, trees=a.trees, leaf=a.leaf, seed=a.seed,
                     **meta)
    order = np.argsort(-rf.feature_importances_)
    names = rank.feature_names(a.dense, dense_cols)
    return {"nodes": int(len(forest["feature"])),
            "importance": {names[i]: round(float(rf.feature_importances_[i]), 3) for i in order[:10]}}


def site_folds(k: int) -> list[list[int]]:
    """K folds with a site's pages together (see the usage note; shared with the guard trainers)."""
    return shared_site_folds(rows, k)


xs, ys = [], []
for ex in rows:
    req = pruner.request_model.model_validate(ad.request(ex, None))
    nodes = pruner.parse(req.axtree)
    _, removed, _ = pruner.apply_guard(nodes, set())
    texts = line_texts(nodes, pruner.scorer.w.max_chars)
    texts = ["removed" if i in removed else t for i, t in enumerate(texts)]
    _, parts = pruner.scorer.relevance(req.goal, "", texts)
    x = pruner.scorer.features(req.goal, nodes, parts, a.dense, dense_cols)
    gold = set(ex["gold"]["target_bids"])
    keep = [n.index for n in nodes if n.index not in removed]
    xs.append(x[keep])
    ys.append(np.array([nodes[i].bid in gold for i in keep], dtype=int))


def check(train: list[int], test: list[int], ratios: list[float], rec: dict) -> None:
    with tempfile.NamedTemporaryFile(suffix=".npz") as f:
        fit([xs[i] for i in train], [ys[i] for i in train], f.name)
        pruner.scorer.w = dataclasses.replace(AxWeights(), ranker=f.name)
        for r in ratios:
            for i in test:
                req = pruner.request_model.model_validate(ad.request(rows[i], {"ratio": r}))
                rec[r].append(ad.recall(rows[i], pruner.run(req).model_dump()))


ratios = [float(r) for r in a.ratios.split(",")]


def report() -> dict:
    """Site CV and/or both halves for the current ``a.seed``."""
    n, out = len(rows), {"model": a.model, "pages": len(rows), "dense": a.dense, "cols": a.dense_cols, "seed": a.seed}
    if a.cv:
        rec = {r: [] for r in ratios}
        for fold in site_folds(a.cv):
            check([i for i in range(n) if i not in set(fold)], fold, ratios, rec)
        out.update({f"cv{a.cv}_r{r}": round(statistics.mean(v), 4) for r, v in rec.items()})
    if a.cross:
        half_a, half_b = list(range(n // 2)), list(range(n // 2, n))
        for name, train, test in (("A<-B", half_b, half_a), ("B<-A", half_a, half_b)):
            rec = {r: [] for r in ratios}
            check(train, test, ratios, rec)
            out.update({f"{name}_r{r}": round(statistics.mean(v), 4) for r, v in rec.items()})
    return out


if a.cv or a.cross:
    for a.seed in [int(s) for s in a.seeds.split(",")] if a.seeds else [a.seed]:
        print(json.dumps(report()), flush=True)
    sys.exit()
out = a.out or (str(rank.MODEL_PATH) if a.half == "all" else f"/tmp/axtree_rank_{a.half}.npz")
info = fit(xs, ys, out)
y = np.concatenate(ys)
print(json.dumps({"out": out, "pages": len(rows), "lines": len(y), "positives": int(y.sum()), **info}))
