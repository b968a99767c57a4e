"""Sentence-filter baselines for the prompt kind, scored like the acceptance client: BM25 / MiniLM /
lead over the evaluator's own sentence pieces, kept best-first within the ratio (evalkit.select).

usage: python scripts/baselines_prompt.py [--ratios 0.33] [--methods bm25,dense,lead]
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ctxprune.bench.kinds import prompt as ad  # noqa: E402
from ctxprune.config import get_settings  # noqa: E402
from ctxprune.scoring import ScorerHub  # noqa: E402
from ctxprune.tokens import get_counter  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--ratios", default="0.33")
ap.add_argument("--methods", default="bm25,dense,lead")
ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared/evaldata/longprompt/dev.jsonl"))
a = ap.parse_args()
rows = [r for r in map(json.loads, open(a.data)) if ad.scored(r)]
hub = ScorerHub(get_settings())
cnt = get_counter()


def select(units, scores, budget):
    kept, used = set(), 0
    for i in sorted(range(len(units)), key=lambda i: -scores[i]):
        cost = cnt.count(units[i][1]) + 1
        if used + cost <= budget:
            kept.add(units[i][0])
            used += cost
    return kept


for method in a.methods.split(","):
    for r in [float(x) for x in a.ratios.split(",")]:
        rec, kt, lat = [], [], []
        for ex in rows:
            units = ad.baseline_units(ex)
            t = time.perf_counter()
            texts = [u[1] for u in units]
            scores = [-i for i in range(len(units))] if method == "lead" else list(hub.get(method).score(ad.query(ex), texts))
            kept = select(units, scores, r * cnt.count(ad.full(ex)))
            lat.append(time.perf_counter() - t)
            rec.append(ad.recall_units(ex, kept))
            kt.append(cnt.count(ad.render_units(ex, kept)) / cnt.count(ad.full(ex)))
        print(json.dumps({"method": method, "ratio": r, "n": len(rows), "recall": round(statistics.mean(rec), 4),
                          "kept": round(statistics.mean(kt), 4), "p50_ms": round(1000 * statistics.median(lat), 1)}),
              flush=True)
