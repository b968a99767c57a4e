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
    passages_cascade_k: int = Field(16, ge=0, description="clues re-scored by the dense model after a static-embedding pass (0: all)")
    cross_model: str | None = Field(None, description="local cross-encoder folder; enables the 'cross' scorer")
    tokenizer: str = Field("cl100k_base", description="tiktoken encoding that counts every budget")
    warm_up_on_start: bool = True

    # cache
    redis_url: str | None = None
    cache_size: int = 2048
    cache_ttl_s: int = 24 * 3600
    redis_timeout_s: float = 0.25

    # serving
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
