import pytest

from ctxprune.cache import MemoryCache, RedisCache, content_key, make_cache
from ctxprune.metrics import CACHE_FAILURES


def test_content_key_is_stable_and_sensitive():
    a = content_key("r", {"q": "x", "n": [1, 2]})
    assert a == content_key("r", {"n": [1, 2], "q": "x"})
    assert a != content_key("r", {"q": "y", "n": [1, 2]})
    assert a.startswith("ctxprune:")


def test_memory_cache_evicts_least_recently_used():
    c = MemoryCache(max_entries=2)
    c.set("a", b"1")
    c.set("b", b"2")
    assert c.get("a") == b"1"  # a is now the most recent
    c.set("c", b"3")
    assert c.get("b") is None and c.get("a") == b"1" and c.get("c") == b"3"


def test_make_cache_picks_redis_only_when_configured():
    assert make_cache(None).name == "memory"
    assert make_cache("redis://127.0.0.1:1/0").name == "redis"


def test_redis_failure_is_counted_and_served_as_a_miss():
    dead = RedisCache("redis://127.0.0.1:1/0", timeout_s=0.05)  # nothing listens on port 1
    before = CACHE_FAILURES.labels(backend="redis", op="get")._value.get()
    assert dead.get("k") is None
    dead.set("k", b"v")  # must not raise
    assert dead.get_many(["a", "b"]) == [None, None]
    assert not dead.ping()
    assert CACHE_FAILURES.labels(backend="redis", op="get")._value.get() == before + 1


@pytest.mark.redis
def test_real_redis_roundtrip(redis_url):
    c = RedisCache(redis_url)
    assert c.ping()
    c.set("ctxprune:test:k", b"v")
    assert c.get("ctxprune:test:k") == b"v"
    c.set_many({"ctxprune:test:a": b"1", "ctxprune:test:b": b"2"})
    assert c.get_many(["ctxprune:test:a", "ctxprune:test:missing", "ctxprune:test:b"]) == [b"1", None, b"2"]


def test_result_keys_carry_the_code_digest(monkeypatch):
    from ctxprune import api, cache
    eng = api.Engine()
    req = eng.parse("passages", {"query": "q", "passages": [{"text": "a b c."}]})
    before = eng.cache_key("passages", req)
    assert before == eng.cache_key("passages", req)
    monkeypatch.setattr(api, "code_digest", lambda: "another-version")
    assert eng.cache_key("passages", req) != before
    assert len(cache.code_digest()) == 16
