"""Offline replay of the memory pruner's scoring and selection: many weight variants per minute.

The history indexes (turn embeddings, BM25, costs) and the question embeddings are built once and
pickled (--cache); each variant then re-runs ``score_turns`` and the budgeted selection exactly as
``MemoryPruner.run`` does (duplicates, session headers), without rendering. Recall is by gold turn id
(the acceptance client matches gold text in the output; the two agree except for repeated texts).

usage: .venv/bin/python scripts/replay_memory.py [--set all|dev] [--convs conv-30,conv-42,conv-44]
       [--ratios 0.1,0.2] --variant "" --variant "hop2=0.3,diversity=0.1"
"""
from __future__ import annotations

import argparse
import json
import pickle
import statistics
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ctxprune.api import Engine  # noqa: E402
from ctxprune.bench.kinds import memory as ad  # noqa: E402
from ctxprune.pruners.memory import MemoryRequest  # noqa: E402
from ctxprune.pruners.memory_score import partners, score_turns  # noqa: E402
from ctxprune.select import Candidate, fill_budget  # noqa: E402
from scripts.dev_memory import load  # noqa: E402


def prepare(rows: list[dict], cache: Path):
    """Per conversation: request, index; per question: embedding. Pickled to ``cache``."""
    if cache.exists():
        convs, qvecs = pickle.loads(cache.read_bytes())
        for _, idx in convs.values():  # indexes pickled before a field was added
            if getattr(idx, "turn_words", None) is None:
                idx.turn_words = [frozenset(d) for d in idx.turn_bm25.doc_freqs]
        return convs, qvecs
    eng = Engine()
    eng.warm_up(["memory"])
    pruner = eng.pruner("memory")
    dense = eng.hub.get("dense")
    convs, qvecs = {}, {}
    for ex in rows:
        key = ex["id"].rsplit("-q", 1)[0]
        if key not in convs:
            req = MemoryRequest(**ad.request(ex, {"ratio": 0.1}))
            convs[key] = (req, pruner.index(req.sessions))
    emb = dense.embed([ex["query"] for ex in rows])
    for ex, v in zip(rows, emb):
        req, idx = convs[ex["id"].rsplit("-q", 1)[0]]
        q = req.model_copy(update={"query": ex["query"]})
        scope, _ = pruner.scope(q, idx, pruner.reference_day(q, idx))
        qvecs[ex["query"]] = (np.asarray(v), scope)
    data = (convs, qvecs)
    cache.write_bytes(pickle.dumps(data))
    return data


_ENGINE: list = []
_CVEC: dict = {}


def content_vec(query: str, idx, w, cache: Path) -> np.ndarray | None:
    """Embedding of the question without the speakers' names (memoised on disk next to ``cache``)."""
    from ctxprune.pruners.memory_score import named_speakers, without_names

    if not w.strip_names:
        return None
    text = without_names(query, named_speakers(idx, query))
    path = cache.with_suffix(".cvec.pkl")
    if not _CVEC and path.exists():
        _CVEC.update(pickle.loads(path.read_bytes()))
    if text not in _CVEC:
        if not _ENGINE:
            eng = Engine()
            eng.warm_up(["memory"])
            _ENGINE.append(eng)
        _CVEC[text] = np.asarray(_ENGINE[0].hub.get("dense").embed([text])[0])
        _CVEC["__dirty__"] = True
    return _CVEC[text]


def save_cvec(cache: Path) -> None:
    if _CVEC.pop("__dirty__", False):
        cache.with_suffix(".cvec.pkl").write_bytes(pickle.dumps(_CVEC))


def select(pruner_cls, req, idx, cand, final, limit) -> set[int]:
    score = np.full(idx.n, -1.0)
    score[cand] = final
    dup_of = pruner_cls._duplicates(idx, score)
    cands = [Candidate(int(i), float(score[i]), int(idx.costs[i]), False, group=str(idx.session_of[i]))
             for i in range(idx.n) if dup_of[i] < 0]
    group_cost = {str(si): int(c) for si, c in enumerate(idx.header_costs)}
    chosen, _ = fill_budget(cands, limit, group_cost=group_cost)
    return set(chosen)


def main() -> None:
    from ctxprune.pruners.memory import MemoryPruner

    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default="all", choices=["all", "dev"])
    ap.add_argument("--convs")
    ap.add_argument("--ratios", default="0.1,0.2")
    ap.add_argument("--variant", action="append", default=[])
    ap.add_argument("--cache", default="/tmp/memory-replay.pkl")
    ap.add_argument("--dump", help="write per-question recall of the first variant here (jsonl)")
    a = ap.parse_args()
    rows = load(a.set)
    convs, qvecs = prepare(load("all") + load("dev"), Path(a.cache))
    if a.convs:
        keep = {c.strip() for c in a.convs.split(",")}
        rows = [ex for ex in rows if ex["id"].rsplit("-q", 1)[0].removeprefix("locomo-") in keep]
    ratios = [float(x) for x in a.ratios.split(",")]
    base = MemoryPruner.weights
    pair_cache = {}
    for variant in a.variant or [""]:
        kv = {k: type(getattr(base, k))(v) for k, v in (x.split("=") for x in variant.split(",") if x)}
        w = replace(base, **kv)
        rec = {r: defaultdict(list) for r in ratios}
        dump = []
        for ex in rows:
            key = ex["id"].rsplit("-q", 1)[0]
            req, idx = convs[key]
            if key not in pair_cache:
                pair_cache[key] = partners(idx)
            cand, sc = score_turns(idx, ex["query"], *qvecs[ex["query"]], w, pair_cache[key],
                                   content_vec(ex["query"], idx, w, Path(a.cache)))
            ids = {f"{req.sessions[idx.session_of[i]].turns[idx.position[i]].id}": i for i in range(idx.n)}
            gold = [g for g in ex["gold"]["evidence_dia_ids"] if g in ids]
            if not gold:
                continue
            row = {"id": ex["id"], "cat": ex["meta"]["category_name"]}
            for r in ratios:
                kept = select(MemoryPruner, req, idx, cand, sc.final, int(r * idx.tokens_in))
                v = sum(ids[g] in kept for g in gold) / len(gold)
                rec[r][ex["meta"]["category_name"]].append(v)
                row[str(r)] = v
            dump.append(row)
        save_cvec(Path(a.cache))
        out = {"variant": variant}
        for r in ratios:
            allv = [v for vs in rec[r].values() for v in vs]
            out[str(r)] = {"micro": round(statistics.mean(allv), 4),
                           "macro": round(statistics.mean(statistics.mean(v) for v in rec[r].values()), 4),
                           **{k[:5]: round(statistics.mean(v), 3) for k, v in sorted(rec[r].items())}}
        out["score"] = round(statistics.mean((out[str(r)]["micro"] + out[str(r)]["macro"]) / 2 for r in ratios), 4)
        print(json.dumps(out), flush=True)
        if a.dump and variant == (a.variant or [""])[0]:
            Path(a.dump).write_text("\n".join(json.dumps(d) for d in dump))


if __name__ == "__main__":
    main()
