"""Prune a list of retrieved documents (text + title) with one kind, in process or against a sidecar.

Shared by the LangChain and LlamaIndex integrations. Two kinds take retrieved documents:

- ``passages`` (default): one request for all documents, so the budget is shared and spent on the
  best sentences across them; a document whose sentences were all dropped is dropped.
- ``prompt``: one request per document (``context`` = the document, ``question`` = the query),
  each kept to the budget on its own.

Every surviving document gets ``facts``: its own tokens before/after (counted like the kind
renders it, with the server's tokenizer), the kept units with scores and reasons, and the call's stats.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from ctxprune.client import AsyncCtxPruneClient, CtxPruneClient, budget_payload
from ctxprune.tokens import SUPPORTED_ENCODINGS, get_counter

DOC_KINDS = ("passages", "prompt")
STATS_KEYS = ("tokens_in", "tokens_out", "ratio", "budget_tokens", "budget_exceeded", "tokenizer", "method", "scorer",
              "cache", "latency_ms")


@dataclass
class Piece:
    text: str
    title: str | None = None
    ref: str | None = None  # the document's own id, used to name its units


@dataclass
class Pruned:
    index: int  # position in the input
    text: str
    facts: dict[str, Any]


def _count(tokenizer: str, text: str) -> int | None:
    return get_counter(tokenizer).count(text) if tokenizer in SUPPORTED_ENCODINGS else None


def _unit(u: dict, ref: str | None = None) -> dict:
    uid = u["id"]
    if ref is not None and "#" in uid:  # passages name units '<passage id>#<sentence>'; the passage id is ours
        uid = f"{ref}#{uid.rsplit('#', 1)[1]}"
    return {"id": uid, "score": u.get("score"), "tokens": u.get("tokens"), "reason": u.get("reason", "")}


class DocPruner:
    """Builds the kind's request(s) from documents and maps the result(s) back to them."""

    def __init__(self, kind: str = "passages", budget: Any = None, keep: list[str] | None = None,
                 scorer: str | None = None, options: dict[str, Any] | None = None, url: str | None = None,
                 api_key: str | None = None, timeout: float = 120.0, engine: Any = None):
        if kind not in DOC_KINDS:
            raise ValueError(f"kind {kind!r} does not take retrieved documents; use one of {', '.join(DOC_KINDS)}")
        self.kind, self.budget, self.keep, self.scorer = kind, budget_payload(budget), list(keep or []), scorer
        self.options = dict(options or {})
        self.url, self.api_key, self.timeout, self._engine = url, api_key, timeout, engine

    @classmethod
    def from_fields(cls, f: Any) -> "DocPruner":
        """From a framework component that carries the same fields (kind, budget, keep, scorer, ...)."""
        return cls(f.kind, f.budget, f.keep, f.scorer, f.options, f.url, f.api_key, f.timeout, f.engine)

    # ----------------------------------------------------------------- requests
    def requests(self, query: str, pieces: list[Piece]) -> list[dict]:
        common = {k: v for k, v in (("budget", self.budget), ("scorer", self.scorer)) if v is not None}
        if self.keep:
            common["keep"] = self.keep
        if self.kind == "passages":
            ps = [{"id": str(i), "title": p.title, "text": p.text} for i, p in enumerate(pieces)]
            return [{"query": query, "passages": ps, **common, **self.options}]
        return [{"context": p.text, "question": query, **common, **self.options} for p in pieces]

    # ----------------------------------------------------------------- results
    def collect(self, pieces: list[Piece], bodies: list[dict]) -> list[Pruned]:
        if self.kind == "passages":
            return self._from_passages(pieces, bodies[0])
        return [p for i, body in enumerate(bodies) if (p := self._from_prompt(i, pieces[i], body)) is not None]

    @staticmethod
    def _stats(body: dict) -> dict:
        return {k: body["stats"].get(k) for k in STATS_KEYS if k in body["stats"]}

    def _from_passages(self, pieces: list[Piece], body: dict) -> list[Pruned]:
        stats, tok = self._stats(body), body["stats"].get("tokenizer", "")
        units: dict[str, list[dict]] = {}
        for u in body.get("kept", []):
            g = str(u.get("group"))
            units.setdefault(g, []).append(_unit(u, pieces[int(g)].ref if g.isdigit() and int(g) < len(pieces) else None))
        dropped: dict[str, int] = {}
        for u in body.get("dropped", []):
            dropped[str(u.get("group"))] = dropped.get(str(u.get("group")), 0) + 1
        out = []
        for p in body["passages"]:
            i = int(p["id"])
            src = pieces[i]
            facts = {"kind": self.kind,
                     "tokens_in": _count(tok, f"{src.title or ''}: {src.text}"),
                     "tokens_out": _count(tok, f"{p.get('title') or ''}: {p['text']}"),
                     "kept_units": units.get(p["id"], []), "dropped_units": dropped.get(p["id"], 0),
                     "call": stats}
            out.append(Pruned(i, p["text"], facts))
        return out

    def _from_prompt(self, i: int, piece: Piece, body: dict) -> Pruned | None:
        if not body.get("context", "").strip():
            return None
        stats = self._stats(body)
        facts = {"kind": self.kind, "tokens_in": stats.get("tokens_in"), "tokens_out": stats.get("tokens_out"),
                 "kept_units": [_unit(u) for u in body.get("kept", [])], "dropped_units": len(body.get("dropped", [])),
                 "call": stats}
        return Pruned(i, body["context"], facts)

    # ----------------------------------------------------------------- running
    @property
    def engine(self):
        if self._engine is None:
            from ctxprune.api import default_engine

            self._engine = default_engine()
        return self._engine

    def run(self, query: str, pieces: list[Piece]) -> list[Pruned]:
        if not pieces:
            return []
        reqs = self.requests(query, pieces)
        if self.url is None:
            bodies = [self.engine.prune_dict(self.kind, r) for r in reqs]
        else:
            with CtxPruneClient(self.url, api_key=self.api_key, timeout=self.timeout, typed=False) as c:
                bodies = [c.prune(self.kind, r) for r in reqs]
        return self.collect(pieces, bodies)

    async def arun(self, query: str, pieces: list[Piece]) -> list[Pruned]:
        if not pieces:
            return []
        reqs = self.requests(query, pieces)
        if self.url is None:  # CPU-bound scoring runs in a worker thread, off the event loop
            bodies = [await asyncio.to_thread(self.engine.prune_dict, self.kind, r) for r in reqs]
        else:
            async with AsyncCtxPruneClient(self.url, api_key=self.api_key, timeout=self.timeout, typed=False) as c:
                bodies = list(await asyncio.gather(*(c.prune(self.kind, r) for r in reqs)))
        return self.collect(pieces, bodies)
