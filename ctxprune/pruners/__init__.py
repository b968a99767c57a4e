"""Pruners registered by kind; each lives in its own module and is imported on first use."""
from __future__ import annotations

from importlib import import_module

from ctxprune.errors import UnknownComponent

PRUNERS: dict[str, str] = {
    "passages": "ctxprune.pruners.passages:PassagesPruner",
    "axtree": "ctxprune.pruners.axtree:AxTreePruner",
    "memory": "ctxprune.pruners.memory:MemoryPruner",
    "table": "ctxprune.pruners.table:TablePruner",
    "prompt": "ctxprune.pruners.prompt:PromptPruner",
}


def pruner_class(kind: str):
    if kind not in PRUNERS:
        raise UnknownComponent("kind", kind, list(PRUNERS))
    module, name = PRUNERS[kind].split(":")
    return getattr(import_module(module), name)


def available_kinds() -> list[str]:
    return sorted(PRUNERS)
