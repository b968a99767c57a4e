"""Where the table pruner loses answer cells on a dev half: by column category, by prefix choice, by calibration.

usage: .venv/bin/python scripts/diagnose_table.py [--half a|b|all] [--ratio 0.35]
Uses replay_table's memoised scorers (same code path as REST). Prints per source (wtq / fetaqa):
- lost: share of gold cells whose column was dropped, split by what pointed at the column (key = the
  row-key column, cond = the question's values matched in it, hdr = header words in the question,
  date, none);
- prefix: recall of the chosen column prefix vs the best prefix of the same ranking (rows filled as
  fill_table fills them; no recount / top-up), and how often a wider / narrower prefix was better;
- calib: mean top-1 / top-2 share of p and of q against the gold cells' share there, split by the
  whole-column flag (p or q above the gold share: overconfident).
"""
import argparse
import collections
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from replay_table import dev_half, memo_pruner  # noqa: E402

from ctxprune.bench.kinds import table as ad  # noqa: E402
from ctxprune.pruners import table as tmod  # noqa: E402
from ctxprune.pruners import table_select as sel  # noqa: E402
from ctxprune.pruners.table_calibrate import COLUMN_FEATURES  # noqa: E402
from ctxprune.pruners.table_parse import TableRequest, parse_table  # noqa: E402


def prefixes(seen: dict):
    """A fill_table that also records, for every prefix of the column ranking, the rows it would fill."""
    real = sel.fill_table

    def spy(p, q, cells, head, limit, must_cols, must_rows, max_cells=None, min_cols=1, lead=None, head_lead=None,
            twins=None):
        order = [int(j) for j in np.argsort(-p, kind="stable")]
        order = sel.with_twins(order, twins) if twins is not None else order
        rows_order = np.argsort(-q, kind="stable")
        out = []
        for k in range(1, cells.shape[1] + 1):
            cols = order[:k]
            first = min(cols)
            h = float(head[cols].sum()) + (k - 1) - (float(head_lead[first]) if head_lead is not None else 0.0)
            cost = cells[:, cols].sum(axis=1) + k - (lead[:, first] if lead is not None else 0)
            max_rows = cells.shape[0] if max_cells is None else max(0, max_cells // k)
            rows = sel._fill_rows(rows_order, cost.astype(float), limit - h, must_rows, max_rows)
            out.append((cols, rows, float(p[cols].sum() / p.sum()) * float(q[rows].sum() / q.sum() if rows else 0)))
        seen["prefixes"] = out
        return real(p, q, cells, head, limit, must_cols, must_rows, max_cells, min_cols, lead, head_lead, twins)
    return spy


def column_tag(x: dict, j: int, key: int) -> str:
    if j == key:
        return "key"
    if x["values"] > 0.3:
        return "cond"
    if x["header"] > 0:
        return "hdr"
    return "date" if x["date"] else "none"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--half", default="a")
    ap.add_argument("--ratio", type=float, default=0.35)
    a = ap.parse_args()
    eng, pr, _ = memo_pruner()
    seen: dict = {}
    tmod.fill_table = prefixes(seen)
    lost = collections.defaultdict(collections.Counter)
    pre = collections.defaultdict(list)
    calib = collections.defaultdict(list)
    for ex in dev_half(a.half):
        src = ex["meta"]["dataset"]
        res = eng.prune("table", ad.request(ex, {"ratio": a.ratio}), use_cache=False).model_dump()
        gold = ex["gold"]["answer_cells"] or [[0, 0]]
        t = parse_table(TableRequest.model_validate(ad.request(ex, None)).table)
        sc = pr.score(ex["query"], t)
        kept = set(res["kept_columns"])
        for _, c in gold:
            if c not in kept:
                lost[src][column_tag(dict(zip(COLUMN_FEATURES, sc.col_x[c])), c, sc.key)] += 1 / len(gold)
        lost[src]["_n"] += 1
        head, rows = ex["context"]["header"], ex["context"]["rows"]
        recs = [ad.score(ex, [head[j] for j in sorted(cs)], [[rows[i][j] for j in sorted(cs)] for i in sorted(rs)])
                ["recall"] for cs, rs, _ in seen.get("prefixes", [])]
        if recs:
            chosen = max(range(len(recs)), key=lambda k: seen["prefixes"][k][2])
            best = max(range(len(recs)), key=lambda k: (recs[k], -abs(k - chosen)))
            pre[src].append((recs[chosen], recs[best], best > chosen and recs[best] > recs[chosen],
                             best < chosen and recs[best] > recs[chosen]))
        p, q = pr.weights_pq(sc)
        p, q = p / p.sum(), q / q.sum()
        gc = collections.Counter(c for _, c in gold)
        gr = collections.Counter(r for r, _ in gold)
        op, oq = np.argsort(-p), np.argsort(-q)
        cs = np.array([gc.get(j, 0) for j in op]) / len(gold)
        rs = np.array([gr.get(i, 0) for i in oq]) / len(gold)
        calib[(src, sc.shape.whole_column)].append((p[op][:1].sum(), cs[:1].sum(), p[op][:2].sum(), cs[:2].sum(),
                                                    q[oq][:1].sum(), rs[:1].sum()))
    for src in sorted(lost):
        n = lost[src].pop("_n")
        print(f"{src} n={n} lost by column: " + " ".join(f"{k} {v / n:.3f}" for k, v in lost[src].most_common())
              + f" (total {sum(lost[src].values()) / n:.3f})")
        v = np.array(pre[src], dtype=float)
        print(f"  prefix: chosen {v[:, 0].mean():.4f} best {v[:, 1].mean():.4f} wider better {int(v[:, 2].sum())} "
              f"narrower better {int(v[:, 3].sum())}")
    for (src, whole), v in sorted(calib.items()):
        m = np.array(v).mean(axis=0)
        print(f"calib {src} whole={whole} n={len(v)}: p top1 {m[0]:.2f} (gold {m[1]:.2f}) top2 {m[2]:.2f} "
              f"(gold {m[3]:.2f}) | q top1 {m[4]:.2f} (gold {m[5]:.2f})")


if __name__ == "__main__":
    main()
