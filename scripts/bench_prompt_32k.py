"""Latency on long contexts: dev LongBench contexts concatenated to >= N cl100k tokens, the question of the
first one asked, compressed with {"ratio": R} (the REST default path: coarse stage; --fine adds the LM).

usage: python scripts/bench_prompt_32k.py [--tokens 32000] [--ratio 0.33] [--runs 3] [--fine]
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ctxprune.api import Engine  # noqa: E402
from ctxprune.bench.figures import FigureLog  # noqa: E402
from ctxprune.bench.kinds import prompt as ad  # noqa: E402

DEV = Path(__file__).resolve().parents[2] / "shared/evaldata/longprompt/dev.jsonl"


def long_context(rows: list[dict], tokens: int, count) -> tuple[str, dict]:
    """Contexts of answerable dev records joined until the total reaches ``tokens``; the first record asks."""
    parts, total = [], 0
    for ex in rows:
        parts.append(ad.full(ex))
        total += count(parts[-1])
        if total >= tokens:
            break
    return "\n\n".join(parts), rows[0]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=int, default=32000)
    ap.add_argument("--ratio", type=float, default=0.33)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--fine", action="store_true", help="opt into the SmolLM2 fine stage")
    ap.add_argument("--data", default=str(DEV))
    ap.add_argument("--out", default="bench-out/prompt_32k.jsonl", help="figures appended here (JSON lines)")
    a = ap.parse_args()
    rows = sorted((r for r in map(json.loads, open(a.data)) if ad.scored(r)), key=lambda r: -len(ad.full(r)))
    eng = Engine()
    t0 = time.perf_counter()
    eng.warm_up(["prompt"])
    warm = time.perf_counter() - t0
    ctx, ex = long_context(rows, a.tokens, eng.counter.count)
    body = {**ad.request(ex, {"ratio": a.ratio}), "context": ctx, "fine": True if a.fine else None}
    secs, res = [], None
    for _ in range(a.runs):
        t0 = time.perf_counter()
        res = eng.prune("prompt", body, use_cache=False)
        secs.append(time.perf_counter() - t0)
    s = res.stats
    FigureLog(a.out, "bench_prompt_32k").emit({"tokens_in": s.tokens_in, "tokens_out": s.tokens_out, "ratio": s.ratio, "fine_stage": s.extra["fine_stage"],
                      "answer_kept": ad._recall_text(ex, res.context), "runs": a.runs,
                      "seconds": [round(x, 2) for x in secs], "median_s": round(statistics.median(secs), 2),
                      "max_s": round(max(secs), 2), "warm_up_s": round(warm, 1)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
