"""Dev loop for the axtree pruner (in process): target-bid recall and kept-token ratio at several ratios,
with and without previous actions, plus BM25 / random line baselines at the same ratio (evalkit's greedy).

usage: python scripts/dev_axtree.py [--ratios 0.1,0.2,0.3,0.5] [--history] [--baselines] [--limit N]
"""
import argparse
import json
import random
import statistics
import sys
import time

sys.path.insert(0, ".")
from ctxprune.api import Engine  # noqa: E402
from ctxprune.bench.kinds import axtree as ad  # noqa: E402
from ctxprune.scoring.bm25 import BM25Scorer  # noqa: E402
from ctxprune.tokens import get_counter  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--data", default="../shared/evaldata/axtree/dev.jsonl")
ap.add_argument("--ratios", default="0.1,0.2,0.3,0.5")
ap.add_argument("--history", action="store_true", help="also send the previous actions")
ap.add_argument("--baselines", action="store_true")
ap.add_argument("--no-markers", action="store_true")
ap.add_argument("--limit", type=int)
a = ap.parse_args()
rows = [json.loads(line) for line in open(a.data)][: a.limit]
eng = Engine()
eng.warm_up(["axtree"])
cnt = get_counter()


def greedy(ex, scores, ratio):
    """evalkit.select: best lines first while the kept lines fit ratio of the input tokens."""
    units = ad.baseline_units(ex)
    budget = ratio * cnt.count(ad.full(ex))
    kept, used = set(), 0
    for i in sorted(range(len(units)), key=lambda i: -scores[i]):
        c = cnt.count(units[i][1]) + 1
        if used + c <= budget:
            kept.add(i)
            used += c
    return kept


for r in [float(x) for x in a.ratios.split(",")]:
    rec, kt, lat, over = [], [], [], 0
    for ex in rows:
        req = ad.request(ex, {"ratio": r})
        if a.no_markers:
            req["markers"] = False
        if a.history:
            req["previous_actions"] = ex["context"]["previous_actions"]
        t = time.perf_counter()
        res = eng.prune("axtree", req, use_cache=False).model_dump()
        lat.append(time.perf_counter() - t)
        out = ad.render(ex, res)
        rec.append(ad.recall(ex, res))
        k = cnt.count(out) / max(1, cnt.count(ad.full(ex)))
        kt.append(k)
        over += k > r + 1e-9
    line = {"ratio": r, "history": a.history, "n": len(rows), "recall": round(statistics.mean(rec), 4),
            "kept": round(statistics.mean(kt), 4), "max_kept": round(max(kt), 4), "over_ratio": over,
            "p50_ms": round(1000 * statistics.median(lat), 1), "p95_ms": round(1000 * sorted(lat)[int(0.95 * len(lat))], 1)}
    if a.baselines:
        bm = BM25Scorer()
        line["bm25_lines"] = round(statistics.mean(ad.recall_units(ex, greedy(ex, bm.score(ex["query"], [u for _, u in ad.baseline_units(ex)]), r)) for ex in rows), 4)
        rnd = random.Random(0)
        line["random_lines"] = round(statistics.mean(ad.recall_units(ex, greedy(ex, [rnd.random() for _ in ex["context"]["axtree_lines"]], r)) for ex in rows), 4)
    print(json.dumps(line), flush=True)
