"""The recall ceiling of table pruning on dev: an oracle that knows the gold cells, under the pruner's caps.

usage: .venv/bin/python scripts/oracle_table.py [--ratio 0.35] [--half a|b|all] [--cell-cap 1.35]

For each question the oracle picks the column set and the row set that keep the most creditable gold
cells (the acceptance scorer credits a repeated column name to its first column only, so gold in a later
namesake never counts) under
- tokens: the ``header | ...`` / ``row | ...`` rendering of the kept sub-table <= int(ratio x tokens of
  the whole table) (the budget the pruner gets), and
- cells: kept rows x kept columns <= int(cell_cap x ratio x cells) (``TableWeights.cell_cap``; 1.35 in
  the code; ``--cell-cap 1`` is the strict per-table 35%).
Only gold columns / rows are worth keeping, so it enumerates subsets of the gold columns (all of them up
to 12) and, for each, solves the row knapsack exactly (value = gold cells of the row in those columns,
cost = the row's tokens, at most cells // columns rows) by dynamic programming over tokens. Row costs
are counted line by line (+1 for each newline); the chosen sub-table is then counted exactly and, in the
rare case the joined text costs more, the worst row is dropped until it fits.
Prints the mean ceiling per source, and the ceilings with only the token cap / only the cell cap.
"""
import argparse
import itertools
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from replay_table import dev_half  # noqa: E402

from ctxprune.bench.kinds import table as ad  # noqa: E402
from ctxprune.tokens import get_counter  # noqa: E402


def knapsack(values: list[int], costs: list[int], room: int, max_rows: int) -> list[int]:
    """Indices maximising sum(values) with sum(costs) <= room and at most max_rows items (exact DP)."""
    n = len(values)
    if room < 0 or max_rows <= 0 or n == 0:
        return []
    k_max = min(max_rows, n)
    if sum(costs) <= room and n <= max_rows:
        return list(range(n))
    room = min(room, sum(costs))
    neg = -10 ** 9
    dp = np.full((k_max + 1, room + 1), neg, dtype=np.int64)
    dp[0, :] = 0
    take = np.zeros((n, k_max + 1, room + 1), dtype=bool)
    for i, (v, c) in enumerate(zip(values, costs)):
        if c > room:
            continue
        cand = np.full_like(dp, neg)
        cand[1:, c:] = dp[:-1, : room + 1 - c] + v
        better = cand > dp
        take[i] = better
        dp = np.where(better, cand, dp)
    k, c = np.unravel_index(int(np.argmax(dp)), dp.shape)
    out = []
    for i in range(n - 1, -1, -1):
        if take[i, k, c]:
            out.append(i)
            k, c = k - 1, c - costs[i]
    return out[::-1]


def oracle(ex: dict, ratio: float, cell_cap: float | None, token_cap: bool, cnt) -> float:
    c = ex["context"]
    header, rows = c["header"], c["rows"]
    gold = ex["gold"]["answer_cells"]
    if not gold:
        return 1.0
    names = [ad._norm(h) for h in header]
    credit = [(r, j) for r, j in gold if names.index(names[j]) == j]
    if not credit:
        return 0.0
    limit = int(ratio * cnt.count(ad.full(ex))) if token_cap else 10 ** 9
    cells_in = len(rows) * len(header)
    max_cells = int(cell_cap * ratio * cells_in) if cell_cap else 10 ** 9
    gcols = sorted({j for _, j in credit})
    grows = sorted({r for r, _ in credit})
    gset = set(credit)
    subsets = [s for k in range(len(gcols), 0, -1) for s in itertools.combinations(gcols, k)] \
        if len(gcols) <= 12 else [tuple(gcols[:k]) for k in range(len(gcols), 0, -1)]
    best = 0
    for cols in subsets:
        if sum((r, j) in gset for r in grows for j in cols) <= best:
            continue
        head = cnt.count(" | ".join(str(header[j]) for j in cols))
        vals = [sum((r, j) in gset for j in cols) for r in grows]
        costs = [cnt.count(" | ".join(str(rows[r][j]) for j in cols)) + 1 for r in grows] if token_cap \
            else [0] * len(grows)
        pick = knapsack(vals, costs, (limit - head) if token_cap else 0, max_cells // len(cols))
        chosen = [grows[i] for i in pick]
        if token_cap:
            while chosen and cnt.count(ad._text([header[j] for j in cols],
                                                [[rows[r][j] for j in cols] for r in chosen])) > limit:
                chosen.remove(min(chosen, key=lambda r: sum((r, j) in gset for j in cols)))
        v = sum((r, j) in gset for r in chosen for j in cols)
        best = max(best, v)
    return best / len(gold)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ratio", type=float, default=0.35)
    ap.add_argument("--half", default="all")
    ap.add_argument("--cell-cap", type=float, default=1.35)
    a = ap.parse_args()
    cnt = get_counter()
    res: dict = {}
    for ex in dev_half(a.half):
        src = ex["meta"]["dataset"]
        both = oracle(ex, a.ratio, a.cell_cap, True, cnt)
        strict = oracle(ex, a.ratio, 1.0, True, cnt)
        tok = oracle(ex, a.ratio, None, True, cnt)
        cel = oracle(ex, a.ratio, a.cell_cap, False, cnt)
        credit = ex["gold"]["answer_cells"]
        names = [ad._norm(h) for h in ex["context"]["header"]]
        cr = sum(names.index(names[j]) == j for _, j in credit) / len(credit) if credit else 1.0
        for k in ("all", src):
            res.setdefault(k, []).append((both, strict, tok, cel, cr))
    print(f"ratio {a.ratio} half {a.half} cell_cap {a.cell_cap}")
    for k in ("all", "wtq", "fetaqa"):
        v = np.array(res.get(k, []))
        if len(v):
            print(f"{k:7s} n={len(v)} ceiling {v[:, 0].mean():.4f} (cells <= ratio {v[:, 1].mean():.4f}; "
                  f"tokens only {v[:, 2].mean():.4f}; cells only {v[:, 3].mean():.4f}; creditable {v[:, 4].mean():.4f}) "
                  f"all gold reachable {np.mean(v[:, 0] >= 1 - 1e-9):.3f}")


if __name__ == "__main__":
    main()
