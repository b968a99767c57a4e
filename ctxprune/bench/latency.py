"""Latency figures: p50/p95 in process and via REST, on a cold miss (no result, no embedding cached) and a hit."""
from __future__ import annotations

import statistics
import threading
import time

from ctxprune.api import Engine
from ctxprune.bench.kinds import adapter


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def _summary(xs: list[float]) -> dict:
    return {"p50_ms": round(statistics.median(xs), 2), "p95_ms": round(_pct(xs, 0.95), 2), "n": len(xs)}


def in_process(engine: Engine, kind: str, requests: list[dict]) -> dict:
    cold, hit = [], []
    for req in requests:
        engine.clear_caches()
        t0 = time.perf_counter()
        engine.prune(kind, req)
        cold.append(1000 * (time.perf_counter() - t0))
        t0 = time.perf_counter()
        res = engine.prune(kind, req)
        hit.append(1000 * (time.perf_counter() - t0))
        assert res.stats.cache == "hit"
    return {"cold_miss": _summary(cold), "hit": _summary(hit),
            "throughput_rps_cold": round(1000 / statistics.mean(cold), 1),
            "throughput_rps_hit": round(1000 / statistics.mean(hit), 1)}


def via_rest(engine: Engine, kind: str, requests: list[dict]) -> dict:
    import httpx
    import uvicorn

    from ctxprune_service.app import create_app

    app = create_app(engine.settings, engine=engine)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    cold, hit = [], []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as cl:
            while cl.get("/readyz").status_code != 200:
                time.sleep(0.1)
            for req in requests:
                engine.clear_caches()
                t0 = time.perf_counter()
                r = cl.post(f"/v1/prune/{kind}", json=req)
                cold.append(1000 * (time.perf_counter() - t0))
                r.raise_for_status()
                t0 = time.perf_counter()
                r = cl.post(f"/v1/prune/{kind}", json=req)
                hit.append(1000 * (time.perf_counter() - t0))
                assert r.json()["stats"]["cache"] == "hit"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return {"cold_miss": _summary(cold), "hit": _summary(hit)}


def latency_figures(engine: Engine, kind: str, rows: list[dict], runs: int = 30, rest: bool = True, ratio: float = 0.3) -> dict:
    ad = adapter(kind)
    reqs = [ad.request(ex, {"ratio": ratio}) for ex in rows[:runs]]
    if not reqs:
        return {}
    for req in reqs[:3]:  # warm code paths (not caches: each timed request clears them)
        engine.prune(kind, req, use_cache=False)
    out = {"ratio": ratio, "in_process": in_process(engine, kind, reqs)}
    if rest:
        out["rest"] = via_rest(engine, kind, reqs)
    return out
