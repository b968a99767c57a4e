"""Recall of the passages pruner on the rag dev set for several dense set-ups (one process).

usage: python scripts/cascade_passages.py SPEC [SPEC ...]
SPEC = dtype:max_tokens:cascade_k:cascade_fit, e.g. bfloat16:48:16:1.25 (the defaults here),
float32:0:0:1.5 (float32, no wordpiece cap, MiniLM on every clue). Prints recall at ratios 0.2 and 0.3.
"""
import dataclasses
import json
import statistics
import sys

sys.path.insert(0, ".")
from ctxprune.api import Engine  # noqa: E402
from ctxprune.bench.kinds import passages as A  # noqa: E402
from ctxprune.config import Settings  # noqa: E402

rows = [json.loads(line) for line in open("../shared/evaldata/rag/dev.jsonl")]
for spec in sys.argv[1:]:
    dtype, max_tokens, k, fit = spec.split(":")
    eng = Engine(Settings(dense_dtype=dtype, passages_dense_max_tokens=int(max_tokens) or None,
                          passages_cascade_k=int(k)))
    pruner = eng.pruner("passages")
    pruner.weights = dataclasses.replace(pruner.weights, cascade_fit=float(fit))
    res = {r: round(statistics.mean(A.recall(ex, eng.prune("passages", A.request(ex, {"ratio": r}), use_cache=False)
                                             .model_dump()) for ex in rows), 4) for r in (0.2, 0.3)}
    print(spec, res, flush=True)
