"""Large-table benchmark: a synthetic 10k-row x 20-column table pruned in process; prints timings.

usage: .venv/bin/python scripts/bench_table_large.py [--rows 10000] [--cols 20] [--repeat 3]
Target (issue 3): <= 2 s per request on the 2-core machine, models warm, cache off.
"""
import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ctxprune.api import Engine  # noqa: E402
from ctxprune.bench.figures import FigureLog  # noqa: E402

FIRST = ["Ann", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal", "Ida", "Jo", "Kim", "Lu", "Max", "Ned", "Ola", "Pat"]
LAST = ["Smith", "Ng", "Okafor", "Berg", "Rossi", "Kowalski", "Dubois", "Silva", "Tanaka", "Novak", "Khan"]
TEAMS = ["Lions", "Tigers", "Bears", "Eagles", "Sharks", "Wolves", "Hawks", "Owls"]
CITIES = ["Paris", "Lagos", "Lima", "Oslo", "Pune", "Kyiv", "Quito", "Perth", "Accra", "Hanoi"]


def make_table(n_rows: int, n_cols: int, seed: int = 7) -> dict:
    rnd = random.Random(seed)
    cols = ["Player", "Team", "City", "Season", "Salary"] + [f"Stat {i}" for i in range(n_cols - 5)]
    rows = []
    for i in range(n_rows):
        r = [f"{rnd.choice(FIRST)} {rnd.choice(LAST)} {i}", rnd.choice(TEAMS), rnd.choice(CITIES),
             str(rnd.randint(1990, 2024)), f"${rnd.randint(50, 9000)},000"]
        r += [rnd.randint(0, 500) if j % 2 else f"{rnd.random() * 100:.1f}" for j in range(n_cols - 5)]
        rows.append(r[:n_cols])
    return {"title": "League players", "columns": cols[:n_cols], "rows": rows}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--cols", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default="bench-out/table_large.jsonl", help="figures appended here (JSON lines)")
    a = ap.parse_args()
    table = make_table(a.rows, a.cols)
    eng = Engine()
    t = time.perf_counter()
    eng.warm_up(["table"])
    log = FigureLog(a.out, "bench_table_large")
    log.emit({"warm_up_s": round(time.perf_counter() - t, 2)})
    queries = [("Which team did Ida Novak 4242 play for in the 2003 season?", {"ratio": 0.1}),
               ("Who had the highest salary among the Sharks players?", {"ratio": 0.3}),
               ("Which players from Oslo joined after 2020?", None)]
    for q, budget in queries:
        times = []
        for _ in range(a.repeat):
            t = time.perf_counter()
            res = eng.prune("table", {"query": q, "table": table, "budget": budget}, use_cache=False)
            times.append(time.perf_counter() - t)
        st = res.stats
        log.emit({"rows": a.rows, "cols": a.cols, "budget": budget, "median_s": round(statistics.median(times), 3),
                  "min_s": round(min(times), 3), "kept_cols": len(res.kept_columns), "kept_rows": len(res.kept_rows),
                  "tokens_out": st.tokens_out, "tokens_in": st.tokens_in, "query": q})


if __name__ == "__main__":
    main()
