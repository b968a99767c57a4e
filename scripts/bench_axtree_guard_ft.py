"""Same-process A/B latency of the guard's fine-tuned stage on large trees (the trees of bench_axtree_latency.py).

One engine with the stage on; the "off" configuration swaps the pruner's stage out (``guard_dense = None``), so both
run in the same process, on the same trees, alternating (order rotated every run) under the same host load; "padded"
is the stage with session 8's padded batch in place of the packed pass (before / after). Cold =
every cache cleared before the call (the stage's per-text cache too); warm = the same request again. Also reported:
the stage's own time per cold call (its forward passes, timed inside) and the wordpieces of the texts it judged.

usage: CTXPRUNE_AXTREE_GUARD_FT=true python scripts/bench_axtree_guard_ft.py [--lines 5000] [--runs 9] [--threads N]
"""
import argparse
import gc
import json
import statistics
import sys
import time

sys.path.insert(0, ".")
from ctxprune.api import Engine  # noqa: E402
from ctxprune.bench.figures import FigureLog  # noqa: E402
from ctxprune.bench.kinds.axtree import stacked_tree  # noqa: E402
from ctxprune.pruners.axtree_guard_ft import FineTunedAgentTextHead, encode  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--data", default="../shared/evaldata/axtree/dev.jsonl")
ap.add_argument("--lines", type=int, default=5000)
ap.add_argument("--runs", type=int, default=9)
ap.add_argument("--ratio", type=float, default=0.3)
ap.add_argument("--threads", type=int, default=0, help="torch threads (0: as the engine set them)")
ap.add_argument("--out", default="bench-out/axtree_guard_ft_latency.jsonl")
a = ap.parse_args()
rows = [json.loads(line) for line in open(a.data)]
eng = Engine()
eng.warm_up(["axtree"])
pruner = eng.pruner("axtree")
head = pruner.guard_dense
assert isinstance(head, FineTunedAgentTextHead) and head.available, "run with CTXPRUNE_AXTREE_GUARD_FT=true"
if a.threads:
    import torch
    torch.set_num_threads(a.threads)
gc.collect()
gc.freeze()

stage = {"ms": 0.0, "texts": 0, "pieces": []}
packed = head._logits


def padded(parts):
    import torch
    ids, mask = encode(head._tok, parts)
    with torch.inference_mode():
        return head._enc(ids, mask).float().numpy().astype("float64")


def timed(parts):
    t = time.perf_counter()
    out = (padded if stage.get("padded") else packed)(parts)
    stage["ms"] += 1000 * (time.perf_counter() - t)
    stage["texts"] += len(parts)
    stage["pieces"] += [len(e.ids) - e.ids.count(0) for e in head._tok.encode_batch(parts)]
    return out


head._logits = timed


def once(req: dict, conf: str) -> tuple[float, float]:
    pruner.guard_dense = head if conf != "off" else None
    stage.update(ms=0.0, texts=0, padded=conf == "padded")
    eng.clear_caches()
    t = time.perf_counter()
    eng.prune("axtree", req, use_cache=False)
    cold = 1000 * (time.perf_counter() - t)
    t = time.perf_counter()
    eng.prune("axtree", req, use_cache=False)
    return cold, 1000 * (time.perf_counter() - t)


eng.prune("axtree", {"goal": "warm", "axtree": stacked_tree(rows, 0, a.lines)[0], "budget": {"ratio": a.ratio}}, use_cache=False)
CONFS = ("packed", "off", "padded")
res = {c: ([], [], []) for c in CONFS}  # cold, warm, the stage's own forward time (cold)
for r in range(a.runs):
    tree, goal = stacked_tree(rows, r * 37, a.lines)
    req = {"goal": goal, "axtree": tree, "budget": {"ratio": a.ratio}}
    for conf in CONFS[r % 3:] + CONFS[:r % 3]:
        cold, warm = once(req, conf)
        res[conf][0].append(cold)
        res[conf][1].append(warm)
        res[conf][2].append(stage["ms"])
pruner.guard_dense = head
med = statistics.median
pieces = sorted(stage["pieces"])
fig = {"lines": a.lines, "runs": a.runs, "torch_threads": __import__("torch").get_num_threads()}
for c in CONFS:
    fig[f"cold_p50_ms_{c}"] = round(med(res[c][0]), 1)
    fig[f"warm_p50_ms_{c}"] = round(med(res[c][1]), 1)
for c in ("packed", "padded"):
    fig[f"cold_added_p50_ms_{c}"] = round(med([x - y for x, y in zip(res[c][0], res["off"][0])]), 1)
    fig[f"stage_forward_p50_ms_{c}"] = round(med(res[c][2]), 1)
fig.update({"wordpieces_p50": pieces[len(pieces) // 2] if pieces else 0, "wordpieces_max": pieces[-1] if pieces else 0,
            "share_over_48": round(sum(p > 48 for p in pieces) / max(1, len(pieces)), 3),
            "share_over_32": round(sum(p > 32 for p in pieces) / max(1, len(pieces)), 3)})
FigureLog(a.out, "bench_axtree_guard_ft").emit(fig)
