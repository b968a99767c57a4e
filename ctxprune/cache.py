"""Result and embedding cache: in-process LRU by default, Redis when configured.

Redis is fail-open: a failing Redis never fails a request. The failure is counted
(``ctxprune_cache_failures_total``) and the request is served uncached.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from ctxprune.metrics import CACHE_FAILURES, REDIS_UP

log = logging.getLogger(__name__)

CACHE_VERSION = "1"  # bump when a change in the code changes what a cached result would hold


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A short hash of the installed package's Python source: results cached by another version of the code (hosts
    sharing a Redis, a deployment rolled forward) are not served, without anyone remembering to bump CACHE_VERSION."""
    root = Path(__file__).resolve().parent
    h = hashlib.blake2b(digest_size=8)
    files = sorted(root.rglob("*.py"))
    if not files:  # a bytecode-only or zipped install: the version at least (the source is not there to read)
        from importlib.metadata import PackageNotFoundError, version
        try:
            return f"v{version('ctxprune')}"
        except PackageNotFoundError:
            return "unknown"
    for f in files:
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def content_key(namespace: str, *parts: Any) -> str:
    """A stable content hash of JSON-serialisable parts, prefixed by namespace and cache version."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    digest = hashlib.blake2b(blob.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()  # JSON allows lone surrogates
    return f"ctxprune:{CACHE_VERSION}:{namespace}:{digest}"


class Cache(Protocol):
    name: str

    def get(self, key: str) -> bytes | None: ...
    def set(self, key: str, value: bytes) -> None: ...
    def get_many(self, keys: list[str]) -> list[bytes | None]: ...
    def set_many(self, items: dict[str, bytes]) -> None: ...
    def ping(self) -> bool: ...


class MemoryCache:
    """Thread-safe LRU with a time-to-live, bounded by entry count."""

    name = "memory"

    def __init__(self, max_entries: int = 2048, ttl_s: float | None = None):
        self.max_entries = max_entries
        self.ttl_s = ttl_s
        self._data: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            stamp, value = item
            if self.ttl_s is not None and time.monotonic() - stamp > self.ttl_s:
                del self._data[key]
                return None
            self._data.move_to_end(key)
            return value

    def set(self, key: str, value: bytes) -> None:
        with self._lock:
            self._data[key] = (time.monotonic(), value)
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def get_many(self, keys: list[str]) -> list[bytes | None]:
        return [self.get(k) for k in keys]

    def set_many(self, items: dict[str, bytes]) -> None:
        for k, v in items.items():
            self.set(k, v)

    def ping(self) -> bool:
        return True

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


class RedisCache:
    """Redis behind the same interface; every error is swallowed, counted and logged once in a while.

    A small circuit breaker keeps an outage cheap: after an error, gets and sets skip Redis for
    ``retry_s`` seconds (served uncached), then the next operation tries again, so caching
    resumes by itself when Redis is back. ``ping`` (readiness) always asks Redis.
    """

    name = "redis"

    def __init__(self, url: str, ttl_s: int = 86400, timeout_s: float = 0.25, retry_s: float = 1.0):
        import redis  # the 'redis' extra

        self.url = url
        self.ttl_s = ttl_s
        self.retry_s = retry_s
        self._client = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s,
                                            health_check_interval=0)
        self._last_log = 0.0
        self._down_until = 0.0
        REDIS_UP.set(1)

    def _failed(self, op: str, exc: Exception) -> None:
        CACHE_FAILURES.labels(backend="redis", op=op).inc()
        REDIS_UP.set(0)
        now = time.monotonic()
        self._down_until = now + self.retry_s
        if now - self._last_log > 30:
            self._last_log = now
            log.warning("redis %s failed, serving uncached for %.1fs: %s", op, self.retry_s, exc)

    def _ok(self) -> None:
        if self._down_until:
            self._down_until = 0.0
            REDIS_UP.set(1)
            log.info("redis answers again: caching resumed")

    def available(self) -> bool:
        return not self._down_until or time.monotonic() >= self._down_until

    def get(self, key: str) -> bytes | None:
        if not self.available():
            return None
        try:
            value = self._client.get(key)
            self._ok()
            return value
        except Exception as exc:  # fail open
            self._failed("get", exc)
            return None

    def set(self, key: str, value: bytes) -> None:
        if not self.available():
            return
        try:
            self._client.set(key, value, ex=self.ttl_s)
            self._ok()
        except Exception as exc:
            self._failed("set", exc)

    def get_many(self, keys: list[str]) -> list[bytes | None]:
        if not keys:
            return []
        if not self.available():
            return [None] * len(keys)
        try:
            values = list(self._client.mget(keys))
            self._ok()
            return values
        except Exception as exc:
            self._failed("mget", exc)
            return [None] * len(keys)

    def set_many(self, items: dict[str, bytes]) -> None:
        if not items or not self.available():
            return
        try:
            pipe = self._client.pipeline(transaction=False)
            for k, v in items.items():
                pipe.set(k, v, ex=self.ttl_s)
            pipe.execute()
            self._ok()
        except Exception as exc:
            self._failed("mset", exc)

    def ping(self) -> bool:
        try:
            up = bool(self._client.ping())
            if up:
                self._ok()
            return up
        except Exception as exc:
            self._failed("ping", exc)
            return False


def make_cache(redis_url: str | None, *, max_entries: int = 2048, ttl_s: int = 86400, timeout_s: float = 0.25,
               retry_s: float = 1.0) -> Cache:
    if redis_url:
        return RedisCache(redis_url, ttl_s=ttl_s, timeout_s=timeout_s, retry_s=retry_s)
    return MemoryCache(max_entries=max_entries, ttl_s=ttl_s)
