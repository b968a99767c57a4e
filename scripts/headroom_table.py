"""How far the table selector is from what its own ranking allows: semi-oracles at one ratio on a dev half.

usage: .venv/bin/python scripts/headroom_table.py [--half a|b|all] [--ratio 0.35]

Runs the real pruner (replay_table's memoised scorers) and, with the p / q / token costs it passed to
``fill_table``, prints per source the mean recall of
- chosen: the pruner's answer (recount and top-up included);
- best_prefix: the best prefix of the p ranking, rows filled as fill_table fills them (no top-up);
- best_subset8: the best subset of the 8 best columns by p, rows filled the same way;
- gold_cols: the gold columns (all of them), our rows filled into what they leave;
- gold_rows: our kept columns, the gold rows chosen by the oracle knapsack (oracle_table.knapsack).
Together with oracle_table.py (gold columns and rows under the same caps) this splits the loss into
what the caps cost and what the ranking / the choice of the sub-table cost.
"""
import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from oracle_table import knapsack  # noqa: E402
from replay_table import dev_half, memo_pruner  # noqa: E402

from ctxprune.bench.kinds import table as ad  # noqa: E402
from ctxprune.pruners import table as tmod  # noqa: E402
from ctxprune.pruners import table_select as sel  # noqa: E402
from ctxprune.tokens import get_counter  # noqa: E402


def recall(ex: dict, cols, rows) -> float:
    h, body = ex["context"]["header"], ex["context"]["rows"]
    cols, rows = sorted(cols), sorted(rows)
    return ad.score(ex, [h[j] for j in cols], [[body[i][j] for j in cols] for i in rows])["recall"]


def fill(args: tuple, kw: dict, cols: list[int]) -> list[int]:
    """The rows fill_table would keep with these columns."""
    p, q, cells, head, limit, _, must_rows = args[:7]
    return sel.rows_for_columns(cols, np.argsort(-q, kind="stable"), cells, head, limit, must_rows, kw["max_cells"],
                                kw["lead"], kw["head_lead"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--half", default="a")
    ap.add_argument("--ratio", type=float, default=0.35)
    a = ap.parse_args()
    eng, _, _ = memo_pruner()
    seen: dict = {}
    real = sel.fill_table

    def spy(*args, **kw):
        seen["args"], seen["kw"] = args, kw
        return real(*args, **kw)
    tmod.fill_table = spy
    cnt = get_counter()
    out: dict = {}
    for ex in dev_half(a.half):
        res = eng.prune("table", ad.request(ex, {"ratio": a.ratio}), use_cache=False).model_dump()
        chosen = recall(ex, res["kept_columns"], res["kept_rows"])
        args, kw = seen["args"], seen["kw"]
        p, limit = args[0], args[4]
        order = [int(j) for j in np.argsort(-p, kind="stable")]
        prefix = max(recall(ex, order[:k], fill(args, kw, order[:k])) for k in range(1, len(order) + 1))
        top = order[:8]
        subset = max(recall(ex, list(s), fill(args, kw, list(s)))
                     for k in range(1, len(top) + 1) for s in itertools.combinations(top, k))
        gold = ex["gold"]["answer_cells"]
        gcols = sorted({j for _, j in gold}) or [0]
        gold_cols = recall(ex, gcols, fill(args, kw, gcols))
        cs, gset, grows = res["kept_columns"], {tuple(g) for g in gold}, sorted({r for r, _ in gold})
        head = cnt.count(" | ".join(str(ex["context"]["header"][j]) for j in cs))
        vals = [sum((r, j) in gset for j in cs) for r in grows]
        costs = [cnt.count(" | ".join(str(ex["context"]["rows"][r][j]) for j in cs)) + 1 for r in grows]
        pick = knapsack(vals, costs, limit - head, kw["max_cells"] // len(cs))
        gold_rows = recall(ex, cs, [grows[i] for i in pick])
        for k in ("all", ex["meta"]["dataset"]):
            out.setdefault(k, []).append((chosen, prefix, subset, gold_cols, gold_rows))
    names = ("chosen", "best_prefix", "best_subset8", "gold_cols", "gold_rows")
    for k in ("all", "wtq", "fetaqa"):
        v = np.array(out.get(k, []))
        if len(v):
            print(f"half {a.half} {k:7s} n={len(v)} " + " ".join(f"{n} {x:.4f}" for n, x in zip(names, v.mean(0))))


if __name__ == "__main__":
    main()
