"""Prometheus series (all named ``ctxprune_*``), shared by the library and the sidecar."""
from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter("ctxprune_prune_requests_total", "Pruning requests served", ["kind", "cache"])
ERRORS = Counter("ctxprune_prune_errors_total", "Pruning requests that failed", ["kind", "type"])
LATENCY = Histogram("ctxprune_prune_latency_seconds", "Time to prune one request", ["kind"],
                    buckets=(0.001, 0.003, 0.01, 0.03, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30))
TOKENS_IN = Counter("ctxprune_tokens_in_total", "Prunable tokens received", ["kind"])
TOKENS_OUT = Counter("ctxprune_tokens_out_total", "Tokens returned after pruning", ["kind"])
CACHE_FAILURES = Counter("ctxprune_cache_failures_total", "Cache backend operations that failed (served uncached)", ["backend", "op"])
EMBED_CACHE = Counter("ctxprune_embedding_cache_total", "Embedding lookups by outcome", ["outcome"])
MODELS_READY = Gauge("ctxprune_models_ready", "1 when the models are warm")
