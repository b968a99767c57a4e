"""Dev loop: recall of the passages pruner on the rag dev set at several ratios and adaptive (in process, no result cache).

usage: python scripts/dev_passages.py [ratios, e.g. 0.1,0.2,0.3,0.5,none]
"""
import json, sys, time, statistics
sys.path.insert(0, ".")
from ctxprune.api import Engine
from ctxprune.bench.kinds import passages as A
from ctxprune.tokens import get_counter

rows = [json.loads(l) for l in open("../shared/evaldata/rag/dev.jsonl")]
eng = Engine()
eng.warm_up(["passages"])
cnt = get_counter()
for tag in (sys.argv[1] if len(sys.argv) > 1 else "0.2,0.3").split(","):
    budget = None if tag == "none" else {"ratio": float(tag)}
    rec, allg, kt = [], [], []
    for ex in rows:
        res = eng.prune("passages", A.request(ex, budget), use_cache=False).model_dump()
        rec.append(A.recall(ex, res))
        allg.append(rec[-1] == 1.0)
        kt.append(cnt.count(A.render(ex, res)) / cnt.count(A.full(ex)))
    print(f"budget {tag}: recall {statistics.mean(rec):.4f} all_gold {statistics.mean(allg):.3f} "
          f"kept {statistics.mean(kt):.4f} max {max(kt):.4f}", flush=True)
