"""Dev loop: recall / kept tokens / kept cells of the table pruner on the tables dev split (in process).

usage: .venv/bin/python scripts/dev_table.py [--ratios 0.35] [--limit N] [--scorer bm25] [--by-dataset]
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ctxprune.api import Engine  # noqa: E402
from ctxprune.bench.kinds import table as ad  # noqa: E402
from ctxprune.tokens import get_counter  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--ratios", default="0.1,0.2,0.3,0.35,0.5")
ap.add_argument("--limit", type=int)
ap.add_argument("--scorer")
ap.add_argument("--split", default="dev")
ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared/evaldata/tables"))
a = ap.parse_args()
rows = [json.loads(l) for l in open(Path(a.data) / f"{a.split}.jsonl")][: a.limit]
eng = Engine()
eng.warm_up(["table"])
cnt = get_counter()
for r in [float(x) for x in a.ratios.split(",")] + ([None] if "none" in a.ratios else []):
    per = {}
    for ex in rows:
        req = ad.request(ex, {"ratio": r} if r else None)
        if a.scorer:
            req["scorer"] = a.scorer
        t = time.perf_counter()
        res = eng.prune("table", req, use_cache=False).model_dump()
        ms = 1000 * (time.perf_counter() - t)
        s = ad.score(ex, res["table"]["columns"], res["table"]["rows"])
        kt = cnt.count(ad.render(ex, res)) / cnt.count(ad.full(ex))
        for k in ("all", ex["meta"]["dataset"]):
            per.setdefault(k, []).append((s["recall"], kt, s["cells_kept"], ms))
    for k, v in per.items():
        print(f"ratio {r} {k:7s} n={len(v)} recall {statistics.mean(x[0] for x in v):.4f} "
              f"kept {statistics.mean(x[1] for x in v):.4f} (max {max(x[1] for x in v):.3f}) "
              f"cells {statistics.mean(x[2] for x in v):.4f} p50 {statistics.median(x[3] for x in v):.1f}ms")
