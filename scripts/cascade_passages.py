"""Recall of the passages pruner on the rag dev set for several cascade sizes (one process, embeddings cached)."""
import json, sys, statistics
sys.path.insert(0, ".")
from ctxprune.api import Engine
from ctxprune.bench.kinds import passages as A

rows = [json.loads(l) for l in open("../shared/evaldata/rag/dev.jsonl")]
eng = Engine()
pr = eng.pruner("passages")
for k in [int(x) for x in sys.argv[1].split(",")]:
    pr.cascade_k = k
    res = {r: round(statistics.mean(A.recall(ex, eng.prune("passages", A.request(ex, {"ratio": r}), use_cache=False).model_dump()) for ex in rows), 4) for r in (0.2, 0.3)}
    print("cascade_k", k, res, flush=True)
