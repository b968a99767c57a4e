"""``ctxprune bench``: gold recall against kept-token ratio for ctxprune and baselines, plus latency.

Writes DIR/results.json (every figure), DIR/report.md (tables) and DIR/<kind>.png (recall vs kept ratio).
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path

from ctxprune.api import Engine
from ctxprune.bench.baselines import BASELINES, baseline_scores, select_units
from ctxprune.bench.kinds import ADAPTERS, adapter
from ctxprune.bench.latency import latency_figures
from ctxprune.bench.report import write_plot, write_report
from ctxprune.config import Settings

DEFAULT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "evaldata"


def data_dir(arg: str | None) -> Path:
    return Path(arg or os.environ.get("EVALDATA") or DEFAULT_DATA)


def load(folder: Path, name: str, split: str, limit: int | None) -> list[dict]:
    path = folder / name / f"{split}.jsonl"
    if not path.exists():
        raise SystemExit(f"no eval data at {path}: pass --data or set EVALDATA")
    rows = [json.loads(line) for line in path.open()]
    return rows[:limit] if limit else rows


def _progress(it, desc: str):
    try:
        from tqdm import tqdm

        return tqdm(it, desc=desc, leave=False)
    except ImportError:
        return it


def evaluate_kind(engine: Engine, kind: str, rows: list[dict], ratios: list[float]) -> dict:
    ad = adapter(kind)
    counter = engine.counter
    out: dict = {"n": len(rows), "curves": {}}
    if getattr(ad, "CAVEAT", None):
        out["caveat"] = ad.CAVEAT
    ours: dict = {}
    for r in ratios:
        rec, kept, lat = [], [], []
        for ex in _progress(rows, f"{kind} ctxprune r={r}"):
            t0 = time.perf_counter()
            body = engine.prune(kind, ad.request(ex, {"ratio": r}), use_cache=False).model_dump(mode="json")
            lat.append(1000 * (time.perf_counter() - t0))
            rc = ad.recall(ex, body)
            if rc is None:
                continue
            rec.append(rc)
            kept.append(counter.count(ad.render(ex, body)) / max(1, counter.count(ad.full(ex))))
        ours[r] = {"recall": statistics.mean(rec), "kept_ratio": statistics.mean(kept), "max_kept_ratio": max(kept),
                   "p50_ms": statistics.median(lat)}
    out["curves"]["ctxprune"] = ours
    for name in BASELINES:
        curve = {}
        for r in ratios:
            rec, kept = [], []
            for ex in _progress(rows, f"{kind} {name} r={r}"):
                units = ad.baseline_units(ex)
                limit = int(r * counter.count(ad.full(ex)))
                scores = baseline_scores(name, ad.query(ex), units, engine.hub)
                keys = select_units(scores, units, limit, lambda k: ad.render_units(ex, k), counter)
                rc = ad.recall_units(ex, keys)
                if rc is None:
                    continue
                rec.append(rc)
                kept.append(counter.count(ad.render_units(ex, keys)) / max(1, counter.count(ad.full(ex))))
            curve[r] = {"recall": statistics.mean(rec), "kept_ratio": statistics.mean(kept)}
        out["curves"][name] = curve
    return out


def _add_peers(res: dict, rows: list[dict], ratios: list[float], counter, args) -> None:
    """LongLLMLingua (peers venv, subprocess) at the ratio nearest 0.33, on a few records: minutes each."""
    from ctxprune.bench.peers import peer_curve

    ratio = min(ratios, key=lambda r: abs(r - 0.33))
    got = peer_curve(rows, ratio, counter, getattr(args, "peers_python", None), getattr(args, "peer_limit", 5))
    if "skipped" in got:
        print(got["skipped"])
        res["peers_skipped"] = got["skipped"]
    else:
        res["curves"].update(got)


def main(args) -> int:
    import logging

    for noisy in ("httpx", "ctxprune.access", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in ADAPTERS]
    if unknown:
        raise SystemExit(f"unknown bench kind(s) {unknown}; valid: {', '.join(sorted(ADAPTERS))}")
    ratios = [float(x) for x in args.ratios.split(",")]
    folder = data_dir(args.data)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    engine = Engine(Settings(redis_url=None))
    t0 = time.perf_counter()
    engine.warm_up(kinds)
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                     "split": args.split, "limit": args.limit, "ratios": ratios, "warm_up_s": time.perf_counter() - t0,
                     "kinds": {}}
    for kind in kinds:
        ad = adapter(kind)
        rows = load(folder, ad.DATA_DIR, args.split, args.limit)
        res = evaluate_kind(engine, kind, rows, ratios)
        if kind == "prompt":
            _add_peers(res, rows, ratios, engine.counter, args)
        res["latency"] = latency_figures(engine, kind, rows, runs=args.latency_runs, rest=not args.no_rest)
        results["kinds"][kind] = res
        write_plot(out_dir / f"{kind}.png", kind, res)
        print(json.dumps({"kind": kind, "ctxprune": res["curves"]["ctxprune"], "latency": res["latency"]}, indent=1))
    (out_dir / "results.json").write_text(json.dumps(results, indent=1))
    write_report(out_dir / "report.md", results)
    print(f"wrote {out_dir}/results.json, report.md and one PNG per kind")
    return 0
