"""Precise error types. The REST layer maps each to a 4xx with a JSON body naming the field."""
from __future__ import annotations


class CtxPruneError(Exception):
    """Base class of every error ctxprune raises on purpose."""


class InvalidRequest(CtxPruneError, ValueError):
    """A request is well formed but cannot be served; ``field`` names the culprit."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class UnknownComponent(CtxPruneError, KeyError):
    """A scorer, pruner or backend name that is not registered; the message lists the valid ones."""

    def __init__(self, what: str, name: str, valid: list[str]):
        msg = f"unknown {what} {name!r}; valid: {', '.join(sorted(valid))}"
        super().__init__(msg)
        self.what, self.name, self.valid = what, name, sorted(valid)

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.args[0]


class ModelUnavailable(CtxPruneError, RuntimeError):
    """A model the configuration asks for cannot be loaded offline."""
