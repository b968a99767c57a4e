"""ctxprune: query-aware context pruning for LLM inputs (passages, tables, AxTrees, memory, prompts)."""
from __future__ import annotations

__version__ = "0.1.0"

from ctxprune.api import Engine, prune  # noqa: E402
from ctxprune.contract import Budget, PruneResult, Stats, Unit  # noqa: E402

__all__ = ["Engine", "prune", "Budget", "PruneResult", "Stats", "Unit", "__version__"]
