"""Weight search for the axtree pruner on one half of the dev split, checked on the other half.

The halves are contiguous (first / second half of the file), so steps of one task stay together.
usage: python scripts/tune_axtree.py --half A|B|all --grid '{"name_match": [0, 0.3], "cost_power": [0.5, 1]}'
       [--ratios 0.3,0.5] [--marker-share 0.1]
Prints one JSON line per configuration: target recall and kept-token ratio per budget.
"""
import argparse
import dataclasses
import itertools
import json
import statistics
import sys

sys.path.insert(0, ".")
from ctxprune.api import Engine  # noqa: E402
from ctxprune.bench.kinds import axtree as ad  # noqa: E402
from ctxprune.pruners.axtree_score import AxWeights  # noqa: E402
from ctxprune.tokens import get_counter  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--data", default="../shared/evaldata/axtree/dev.jsonl")
ap.add_argument("--half", default="A", choices=["A", "B", "all"])
ap.add_argument("--grid", default="{}")
ap.add_argument("--ratios", default="0.3,0.5")
ap.add_argument("--marker-share", type=float, default=0.05)
ap.add_argument("--history", action="store_true")
a = ap.parse_args()
rows = ad.dev_half(a.data, a.half)
eng = Engine()
eng.warm_up(["axtree"])
pruner = eng.pruner("axtree")
count = get_counter().count
grid = json.loads(a.grid)
keys = list(grid)
for values in itertools.product(*(grid[k] for k in keys)):
    cfg = dict(zip(keys, values))
    pruner.scorer.w = dataclasses.replace(AxWeights(), **cfg)
    line = {"half": a.half, "n": len(rows), "marker_share": a.marker_share, **cfg}
    for r in [float(x) for x in a.ratios.split(",")]:
        rec, kept = [], []
        for ex in rows:
            req = ad.request(ex, {"ratio": r})
            req["marker_share"] = a.marker_share
            if a.history:
                req["previous_actions"] = ex["context"]["previous_actions"]
            res = pruner.run(pruner.request_model.model_validate(req)).model_dump()
            rec.append(ad.recall(ex, res))
            kept.append(count(ad.render(ex, res)) / max(1, count(ad.full(ex))))
        line[f"r{r}"] = round(statistics.mean(rec), 4)
        line[f"k{r}"] = round(statistics.mean(kept), 4)
    print(json.dumps(line), flush=True)
