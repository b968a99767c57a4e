"""Coordinate search over PassagesWeights on the rag dev set (embeddings cached in process after the first pass)."""
import json, sys, statistics, itertools, dataclasses
sys.path.insert(0, ".")
from ctxprune.api import Engine
from ctxprune.config import Settings
from ctxprune.bench.kinds import passages as A
from ctxprune.pruners.passages import PassagesWeights

rows = [json.loads(l) for l in open("../shared/evaldata/rag/dev.jsonl")]
eng = Engine(Settings(passages_cascade_k=int(sys.argv[1]) if len(sys.argv) > 1 else 0))
pr = eng.pruner("passages")

def evaluate(w):
    pr.weights = w
    out = {}
    for r in (0.2, 0.3):
        out[r] = statistics.mean(A.recall(ex, eng.prune("passages", A.request(ex, {"ratio": r}), use_cache=False).model_dump()) for ex in rows)
    return out

best = PassagesWeights()
base = evaluate(best); print("base", best, base, flush=True)
score = lambda d: d[0.2] + d[0.3]
grid = {"sparse": [0.3, 0.4, 0.6], "hop2": [0.1, 0.4], "passage": [0.1, 0.3], "lead": [0.0, 0.05, 0.2], "seeds": [1, 3]}
for rnd in range(2):
    for field, values in grid.items():
        for v in values:
            w = dataclasses.replace(best, **{field: v})
            res = evaluate(w)
            flag = score(res) > score(base) + 1e-9
            print(rnd, field, v, res, "BETTER" if flag else "", flush=True)
            if flag:
                best, base = w, res
print("best", best, base)
