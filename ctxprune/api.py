"""One entry point for every kind: ``prune(kind, request) -> result``, with caching and stats."""
from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from pydantic import BaseModel

from ctxprune.cache import Cache, code_digest, content_key, make_cache
from ctxprune.config import Settings, get_settings
from ctxprune.contract import PruneRequest, PruneResult
from ctxprune.metrics import (CACHE_LOOKUPS, ERRORS, INJECTIONS, KEPT_RATIO, LATENCY, MODELS_READY, REQUESTS,
                              TOKENS_IN, TOKENS_OUT)
from ctxprune.models import configure_runtime
from ctxprune.pruners import available_kinds, pruner_class
from ctxprune.pruners.base import Pruner
from ctxprune.scoring import ScorerHub
from ctxprune.tokens import get_counter

log = logging.getLogger(__name__)


class Engine:
    """Owns the settings, the cache, the scorers and one pruner per kind."""

    def __init__(self, settings: Settings | None = None, cache: Cache | None = None):
        self.settings = settings or get_settings()
        configure_runtime(self.settings.torch_threads, self.settings.batch_max, self.settings.batch_wait_ms,
                          self.settings.onnx_lanes)
        self.cache = cache if cache is not None else make_cache(
            self.settings.redis_url, max_entries=self.settings.cache_size, ttl_s=self.settings.cache_ttl_s,
            timeout_s=self.settings.redis_timeout_s, retry_s=self.settings.redis_retry_s)
        shared = self.cache if self.cache.name == "redis" else None  # the embedder keeps its own in-process LRU
        self.hub = ScorerHub(self.settings, shared_cache=shared)
        self.counter = get_counter(self.settings.tokenizer)
        self._pruners: dict[str, Pruner] = {}
        self._lock = threading.Lock()
        self.ready = False

    def pruner(self, kind: str) -> Pruner:
        with self._lock:
            if kind not in self._pruners:
                self._pruners[kind] = pruner_class(kind)(self.hub, self.counter, self.settings)
                self._pruners[kind].cache = self.cache
            return self._pruners[kind]

    def warm_up(self, kinds: list[str] | None = None) -> None:
        code_digest()  # the source this process runs, read now: an in-place upgrade later must not change it
        for kind in kinds or available_kinds():
            self.pruner(kind).warm_up()
        self.ready = True
        MODELS_READY.set(1)

    def clear_caches(self) -> None:
        """Forget cached results and embeddings (benchmarks of the cold path use it)."""
        clear = getattr(self.cache, "clear", None)
        if clear is not None:
            clear()
        for scorer in self.hub.made():
            embedder = getattr(scorer, "_embedder", None)
            if embedder is not None:
                embedder.clear_local()
        for pruner in list(self._pruners.values()):
            clear_local = getattr(pruner, "clear_local", None)
            if clear_local is not None:
                clear_local()

    def parse(self, kind: str, request: PruneRequest | dict[str, Any]) -> PruneRequest:
        model = pruner_class(kind).request_model
        return request if isinstance(request, model) else model.model_validate(request)

    def cache_key(self, kind: str, req: PruneRequest) -> str:
        pruner = self.pruner(kind)
        return content_key(f"result:{kind}", req.model_dump(mode="json"), pruner.method, pruner.model_ids(), code_digest())

    def prune(self, kind: str, request: PruneRequest | dict[str, Any], *, use_cache: bool = True) -> PruneResult:
        """Prune one context; returns the kind's typed result."""
        result, _ = self._prune(kind, request, use_cache=use_cache, as_dict=False)
        return result

    def prune_dict(self, kind: str, request: PruneRequest | dict[str, Any], *, use_cache: bool = True) -> dict[str, Any]:
        """Like ``prune`` but JSON-ready; a cache hit skips re-validating the stored result (the REST hot path)."""
        _, body = self._prune(kind, request, use_cache=use_cache, as_dict=True)
        return body

    def _prune(self, kind: str, request, *, use_cache: bool, as_dict: bool):
        t0 = time.perf_counter()
        req = self.parse(kind, request)
        pruner = self.pruner(kind)
        key = self.cache_key(kind, req) if use_cache else None
        if key is not None:
            blob = self.cache.get(key)
            CACHE_LOOKUPS.labels(kind=kind, outcome="miss" if blob is None else "hit").inc()
            if blob is not None:
                REQUESTS.labels(kind=kind, cache="hit").inc()
                if as_dict:
                    body = json.loads(blob)
                    body["stats"]["cache"] = "hit"
                    body["stats"]["latency_ms"] = round(1000 * (time.perf_counter() - t0), 3)
                    LATENCY.labels(kind=kind).observe(time.perf_counter() - t0)
                    return None, body
                result = pruner.result_model.model_validate_json(blob)
                result.stats.cache = "hit"
                result.stats.latency_ms = round(1000 * (time.perf_counter() - t0), 3)
                LATENCY.labels(kind=kind).observe(time.perf_counter() - t0)
                return result, None
        try:
            result = pruner.run(req)
        except Exception as exc:
            ERRORS.labels(kind=kind, type=type(exc).__name__).inc()
            raise
        result.stats.cache = "miss" if use_cache else "off"
        result.stats.latency_ms = round(1000 * (time.perf_counter() - t0), 3)
        body = result.model_dump(mode="json") if (as_dict or key is not None) else None
        if key is not None and result._cacheable:
            self.cache.set(key, json.dumps(body, ensure_ascii=False).encode())
        REQUESTS.labels(kind=kind, cache=result.stats.cache).inc()
        LATENCY.labels(kind=kind).observe(time.perf_counter() - t0)
        TOKENS_IN.labels(kind=kind).inc(result.stats.tokens_in)
        TOKENS_OUT.labels(kind=kind).inc(result.stats.tokens_out)
        KEPT_RATIO.labels(kind=kind).observe(result.stats.tokens_out / max(result.stats.tokens_in, 1))
        removed = getattr(result, "removed_injections", None)
        if removed:
            INJECTIONS.labels(kind=kind).inc(len(removed))
        return result, body


_default: Engine | None = None
_default_lock = threading.Lock()


def default_engine() -> Engine:
    global _default
    with _default_lock:
        if _default is None:
            _default = Engine()
        return _default


def prune(kind: str, request: PruneRequest | dict[str, Any] | None = None, **fields: Any) -> PruneResult:
    """Prune one context in process: ``prune("passages", query=..., passages=[...], budget={"ratio": 0.3})``."""
    payload: Any = request if request is not None else fields
    return default_engine().prune(kind, payload)


def to_json(result: BaseModel) -> str:
    return json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2)
