"""Dev loop for the memory pruner (in process): LoCoMo evidence recall per ratio and category, kept ratio, latency.

usage: .venv/bin/python scripts/dev_memory.py [--set all|dev] [--ratios 0.1,0.2] [--w sparse=0.3 --w hop2=0.2]
       [--baselines] [--convs conv-30,conv-42,conv-44] [--variant 'informative=0,opening=0']
  --set dev   the 120 questions of evaldata/memory/dev.jsonl
  --set all   every answerable question (categories 1-4) of the six dev conversations (about 1,000)
Recall is scored as the acceptance client scores it (gold turn text found in the rendered output);
"macro" is the mean over question categories (dev.jsonl and the held-out set are balanced by category,
the full conversations are mostly single-hop).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ctxprune.api import Engine  # noqa: E402
from ctxprune.bench.kinds import memory as ad  # noqa: E402
from ctxprune.tokens import get_counter  # noqa: E402

DATA = Path(os.environ.get("EVALDATA", Path(__file__).resolve().parent.parent.parent / "shared" / "evaldata")) / "memory"


def load(which: str) -> list[dict]:
    if which == "dev":
        return [json.loads(line) for line in open(DATA / "dev.jsonl")]
    rows = []
    for line in open(DATA / "locomo_by_conversation_dev.jsonl"):
        conv = json.loads(line)
        for q in conv["queries"]:
            if q["category"] in (1, 2, 3, 4) and q["gold"]["evidence_dia_ids"]:
                rows.append({"id": f"{conv['id']}-q{q['qa_index']}", "query": q["query"], "context": conv["context"],
                             "gold": q["gold"], "meta": {"category_name": q["category_name"]}})
    return rows


def baselines(rows: list[dict], ratios: list[float], eng: Engine) -> None:
    """Per-turn BM25 and MiniLM, greedy under the budget as evalkit.select does."""
    cnt = get_counter()
    bm25, dense = eng.hub.get("bm25"), eng.hub.get("dense")
    for name, sc in (("bm25", bm25), ("minilm", dense)):
        for r in ratios:
            rec = []
            for ex in rows:
                units = ad.baseline_units(ex)
                s = sc.score(ex["query"], [u[1] for u in units])
                budget = r * cnt.count(ad.full(ex))
                kept, used = set(), 0
                for i in sorted(range(len(units)), key=lambda i: -s[i]):
                    c = cnt.count(units[i][1]) + 1
                    if used + c <= budget:
                        kept.add(units[i][0])
                        used += c
                rec.append(ad.recall_units(ex, kept))
            print(json.dumps({"baseline": name, "ratio": r, "n": len(rec), "recall": round(statistics.mean(rec), 4)}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default="all", choices=["all", "dev"])
    ap.add_argument("--ratios", default="0.1,0.2")
    ap.add_argument("--w", action="append", default=[], help="override a MemoryWeights field, e.g. sparse=0.3")
    ap.add_argument("--variant", action="append", default=[], help="compare weight variants: 'sparse=0.3,hop2=0.2'")
    ap.add_argument("--every", type=int, default=1, help="use every n-th question (a quicker, spread sample)")
    ap.add_argument("--baselines", action="store_true")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--convs", help="only these conversations, e.g. conv-30,conv-42,conv-44 (tune on some, check on the others)")
    a = ap.parse_args()
    rows = load(a.set)
    if a.convs:
        keep = {c.strip() for c in a.convs.split(",")}
        rows = [ex for ex in rows if ex["id"].rsplit("-q", 1)[0].removeprefix("locomo-") in keep]
    rows = rows[:: a.every]
    rows = rows[: a.limit] if a.limit else rows
    ratios = [float(x) for x in a.ratios.split(",")]
    eng = Engine()
    eng.warm_up(["memory"])
    pruner = eng.pruner("memory")
    base = pruner.weights

    def weights(items: list[str]):
        kv = {k: type(getattr(base, k))(v) for k, v in (x.split("=") for x in items if x)}
        return replace(base, **kv)

    pruner.weights = weights(a.w)
    eng.hub.get("dense").embed([ex["query"] for ex in rows])  # one batch: the per-question model call is not what is tuned
    print("weights", pruner.weights)
    if a.baselines:
        baselines(rows, ratios, eng)
    cnt = get_counter()
    full_tokens: dict[str, int] = {}
    for variant in a.variant or [""]:
        pruner.weights = weights(a.w + variant.split(","))
        for r in ratios:
            line = evaluate(eng, rows, r, cnt, full_tokens)
            print(json.dumps({"variant": variant, **line}), flush=True)


def evaluate(eng: Engine, rows: list[dict], r: float, cnt, full_tokens: dict) -> dict:
    rec, by_cat, kt, lat = [], defaultdict(list), [], []
    for ex in rows:
        t = time.perf_counter()
        res = eng.prune("memory", ad.request(ex, {"ratio": r}), use_cache=False)
        lat.append(time.perf_counter() - t)
        body = res.model_dump(mode="json")
        v = ad.recall(ex, body)
        if v is None:
            continue
        rec.append(v)
        by_cat[ex["meta"]["category_name"]].append(v)
        key = ex["id"].rsplit("-q", 1)[0]
        if key not in full_tokens:
            full_tokens[key] = cnt.count(ad.full(ex))
        kt.append(cnt.count(ad.render(ex, body)) / full_tokens[key])
    return {"ratio": r, "n": len(rec), "recall": round(statistics.mean(rec), 4),
            "macro": round(statistics.mean(statistics.mean(v) for v in by_cat.values()), 4),
            "by_category": {k: [round(statistics.mean(v), 4), len(v)] for k, v in sorted(by_cat.items())},
            "kept": round(statistics.mean(kt), 4), "kept_max": round(max(kt), 4),
            "p50_ms": round(1000 * statistics.median(lat), 1)}


if __name__ == "__main__":
    main()
