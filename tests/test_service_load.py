"""Bounded load on a real ``ctxprune serve`` process over loopback: mixed kinds, tens in flight, zero
failures; then the same with a private Redis killed and restarted in the middle of the traffic."""
from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time

import httpx
import pytest

from ctxprune.bench.load import free_port, mixed_requests, run_load, start_server, stop_server
from ctxprune.bench.load import main as bench_main
from tests.conftest import EVALDATA, IN_CI

pytestmark = pytest.mark.slow
KEY = "load-test-key"
HEADERS = {"Authorization": f"Bearer {KEY}"}


def need_data():
    if not (EVALDATA / "rag" / "dev.jsonl").exists():
        pytest.skip(f"eval data not found at {EVALDATA}")


@pytest.fixture
def private_redis():
    """A throwaway redis-server on a spare port (never the shared one on 6379)."""
    if shutil.which("redis-server") is None:
        if IN_CI:
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    port = free_port()
    cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
           "--daemonize", "no"]
    state = {"proc": None}

    def start():
        state["proc"] = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis(port=port, socket_timeout=0.5)
        for _ in range(100):
            try:
                if client.ping():
                    return client
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill():
        state["proc"].kill()
        state["proc"].wait()

    yield port, start, kill
    if state["proc"] is not None and state["proc"].poll() is None:
        kill()


def test_mixed_load_has_no_failures(tmp_path):
    need_data()
    proc, url = start_server({"CTXPRUNE_API_KEYS": KEY})
    try:
        reqs = mixed_requests(300, EVALDATA)
        res = asyncio.run(run_load(url, reqs, 32, HEADERS))
        metrics = httpx.get(f"{url}/metrics").text
        # the benchmark script's own path (tiny counts): every phase answered, figures written to a file
        out = tmp_path / "service.json"
        assert bench_main(["--url", url, "--data", str(EVALDATA), "--api-key", KEY, "--server-pid", str(proc.pid),
                           "--hit-n", "20", "--cold-n", "4", "--serial-n", "2", "--out", str(out)]) == 0
    finally:
        stop_server(proc)
    figures = next(iter(json.loads(out.read_text()).values()))
    for phase, n in (("cache_hit", 20), ("cold_concurrent", 4), ("cold_one_at_a_time", 2)):
        assert figures[phase]["ok"] == n and figures[phase]["rps"] > 0, figures[phase]
    assert figures["cold_concurrent"]["server_cpu_ms_per_request"] > 0
    s = res.summary()
    assert s["requests"] == 300 and s["ok"] == 300, s
    assert s["cache"].get("hit", 0) > 0 and s["cache"].get("miss", 0) > 0, s
    assert 'ctxprune_http_requests_total{method="POST",route="/v1/prune/passages",status="200"}' in metrics


def test_redis_killed_and_restarted_mid_traffic_every_request_still_succeeds(private_redis):
    need_data()
    port, start_redis, kill_redis = private_redis
    client = start_redis()
    proc, url = start_server({"CTXPRUNE_API_KEYS": KEY, "CTXPRUNE_REDIS_URL": f"redis://127.0.0.1:{port}/0",
                              "CTXPRUNE_REDIS_RETRY_S": "0.5"})
    seen: dict[str, list] = {"ready_down": [], "ready_up": []}
    try:
        assert httpx.get(f"{url}/readyz").json()["status"] == "ok"

        async def outage(done: int):
            if done == 100:
                kill_redis()
                async with httpx.AsyncClient() as c:
                    seen["ready_down"].append((await c.get(f"{url}/readyz")).json())
            elif done == 200:
                start_redis()
                await asyncio.sleep(0.6)  # past the breaker's retry window
                async with httpx.AsyncClient() as c:
                    seen["ready_up"].append((await c.get(f"{url}/readyz")).json())

        reqs = mixed_requests(300, EVALDATA, seed=7)
        res = asyncio.run(run_load(url, reqs, 32, HEADERS, on_done=outage))
        # caching resumed by itself: a new request is stored in the restarted Redis and comes back a hit
        fresh = mixed_requests(1, EVALDATA, seed=99, repeat_share=0.0)[0]
        first = httpx.post(url + fresh[0], json=fresh[1], headers=HEADERS, timeout=60).json()
        again = httpx.post(url + fresh[0], json=fresh[1], headers=HEADERS, timeout=60).json()
        metrics = httpx.get(f"{url}/metrics").text
        keys = client.dbsize()
    finally:
        stop_server(proc)
    s = res.summary()
    assert s["requests"] == 300 and s["ok"] == 300, s
    assert seen["ready_down"] == [{"status": "degraded", "cache": "redis", "reason": "redis unreachable: serving uncached"}]
    assert seen["ready_up"][0]["status"] == "ok"
    assert first["stats"]["cache"] == "miss" and again["stats"]["cache"] == "hit"
    assert keys > 0
    failures = [ln for ln in metrics.splitlines() if ln.startswith("ctxprune_cache_failures_total{")]
    assert failures and any(float(ln.rsplit(" ", 1)[1]) > 0 for ln in failures)
