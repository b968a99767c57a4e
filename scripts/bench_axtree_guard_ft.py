"""Same-process A/B latency of the guard's fine-tuned stage on large trees (the trees of bench_axtree_latency.py).

One engine with the stage on; the "off" configuration swaps the pruner's stage out (``guard_dense = None``), so both
run in the same process, on the same trees, alternating (order flipped every run) under the same host load. Cold =
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
from ctxprune.pruners.axtree_guard_ft import FineTunedAgentTextHead  # noqa: E402

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
inner = head._logits


def timed(parts):
    t = time.perf_counter()
    out = inner(parts)
    stage["ms"] += 1000 * (time.perf_counter() - t)
    stage["texts"] += len(parts)
    stage["pieces"] += [len(e.ids) - e.ids.count(0) for e in head._tok.encode_batch(parts)]
    return out


head._logits = timed


def big_tree(start: int) -> tuple[str, str]:
    lines, i = ["[root] RootWebArea 'Portal'"], start
    while len(lines) < a.lines:
        ex = rows[i % len(rows)]
        lines.append(f"\t[pg{i}] region 'Page {i}'")
        lines += ["\t\t" + ln.replace("[", f"[p{i}_", 1) if ln.lstrip().startswith("[") else "\t\t" + ln
                  for ln in ex["context"]["axtree_lines"]]
        i += 1
    return "\n".join(lines), rows[(start + 3) % len(rows)]["query"]


def once(req: dict, on: bool) -> tuple[float, float]:
    pruner.guard_dense = head if on else None
    eng.clear_caches()
    t = time.perf_counter()
    eng.prune("axtree", req, use_cache=False)
    cold = 1000 * (time.perf_counter() - t)
    t = time.perf_counter()
    eng.prune("axtree", req, use_cache=False)
    return cold, 1000 * (time.perf_counter() - t)


eng.prune("axtree", {"goal": "warm", "axtree": big_tree(0)[0], "budget": {"ratio": a.ratio}}, use_cache=False)
res = {True: ([], []), False: ([], [])}
stage_ms, stage_texts = [], []
for r in range(a.runs):
    tree, goal = big_tree(r * 37)
    req = {"goal": goal, "axtree": tree, "budget": {"ratio": a.ratio}}
    for on in ((True, False) if r % 2 == 0 else (False, True)):
        if on:
            stage.update(ms=0.0, texts=0)
        cold, warm = once(req, on)
        res[on][0].append(cold)
        res[on][1].append(warm)
        if on:
            stage_ms.append(stage["ms"])
            stage_texts.append(stage["texts"])
pruner.guard_dense = head
med = statistics.median
diff = [x - y for x, y in zip(res[True][0], res[False][0])]
pieces = sorted(stage["pieces"])
FigureLog(a.out, "bench_axtree_guard_ft").emit({
    "lines": a.lines, "runs": a.runs, "torch_threads": __import__("torch").get_num_threads(),
    "cold_p50_ms_on": round(med(res[True][0]), 1), "cold_p50_ms_off": round(med(res[False][0]), 1),
    "cold_paired_diff_p50_ms": round(med(diff), 1),
    "warm_p50_ms_on": round(med(res[True][1]), 1), "warm_p50_ms_off": round(med(res[False][1]), 1),
    "stage_forward_p50_ms": round(med(stage_ms), 1), "stage_texts_p50": med(stage_texts),
    "wordpieces_p50": pieces[len(pieces) // 2] if pieces else 0, "wordpieces_max": pieces[-1] if pieces else 0,
    "share_over_48": round(sum(p > 48 for p in pieces) / max(1, len(pieces)), 3),
    "share_over_32": round(sum(p > 32 for p in pieces) / max(1, len(pieces)), 3)})
