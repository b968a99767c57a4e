"""The pruner contract every kind follows: parse -> score -> select -> render.

``__init__`` is cheap; ``warm_up()`` loads what the pruner needs; ``run(request)`` returns the
kind's typed result with kept and dropped units, scores and token counts. Latency and cache
fields of the stats are filled by the engine (``ctxprune.api``), not by pruners.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from ctxprune.cache import Cache
from ctxprune.models import resolve_device, resolve_dtype
from ctxprune.config import Settings
from ctxprune.contract import PruneRequest, PruneResult
from ctxprune.scoring import ScorerHub
from ctxprune.tokens import TokenCounter


class Pruner(ABC):
    kind: ClassVar[str]
    method: ClassVar[str]
    request_model: ClassVar[type[PruneRequest]]
    result_model: ClassVar[type[PruneResult]]
    #: scorers warmed by ``warm_up`` (the relevance scorer named in the settings is added)
    scorers: ClassVar[tuple[str, ...]] = ()
    #: the engine's cache (set by ``Engine.pruner``), for pruners that cache pieces of their work
    cache: Cache | None = None

    def __init__(self, hub: ScorerHub, counter: TokenCounter, settings: Settings):
        self.hub = hub
        self.counter = counter
        self.settings = settings

    def warm_up(self) -> None:
        self.hub.warm_up(list(self.scorers))

    @abstractmethod
    def run(self, request: PruneRequest) -> PruneResult: ...

    def model_ids(self) -> list[str]:
        """Ids of the models whose output a cached result depends on."""
        s = self.settings
        dtype = resolve_dtype(s.dense_dtype, resolve_device(s.device))  # hosts sharing a Redis may differ
        return [f"{s.dense_model}@{dtype}/{s.dense_max_tokens}", self.counter.name]
