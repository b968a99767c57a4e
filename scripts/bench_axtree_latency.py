"""Latency of the axtree pruner on large trees (5k+ lines) built from real dev pages.

Dev pages are stacked under one root (each page one level down) until the tree has --lines lines;
each run uses the goal of one of the pages. Cold = result cache, embedding caches and the pruner's
per-line caches cleared before each call; warm = the same tree again (line caches warm, result cache
off). CPU time (process_time; torch may use a second thread; plus the guard process's CPU when the guard runs in
one, settings axtree_guard_process) is reported next to wall time because the machine is shared: under load the
wall time is several times the CPU time.

usage: python scripts/bench_axtree_latency.py [--lines 5000] [--runs 5] [--ratio 0.3]
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

ap = argparse.ArgumentParser()
ap.add_argument("--data", default="../shared/evaldata/axtree/dev.jsonl")
ap.add_argument("--lines", type=int, default=5000)
ap.add_argument("--runs", type=int, default=5)
ap.add_argument("--ratio", type=float, default=0.3)
ap.add_argument("--out", default="bench-out/axtree_latency.jsonl", help="figures appended here (JSON lines)")
a = ap.parse_args()
rows = [json.loads(line) for line in open(a.data)]
eng = Engine()
eng.warm_up(["axtree"])
gc.collect()
gc.freeze()  # as `ctxprune serve` does after warm-up: the models stay out of full GC passes


child = eng.pruner("axtree").guard_process


def cpu() -> float:
    """This process's CPU seconds and the guard child's."""
    return time.process_time() + ((child.cpu_seconds() or 0.0) if child is not None else 0.0)


cold, warm, cold_cpu, warm_cpu = [], [], [], []
for r in range(a.runs):
    tree, goal = stacked_tree(rows, r * 37, a.lines)
    req = {"goal": goal, "axtree": tree, "budget": {"ratio": a.ratio}}
    eng.clear_caches()
    t, c = time.perf_counter(), cpu()
    res = eng.prune("axtree", req, use_cache=False)
    cold.append(1000 * (time.perf_counter() - t))
    cold_cpu.append(1000 * (cpu() - c))
    t, c = time.perf_counter(), cpu()
    eng.prune("axtree", req, use_cache=False)
    warm.append(1000 * (time.perf_counter() - t))
    warm_cpu.append(1000 * (cpu() - c))
FigureLog(a.out, "bench_axtree_latency").emit({
    "lines": res.stats.extra["lines_in"], "tokens_in": res.stats.tokens_in, "ratio": a.ratio,
    "kept_ratio": res.stats.ratio, "runs": a.runs,
    "cold_p50_ms": round(statistics.median(cold), 1), "cold_max_ms": round(max(cold), 1),
    "warm_p50_ms": round(statistics.median(warm), 1), "warm_max_ms": round(max(warm), 1),
    "cold_cpu_p50_ms": round(statistics.median(cold_cpu), 1),
    "warm_cpu_p50_ms": round(statistics.median(warm_cpu), 1),
    "guard_process": bool(child is not None and child.ready)})
