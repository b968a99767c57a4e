"""Fast dev loop for the table pruner: the real pruner in process, with model scores memoised on disk.

usage: .venv/bin/python scripts/replay_table.py [--ratio 0.35] [--half a|b|all] [--limit N] [--worst K]
       [--heldout 200] [name=value ...]   # overrides of TableWeights / ColumnWeights fields, e.g. cond=0.6

--heldout N: a bootstrap (20,000 draws, seed 0) of N-question sets with the dev half's WTQ / FeTaQA mix, drawn
from its per-question recalls: 5-95% range of their mean recall and the share of sets at >= --target (0.85),
i.e. how likely a held-out set like dev passes at this dev mean.

MiniLM / static / BM25 scores are cached by (scorer, query, texts) in /tmp/table_replay_cache.pkl, so
after the first run a full pass over the 300 dev questions takes seconds and every change in
selection code is measured exactly as the service would answer (same code path as REST).
Halves: ``a`` = even line numbers of dev.jsonl (tuning), ``b`` = odd ones (check).
"""
import argparse
import dataclasses
import json
import os
import pickle
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ctxprune.api import Engine  # noqa: E402
from ctxprune.bench.kinds import table as ad  # noqa: E402
from ctxprune.tokens import get_counter  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared/evaldata/tables/dev.jsonl"
CACHE = Path(os.environ.get("TABLE_REPLAY_CACHE", "/tmp/table_replay_cache.pkl"))


class Memo:
    """Wraps a scorer: score(query, texts) answered from a dict when seen before."""

    def __init__(self, inner, name, store):
        self.inner, self.name, self.store = inner, name, store

    def score(self, query, texts):
        key = (self.name, query, tuple(texts))
        if key not in self.store:
            self.store[key] = self.inner.score(query, texts)
            self.store["_dirty"] = True
        return self.store[key]

    def __getattr__(self, a):
        return getattr(self.inner, a)


def dev_half(half: str, limit: int | None = None) -> list[dict]:
    """Dev records of half a (even lines), b (odd lines) or all."""
    return [json.loads(l) for i, l in enumerate(open(DATA))
            if half == "all" or (i % 2 == 0) == (half == "a")][:limit]


def memo_pruner():
    """The engine and its real table pruner, whose bm25 / static / dense scores come from (and go to) the disk memo."""
    store = pickle.load(open(CACHE, "rb")) if CACHE.exists() else {}
    eng = Engine()
    pr = eng.pruner("table")
    hub = pr.hub
    made = {n: Memo(hub.get(n), n, store) for n in ("bm25", "static", "dense")}
    hub.get = lambda n: made.get(n) or hub.__class__.get(hub, n)
    return eng, pr, store


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ratio", type=float, default=0.35)
    ap.add_argument("--half", default="all")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--worst", type=int, default=0)
    ap.add_argument("--slack", action="store_true", help="print how often cells / tokens bind")
    ap.add_argument("--heldout", type=int, default=0)
    ap.add_argument("--target", type=float, default=0.85)
    ap.add_argument("over", nargs="*")
    a = ap.parse_args()
    over = {k: float(v) for k, v in (o.split("=") for o in a.over)}
    exs = dev_half(a.half, a.limit)
    eng, pr, store = memo_pruner()
    tw = {f.name for f in dataclasses.fields(pr.weights)}
    ints = {f.name for f in dataclasses.fields(pr.weights) if f.type in (int, "int")}
    pr.weights = dataclasses.replace(pr.weights, **{k: (int(v) if k in ints else v)
                                                    for k, v in over.items() if k in tw})
    cwo = {k: v for k, v in over.items() if k not in tw}
    if cwo:
        pr.column_weights = dataclasses.replace(pr.column_weights, **cwo)
    cnt = get_counter()
    per, worst = {}, []
    for ex in exs:
        res = eng.prune("table", ad.request(ex, {"ratio": a.ratio}), use_cache=False).model_dump()
        s = ad.score(ex, res["table"]["columns"], res["table"]["rows"])
        kt = cnt.count(ad.render(ex, res)) / cnt.count(ad.full(ex))
        gold = ex["gold"]["answer_cells"] or [[0, 0]]
        kc, kr = set(res["kept_columns"]), set(res["kept_rows"])
        colr = sum(c in kc for _, c in gold) / len(gold)
        rowr = sum(r in kr for r, _ in gold) / len(gold)
        for k in ("all", ex["meta"]["dataset"]):
            per.setdefault(k, []).append((s["recall"], kt, s["cells_kept"], colr, rowr))
        if a.slack and kt < 0.25 and s["cells_kept"] < 0.25:
            print("under", ex["id"], round(kt, 3), round(s["cells_kept"], 3), len(ex["context"]["rows"]),
                  len(ex["context"]["header"]), res["kept_columns"], len(res["kept_rows"]))
        worst.append((s["recall"], ex["id"], ex["query"], res["kept_columns"], res["kept_rows"],
                      ex["gold"]["answer_cells"], len(ex["context"]["rows"]), len(ex["context"]["header"])))
    if store.pop("_dirty", False):
        pickle.dump(store, open(CACHE, "wb"))
    out = []
    for k in ("all", "wtq", "fetaqa"):
        v = per.get(k, [])
        if v:
            out.append(f"{k} {statistics.mean(x[0] for x in v):.4f} tok {statistics.mean(x[1] for x in v):.3f} "
                       f"(max {max(x[1] for x in v):.3f}) cells {statistics.mean(x[2] for x in v):.3f} "
                       f"(max {max(x[2] for x in v):.3f}) "
                       f"[gold col {statistics.mean(x[3] for x in v):.3f} row {statistics.mean(x[4] for x in v):.3f}]")
    print(f"ratio {a.ratio} half {a.half} n={len(exs)} {over}: " + " | ".join(out), flush=True)
    if a.slack:
        v = per["all"]
        for lo in (0.25, 0.3, 0.33):
            print(f"both under {lo}: {sum(x[1] < lo and x[2] < lo for x in v)}  cells under {lo}: "
                  f"{sum(x[2] < lo for x in v)}  tokens under {lo}: {sum(x[1] < lo for x in v)}")
    if a.heldout:
        import numpy as np
        rng = np.random.default_rng(0)
        srcs = [np.array([x[0] for x in per[k]]) for k in ("wtq", "fetaqa") if per.get(k)]
        n_all = sum(len(v) for v in srcs)
        sizes = [round(a.heldout * len(v) / n_all) for v in srcs]
        sizes[-1] = a.heldout - sum(sizes[:-1])
        means = sum(rng.choice(v, (20000, k)).sum(1) for v, k in zip(srcs, sizes)) / a.heldout
        lo, hi = np.percentile(means, [5, 95])
        print(f"held-out sets of {a.heldout} (bootstrap): mean recall 5-95% {lo:.4f}-{hi:.4f}, "
              f"P(mean >= {a.target}) = {float(np.mean(means >= a.target)):.3f}")
    for w in sorted(worst)[: a.worst]:
        print(w)


if __name__ == "__main__":
    main()
