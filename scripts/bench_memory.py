"""Latency of the memory pruner on a long history: ~1,000 sessions (~200k tokens).

usage: .venv/bin/python scripts/bench_memory.py [--sessions 1000] [--questions 5] [--max-turns 6] [--unique] [--rebuilds 5]

The history is built from the LoCoMo dev conversations' sessions (about 150), repeated with later
dates up to the asked number of sessions; with --unique each copy carries a marker so every turn
text is distinct (only the cold stage depends on it: it embeds every distinct text). Prints, per stage, the time of one prune call:
  cold        nothing cached: every turn is embedded (MiniLM) and the history index is built
  emb-cached  turn embeddings cached, history index rebuilt (the history changed: one session appended);
              then once more with the per-turn-text cache (token costs, word lists) emptied too
  warm        embeddings and history index cached, a new question each call
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ctxprune.api import Engine  # noqa: E402
from ctxprune.bench.figures import FigureLog  # noqa: E402
from ctxprune.pruners import memory_index  # noqa: E402

DATA = Path(os.environ.get("EVALDATA", Path(__file__).resolve().parent.parent.parent / "shared" / "evaldata")) / "memory"


def long_history(n_sessions: int, unique: bool, max_turns: int | None = None) -> tuple[list[dict], list[str]]:
    convs = [json.loads(line) for line in open(DATA / "locomo_by_conversation_dev.jsonl")]
    base = [s for c in convs for s in c["context"]["sessions"]]
    queries = [q["query"] for c in convs for q in c["queries"] if q["category"] in (1, 2, 3, 4)]
    start = datetime(2020, 1, 1, 10, 0)
    sessions = []
    for k in range(n_sessions):
        s = base[k % len(base)]
        copy = k // len(base)
        day = start + timedelta(days=2 * k)
        turns = [{"id": f"S{k}:{i}", "speaker": t[1], "text": t[2] + (f" ({copy})" if copy and unique else "")}
                 for i, t in enumerate(s["turns"][:max_turns])]
        sessions.append({"id": f"S{k}", "time": day.strftime("%-I:%M %p on %-d %B, %Y").lower(), "turns": turns})
    return sessions, queries


def timed(eng: Engine, payload: dict) -> tuple[float, dict]:
    t = time.perf_counter()
    res = eng.prune("memory", payload, use_cache=False)
    return time.perf_counter() - t, res.stats.model_dump()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--questions", type=int, default=5)
    ap.add_argument("--ratio", type=float, default=0.1)
    ap.add_argument("--rebuilds", type=int, default=5, help="index rebuilds timed (history alternately grown and shrunk by a session)")
    ap.add_argument("--max-turns", type=int, help="first turns of each session only (6 gives ~200k tokens for 1,000 sessions)")
    ap.add_argument("--unique", action="store_true", help="mark repeated sessions so every turn text is distinct "
                    "(the cold stage then embeds all ~20k turns; without it the ~3.3k distinct texts repeat)")
    ap.add_argument("--out", default="bench-out/memory.jsonl", help="figures appended here (JSON lines)")
    a = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    log = FigureLog(a.out, "bench_memory")
    sessions, queries = long_history(a.sessions, a.unique, a.max_turns)
    eng = Engine()
    eng.warm_up(["memory"])
    pruner = eng.pruner("memory")
    qs = queries[:: max(1, len(queries) // (a.questions + 2))][: a.questions + 2]
    eng.hub.get("dense").embed(qs)  # question embeddings are not what this measures
    budget = {"ratio": a.ratio}

    cold, stats = timed(eng, {"query": qs[0], "sessions": sessions[:-1], "budget": budget})
    log.emit({"stage": "cold", "seconds": round(cold, 3), "sessions": a.sessions - 1,
              "turns": stats["extra"]["turns"], "tokens_in": stats["tokens_in"], "faiss": stats["extra"]["faiss"]})
    rebuilt = []
    for i in range(a.rebuilds):
        # the history changed since the last question (one more session): the index is rebuilt, embeddings are cached
        q = qs[1 + i % 2]
        hist = sessions if i % 2 == 0 else sessions[:-1]
        pruner.indexes._data.clear()
        sec, stats = timed(eng, {"query": q, "sessions": hist, "budget": budget})
        rebuilt.append(sec)
    log.emit({"stage": "emb-cached", "p50_s": round(statistics.median(rebuilt), 3),
              "seconds": [round(x, 3) for x in rebuilt]})
    # a fresh replica: turn embeddings in Redis/the scorer cache, but no per-turn token counts and word lists yet
    memory_index.TURN_TEXTS._data.clear()
    pruner.indexes._data.clear()
    sec, _ = timed(eng, {"query": qs[1], "sessions": sessions, "budget": budget})
    log.emit({"stage": "emb-cached, text cache cold", "seconds": round(sec, 3)})
    warm = []
    for q in qs[2:]:
        sec, stats = timed(eng, {"query": q, "sessions": sessions, "budget": budget})
        warm.append(sec)
    log.emit({"stage": "warm", "p50_s": round(statistics.median(warm), 3), "max_s": round(max(warm), 3),
              "n": len(warm), "candidates": stats["extra"]["candidates"], "tokens_out": stats["tokens_out"],
              "tokens_in": stats["tokens_in"]})


if __name__ == "__main__":
    main()
