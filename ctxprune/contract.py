"""Request and result types shared by every kind, the library, the REST API and its OpenAPI schema."""
from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

MAX_KEEP_STRINGS = 256


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value


# a query or goal: the error names the field, so the message need not
NonBlankStr = Annotated[str, AfterValidator(_not_blank)]


class Budget(BaseModel):
    """Exactly one of ``max_tokens`` or ``ratio``. A null budget (no Budget) means adaptive."""

    model_config = ConfigDict(extra="forbid")

    max_tokens: int | None = Field(None, ge=1, description="keep at most this many tokens of the prunable input")
    ratio: float | None = Field(None, gt=0.0, le=1.0, description="keep at most this share of the prunable input's tokens")

    @model_validator(mode="after")
    def _exactly_one(self) -> "Budget":
        if (self.max_tokens is None) == (self.ratio is None):
            raise ValueError("give exactly one of 'ratio' or 'max_tokens'")
        return self

    def limit(self, tokens_in: int) -> int:
        if self.max_tokens is not None:
            return self.max_tokens
        return int(self.ratio * tokens_in)  # floor: the output must never exceed the ratio


_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogate(value: Any) -> bool:
    todo = [value]  # iterative: a request may nest deeply (the depth limit is checked later, as a 422)
    while todo:
        v = todo.pop()
        if isinstance(v, str):
            if not v.isascii() and _SURROGATE.search(v):
                return True
        elif isinstance(v, dict):
            todo.extend(v.values())
        elif isinstance(v, list):
            todo.extend(v)
    return False


def _replace_surrogates(value: Any) -> Any:
    """A copy with every lone surrogate replaced; ``value`` itself when it holds none (the usual case)."""
    if not _has_surrogate(value):
        return value

    def fix(v: Any) -> Any:
        if isinstance(v, str):
            return _SURROGATE.sub("\ufffd", v)
        if isinstance(v, dict):
            return {k: fix(x) for k, x in v.items()}
        if isinstance(v, list):
            return [fix(x) for x in v]
        return v

    try:
        return fix(value)
    except RecursionError:  # too deep to copy: left as is, the size/depth checks reject it
        return value


class PruneRequest(BaseModel):
    """Fields every kind accepts."""

    model_config = ConfigDict(extra="forbid")

    budget: Budget | None = Field(None, description="null: adaptive minimal sufficient set")
    keep: list[str] = Field(default_factory=list, max_length=MAX_KEEP_STRINGS,
                            description="strings that must survive verbatim wherever they occur")
    scorer: str | None = Field(None, description="relevance scorer by name (default from settings)")

    @model_validator(mode="before")
    @classmethod
    def _no_lone_surrogates(cls, data: Any) -> Any:
        """JSON may carry a lone UTF-16 surrogate (half of a cut emoji); no tokenizer or UTF-8 writer takes
        one, so it becomes U+FFFD here, as tiktoken would read it, instead of failing deep inside a pruner."""
        return _replace_surrogates(data)

    @field_validator("keep")
    @classmethod
    def _keep_not_blank(cls, keep: list[str]) -> list[str]:
        for i, k in enumerate(keep):
            if not k.strip():
                raise ValueError(f"keep[{i}] is blank")
            if len(k) > 10_000:
                raise ValueError(f"keep[{i}] is longer than 10000 characters")
        return keep


class Unit(BaseModel):
    """One unit a pruner kept or dropped, with the score and reason behind the decision."""

    id: str
    text: str
    score: float | None = None
    tokens: int = 0
    reason: str = ""
    group: str | None = Field(None, description="the container the unit belongs to (passage id, session id, ...)")

    @classmethod
    def trusted(cls, id: str, text: str, score: float | None, tokens: int, reason: str, group: str | None) -> "Unit":
        """A unit from values the pruner built itself, without validation: 5k-line trees report every line.

        What ``model_construct`` does for a model with every field given, minus its per-field loop
        (~3x faster); ``tests/test_tokens_and_contract.py`` checks it equals a validated unit.
        """
        unit = cls.__new__(cls)
        object.__setattr__(unit, "__dict__", {"id": id, "text": text, "score": score, "tokens": tokens,
                                              "reason": reason, "group": group})
        object.__setattr__(unit, "__pydantic_fields_set__", set(_UNIT_FIELDS))
        object.__setattr__(unit, "__pydantic_extra__", None)
        object.__setattr__(unit, "__pydantic_private__", None)
        return unit


_UNIT_FIELDS = frozenset(Unit.model_fields)


class Stats(BaseModel):
    tokens_in: int
    tokens_out: int
    tokenizer: str
    latency_ms: float = 0.0
    cache: Literal["hit", "miss", "off"] = "miss"
    budget_tokens: int | None = None
    budget_exceeded: bool = False
    ratio: float = 0.0
    method: str = ""
    scorer: str = ""
    extra: dict[str, Any] = Field(default_factory=dict)


class PruneResult(BaseModel):
    """Fields every kind returns; kinds add their own output shape."""

    kept: list[Unit] = Field(default_factory=list)
    dropped: list[Unit] = Field(default_factory=list)
    stats: Stats
    #: False for a degraded result (e.g. an optional upstream failed and a fallback was used): not cached
    _cacheable: bool = PrivateAttr(True)
