"""Cross-encoder relevance from a local model folder (none is packaged; point the settings at one)."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ctxprune.errors import ModelUnavailable
from ctxprune.models import resolve_device


class CrossEncoderScorer:
    name = "cross"

    def __init__(self, model_path: str | None, device: str = "auto", max_length: int = 256):
        self.model_path, self.device, self.max_length = model_path, device, max_length
        self._model = None

    def warm_up(self) -> None:
        if self._model is not None:
            return
        if not self.model_path:
            raise ModelUnavailable("the 'cross' scorer needs CTXPRUNE_CROSS_MODEL: a local cross-encoder folder")
        from pathlib import Path

        if not Path(self.model_path).is_dir():
            raise ModelUnavailable(f"cross-encoder folder {self.model_path!r} does not exist")
        from sentence_transformers import CrossEncoder

        self._model = CrossEncoder(self.model_path, device=resolve_device(self.device), max_length=self.max_length,
                                   local_files_only=True)

    def score(self, query: str, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        self.warm_up()
        out = self._model.predict([(query, t) for t in texts], batch_size=32, show_progress_bar=False, convert_to_numpy=True)
        out = np.asarray(out, dtype=float)
        return out if out.ndim == 1 else out[:, -1]
