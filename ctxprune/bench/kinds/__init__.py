"""Eval adapters, one module per kind, each mapping a dev-set record to a request and scoring the answer.

Every adapter module defines:
  DATA_DIR: the folder name under the eval data (rag, tables, axtree, memory, longprompt)
  KIND: the pruner kind
  def request(example, budget) -> dict      # the REST body, built as the acceptance client builds it
  def render(example, response: dict) -> str   # the text an LLM would read, as the acceptance client renders it
  def full(example) -> str                  # the whole input rendered the same way (kept-ratio denominator)
  def recall(example, response: dict) -> float | None   # gold recall; None when the record has no gold
  def baseline_units(example) -> list[tuple[str, str]]  # (key, text) units for the per-unit baselines
  def render_units(example, kept_keys) -> str
  def recall_units(example, kept_keys) -> float | None
and may define CAVEAT: a sentence the report prints under the kind's figures (e.g. what was fit on dev).
"""
from __future__ import annotations

from importlib import import_module

ADAPTERS = {
    "passages": "ctxprune.bench.kinds.passages",
    "axtree": "ctxprune.bench.kinds.axtree",
    "memory": "ctxprune.bench.kinds.memory",
    "table": "ctxprune.bench.kinds.table",
    "prompt": "ctxprune.bench.kinds.prompt",
}


def adapter(kind: str):
    from ctxprune.errors import UnknownComponent

    if kind not in ADAPTERS:
        raise UnknownComponent("bench kind", kind, list(ADAPTERS))
    return import_module(ADAPTERS[kind])
