"""Dev loop: recall of the passages pruner on the rag dev set at several ratios (in process, no cache)."""
import json, sys, time, statistics, os
sys.path.insert(0, ".")
from ctxprune.api import Engine
from ctxprune.bench.kinds import passages as A
from ctxprune.tokens import get_counter

rows = [json.loads(l) for l in open("../shared/evaldata/rag/dev.jsonl")]
eng = Engine()
eng.warm_up(["passages"])
pr = eng.pruner("passages")
if os.environ.get("DENSE"):
    pr.dense_scorer = os.environ["DENSE"]
cnt = get_counter()
for r in [float(x) for x in os.environ.get("RATIOS", "0.2,0.3").split(",")]:
    rec, kt, lat = [], [], []
    for ex in rows:
        t = time.perf_counter()
        res = eng.prune("passages", A.request(ex, {"ratio": r}), use_cache=False).model_dump()
        lat.append(time.perf_counter() - t)
        rec.append(A.recall(ex, res))
        kt.append(cnt.count(A.render(ex, res)) / cnt.count(A.full(ex)))
    print(f"ratio {r}: recall {statistics.mean(rec):.4f} kept {statistics.mean(kt):.4f} max {max(kt):.4f} p50 {1000*statistics.median(lat):.1f}ms", flush=True)
