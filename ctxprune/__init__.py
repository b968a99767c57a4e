"""ctxprune: query-aware context pruning for LLM inputs (passages, tables, AxTrees, memory, prompts)."""
from __future__ import annotations

__version__ = "0.1.0"

import os  # noqa: E402

# numpy's OpenBLAS workers sleep as soon as a call is done instead of spinning for ~0.1 s (read when numpy loads, so
# before anything imports it): on a busy 2-core host a spinning worker took ~40 ms of CPU per 5k-line matrix-vector
# product and slowed it ~30x. The same threads do the same work: results are unchanged. (OMP_WAIT_POLICY=PASSIVE
# does this for torch, see models.py, and allow_spinning=0 for ONNX Runtime.)
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

from ctxprune.api import Engine, prune  # noqa: E402
from ctxprune.contract import Budget, PruneResult, Stats, Unit  # noqa: E402

__all__ = ["Engine", "prune", "Budget", "PruneResult", "Stats", "Unit", "__version__"]
