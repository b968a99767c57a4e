"""Dense relevance: cosine of sentence embeddings (packaged all-MiniLM-L6-v2 or any local folder)."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ctxprune.cache import Cache
from ctxprune.models import Embedder, make_dense_embedder, make_static_embedder


class DenseScorer:
    name = "dense"

    def __init__(self, model: str = "minilm", device: str = "auto", shared_cache: Cache | None = None,
                 dtype: str = "auto", max_tokens: int | None = None):
        self.model, self.device, self._shared, self.dtype = model, device, shared_cache, dtype
        self.max_tokens = max_tokens
        self._embedder: Embedder | None = None

    def warm_up(self) -> None:
        if self._embedder is None:
            self._embedder = make_dense_embedder(self.model, self.device, self._shared, self.dtype, self.max_tokens)
            self._embedder.embed(["warm up"])

    @property
    def embedder(self) -> Embedder:
        self.warm_up()
        return self._embedder

    @property
    def model_id(self) -> str:
        return self.embedder.model_id

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.embedder.embed(list(texts))

    def score(self, query: str, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        e = self.embed([query, *texts])
        return e[1:] @ e[0]


class StaticScorer(DenseScorer):
    """Static token embeddings (wordllama): ~100x faster than MiniLM, a little less precise."""

    name = "static"

    def __init__(self, shared_cache: Cache | None = None):
        super().__init__(model="wordllama", device="cpu", shared_cache=shared_cache)

    def warm_up(self) -> None:
        if self._embedder is None:
            self._embedder = make_static_embedder()
