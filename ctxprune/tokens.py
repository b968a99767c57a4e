"""Token counting with tiktoken, offline.

The encoding files ship as package data in ``ctxprune/_data/tiktoken`` (taken from the
litellm 1.109.1 wheel, named by the sha1 of their download URL, which is how tiktoken's
cache names them), so ``TIKTOKEN_CACHE_DIR`` is pointed there unless the user set it.
"""
from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources

TIKTOKEN_DIR = str(resources.files("ctxprune") / "_data" / "tiktoken")
os.environ.setdefault("TIKTOKEN_CACHE_DIR", TIKTOKEN_DIR)

import tiktoken  # noqa: E402  (the cache dir must be set first)

SUPPORTED_ENCODINGS = ("cl100k_base", "o200k_base")


class TokenCounter:
    """Counts tokens of text with one named tiktoken encoding."""

    def __init__(self, encoding: str = "cl100k_base"):
        from ctxprune.errors import UnknownComponent

        if encoding not in SUPPORTED_ENCODINGS:
            raise UnknownComponent("tokenizer", encoding, list(SUPPORTED_ENCODINGS))
        self.name = encoding
        self._enc = tiktoken.get_encoding(encoding)

    def count(self, text: str) -> int:
        return len(self._enc.encode(text, disallowed_special=()))

    def count_many(self, texts: list[str]) -> list[int]:
        return [len(t) for t in self._enc.encode_batch(list(texts), disallowed_special=())] if texts else []

    def encode(self, text: str) -> list[int]:
        return self._enc.encode(text, disallowed_special=())

    def decode(self, ids: list[int]) -> str:
        return self._enc.decode(ids)


@lru_cache(maxsize=4)
def get_counter(encoding: str = "cl100k_base") -> TokenCounter:
    return TokenCounter(encoding)
