"""Dev loop for the prompt kind, in process: answer recall, kept ratio and latency per ratio.

usage: python scripts/dev_prompt.py [--ratios 0.1,0.2,0.33,0.5] [--fine default|on|off] [--limit N] [--scorer NAME]
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ctxprune.api import Engine  # noqa: E402
from ctxprune.bench.kinds import prompt as ad  # noqa: E402
from ctxprune.tokens import get_counter  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--ratios", default="0.1,0.2,0.33,0.5")
ap.add_argument("--fine", default="default", help="on: opt into the SmolLM2 fine stage; default: the request leaves it null")
ap.add_argument("--scorer")
ap.add_argument("--limit", type=int)
ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared/evaldata/longprompt/dev.jsonl"))
ap.add_argument("--show-misses", action="store_true")
a = ap.parse_args()
rows = [r for r in map(json.loads, open(a.data)) if ad.scored(r)][: a.limit]
eng = Engine()
eng.warm_up(["prompt"])
cnt = get_counter()
for r in [float(x) for x in a.ratios.split(",")]:
    rec, kt, lat, thin = [], [], [], []
    for ex in rows:
        body = ad.request(ex, {"ratio": r})
        if a.fine in ("on", "off"):
            body["fine"] = a.fine == "on"
        if a.scorer:
            body["scorer"] = a.scorer
        t = time.perf_counter()
        res = eng.prune("prompt", body, use_cache=False).model_dump()
        lat.append(time.perf_counter() - t)
        rec.append(ad.recall(ex, res))
        kt.append(cnt.count(ad.render(ex, res)) / cnt.count(ad.full(ex)))
        thin.append(res["stats"]["extra"].get("thinned_sentences", 0))
        if a.show_misses and not rec[-1]:
            print("  miss", ex["id"], ex["meta"]["task"], ad.answers(ex)[:1])
    print(json.dumps({"ratio": r, "n": len(rows), "recall": round(statistics.mean(rec), 4),
                      "kept": round(statistics.mean(kt), 4), "max_kept": round(max(kt), 4),
                      "p50_ms": round(1000 * statistics.median(lat), 1), "max_ms": round(1000 * max(lat), 1),
                      "thinned_mean": round(statistics.mean(thin), 1), "fine": a.fine, "scorer": a.scorer}))
