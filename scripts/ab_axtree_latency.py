"""Paired latency A/B of the axtree pruner between two checkouts, robust to a host whose speed drifts.

One persistent worker per checkout (its own ``ctxprune`` on PYTHONPATH, the same venv), each holding the bench's stacked
5k-line trees; calls go to the two workers alternately, call by call (the order flips every pair), cold (caches cleared)
then warm (CPU time includes a guard child process's). Reported per mode: each side's p50, the p50 of the paired differences (A - B), the p50 ratio B / A and how
many pairs B won. Figures are printed and appended to --out as one JSON line.

usage: python scripts/ab_axtree_latency.py A_DIR B_DIR [--pairs 21] [--lines 5000] [--ratio 0.3]
(run from either checkout; the dev data is read from each checkout's ../shared/evaldata)
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def worker(lines: int, ratio: float) -> None:
    sys.path.insert(0, ".")
    from ctxprune.api import Engine
    from ctxprune.bench.kinds.axtree import stacked_tree

    rows = [json.loads(line) for line in open("../shared/evaldata/axtree/dev.jsonl")]
    eng = Engine()
    eng.warm_up(["axtree"])
    reqs = [{"goal": goal, "axtree": tree, "budget": {"ratio": ratio}}
            for tree, goal in (stacked_tree(rows, r * 37, lines) for r in range(7))]
    child = getattr(eng.pruner("axtree"), "guard_process", None)  # the guard's own process, when it runs in one

    def cpu() -> float:
        return time.process_time() + ((child.cpu_seconds() or 0.0) if child is not None else 0.0)

    print("ready", flush=True)
    for line in sys.stdin:
        k, mode = line.split()
        if mode == "cold":
            eng.clear_caches()
        t, c = time.perf_counter(), cpu()
        eng.prune("axtree", reqs[int(k) % len(reqs)], use_cache=False)
        print(f"{1000 * (time.perf_counter() - t):.2f} {1000 * (cpu() - c):.2f}", flush=True)


def start(folder: str, lines: int, ratio: float) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=folder, HF_HUB_OFFLINE="1",
               TIKTOKEN_CACHE_DIR=os.environ.get("TIKTOKEN_CACHE_DIR", str(Path(folder) / "ctxprune/_data/tiktoken")))
    p = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker", "--lines", str(lines), "--ratio", str(ratio)],
                         cwd=folder, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if p.stdout.readline().strip() != "ready":
        raise SystemExit(f"the worker in {folder} did not start")
    return p


def summary(a: list[float], b: list[float]) -> dict:
    diff = [x - y for x, y in zip(a, b)]
    return {"a_p50": round(statistics.median(a), 1), "b_p50": round(statistics.median(b), 1),
            "paired_diff_p50": round(statistics.median(diff), 1),
            "ratio_p50": round(statistics.median([y / x for x, y in zip(a, b)]), 3),
            "b_faster": sum(d > 0 for d in diff), "pairs": len(diff)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("a", nargs="?")
    ap.add_argument("b", nargs="?")
    ap.add_argument("--pairs", type=int, default=21)
    ap.add_argument("--lines", type=int, default=5000)
    ap.add_argument("--ratio", type=float, default=0.3)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", default="bench-out/axtree_latency_ab.jsonl")
    a = ap.parse_args()
    if a.worker:
        return worker(a.lines, a.ratio)
    if not (a.a and a.b):
        ap.error("give two checkout folders, A and B")
    procs = {"a": start(a.a, a.lines, a.ratio), "b": start(a.b, a.lines, a.ratio)}
    res = {(side, mode): [] for side in procs for mode in ("cold", "warm")}
    for k in range(a.pairs):
        order = ("a", "b") if k % 2 == 0 else ("b", "a")
        for mode in ("cold", "warm"):
            for side in order:
                p = procs[side]
                p.stdin.write(f"{k} {mode}\n")
                p.stdin.flush()
                res[(side, mode)].append(tuple(map(float, p.stdout.readline().split())))
    for p in procs.values():
        p.stdin.close()
        p.wait()
    figures = {"a": a.a, "b": a.b, "lines": a.lines, "ratio": a.ratio, "load": os.getloadavg()[0]}
    for mode in ("cold", "warm"):
        for j, what in ((0, "wall"), (1, "cpu")):
            s = summary([x[j] for x in res[("a", mode)]], [x[j] for x in res[("b", mode)]])
            figures[f"{mode}_{what}"] = s
            print(f"{mode} {what}: A p50 {s['a_p50']} ms, B p50 {s['b_p50']} ms | paired A-B p50 {s['paired_diff_p50']} ms, "
                  f"B/A p50 {s['ratio_p50']}, B faster in {s['b_faster']}/{s['pairs']}")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    with open(a.out, "a") as f:
        f.write(json.dumps(figures) + "\n")


if __name__ == "__main__":
    main()
