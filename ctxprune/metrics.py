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
KEPT_RATIO = Histogram("ctxprune_kept_ratio", "tokens_out / tokens_in of each pruned context", ["kind"],
                       buckets=(0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0))
CACHE_LOOKUPS = Counter("ctxprune_cache_lookups_total", "Result cache lookups", ["kind", "outcome"])
REDIS_UP = Gauge("ctxprune_redis_up", "1 while the Redis cache answers, 0 while requests are served uncached")
INJECTIONS = Counter("ctxprune_injections_removed_total", "Injected instructions removed from contexts", ["kind"])
BATCH_CALLERS = Histogram("ctxprune_embed_batch_callers", "Concurrent embedding calls served by one model call",
                          buckets=(1, 2, 3, 4, 6, 8, 12, 16, 32, 64))
BATCH_ITEMS = Histogram("ctxprune_embed_batch_texts", "Texts encoded by one model call",
                        buckets=(1, 4, 8, 16, 32, 64, 128, 256, 512))
HTTP_REQUESTS = Counter("ctxprune_http_requests_total", "HTTP requests by route and status", ["method", "route", "status"])
HTTP_LATENCY = Histogram("ctxprune_http_request_duration_seconds", "HTTP request time by route", ["method", "route"],
                         buckets=(0.001, 0.003, 0.01, 0.03, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30))
HTTP_INFLIGHT = Gauge("ctxprune_http_requests_in_flight", "HTTP requests being served")
AUTH_FAILURES = Counter("ctxprune_auth_failures_total", "Requests refused for a missing or wrong API key", ["reason"])
BODY_REJECTED = Counter("ctxprune_body_too_large_total", "Requests refused with 413")
PROXY_REQUESTS = Counter("ctxprune_proxy_requests_total", "Chat completions proxied", ["stream", "status"])
PROXY_BLOCKS = Counter("ctxprune_proxy_blocks_total", "Document blocks the proxy pruned, by kind and outcome", ["kind", "outcome"])
PROXY_TOKENS_IN = Counter("ctxprune_proxy_tokens_in_total", "Tokens of the document blocks the proxy pruned")
PROXY_TOKENS_OUT = Counter("ctxprune_proxy_tokens_out_total", "Tokens of those blocks after pruning")
TABLE_DESCRIPTIONS = Counter("ctxprune_table_descriptions_total",
                             "Tables sent to the LLM column describer, by outcome (llm, cached, failed, skipped)", ["outcome"])
