"""The Redis circuit breaker: an outage costs one failed call per retry window, and caching resumes."""
from __future__ import annotations

import time

from ctxprune.cache import RedisCache
from ctxprune.metrics import CACHE_FAILURES


def failures() -> float:
    return sum(s.value for m in CACHE_FAILURES.collect() for s in m.samples if s.name.endswith("_total"))


def test_after_a_failure_redis_is_skipped_until_the_retry_window_passes():
    dead = RedisCache("redis://127.0.0.1:1/0", timeout_s=0.05, retry_s=0.3)  # nothing listens on port 1
    before = failures()
    assert dead.get("k") is None
    assert failures() == before + 1 and not dead.available()
    t0 = time.perf_counter()
    for _ in range(50):  # served uncached at once, without touching the socket
        assert dead.get("k") is None
        dead.set("k", b"v")
        assert dead.get_many(["a", "b"]) == [None, None]
    assert time.perf_counter() - t0 < 0.1 and failures() == before + 1
    time.sleep(0.35)
    assert dead.available()
    assert dead.get("k") is None and failures() == before + 2  # tried again, failed again
    assert not dead.ping()  # readiness always asks Redis


def test_a_live_redis_resets_the_breaker(redis_url):
    c = RedisCache(redis_url, retry_s=30)
    c._down_until = time.monotonic() - 1  # an old outage whose window has passed
    c.set("ctxprune:test:breaker", b"1")
    assert c.get("ctxprune:test:breaker") == b"1" and c._down_until == 0.0
