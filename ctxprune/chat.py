"""Prune the documents inside an OpenAI chat request, each with the kind that fits.

What is pruned: long blocks inside user messages and tool/function results, against the latest
user question. Never touched: system/developer/assistant messages, the question itself (the last
paragraph of the latest user message), and blocks under ``min_tokens``. Each block is classified
(``ctxprune.detect``): prose goes to ``passages`` (one passage per paragraph, consecutive prose
paragraphs pruned together), tables to ``table``, accessibility trees to ``axtree`` — whichever of
those kinds is registered; an unregistered kind falls back to ``passages``. Pruning is fail-open:
a block whose pruning fails is forwarded unchanged and counted.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ctxprune.contract import Budget
from ctxprune.detect import Block, csv_dialect, detect_kind, is_markdown_table, split_blocks
from ctxprune.metrics import PROXY_BLOCKS, PROXY_TOKENS_IN, PROXY_TOKENS_OUT
from ctxprune.pruners import available_kinds, pruner_class

log = logging.getLogger(__name__)
PRUNED_ROLES = ("user", "tool", "function")
ProxyKind = Literal["auto", "passages", "table", "axtree"]


class MessageOptions(BaseModel):
    """Per-message switch: ``{"enabled": false}``, or a kind and budget for this message's documents."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    kind: ProxyKind = "auto"
    budget: Budget | None = None


class ProxyOptions(MessageOptions):
    """The request's ``ctxprune`` field (removed before forwarding)."""

    min_tokens: int | None = Field(None, ge=1, le=1_000_000, description="blocks shorter than this stay as they are")
    messages: dict[int, MessageOptions] = Field(default_factory=dict, max_length=4096,
                                                description="options by message index, over the request-wide ones")


@dataclass
class ChatReport:
    tokens_in: int = 0
    tokens_out: int = 0
    blocks: list[dict[str, Any]] = field(default_factory=list)  # kind, tokens in/out, outcome per block


def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n\n".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def split_question(text: str) -> tuple[str, str]:
    """(documents, question): the question is the last paragraph of the latest user message."""
    blocks = [b for b in split_blocks(text) if b.text]
    if len(blocks) <= 1:
        return "", text.strip()
    q = blocks[-1].text
    return text[: text.rfind(q)], q


class ChatPruner:
    def __init__(self, engine, ratio: float = 0.5, min_tokens: int = 200):
        self.engine = engine
        self.count = engine.counter.count
        self.default_budget = Budget(ratio=ratio)
        self.min_tokens = min_tokens

    def prune(self, messages: list[dict[str, Any]], opts: ProxyOptions, per_message: dict[int, MessageOptions]) -> ChatReport:
        """Rewrite ``messages`` in place; returns what was pruned."""
        report = ChatReport()
        users = [i for i, m in enumerate(messages) if m.get("role") == "user"]
        if not opts.enabled or not users:
            return report
        qi = users[-1]
        _, question = split_question(text_of(messages[qi].get("content")))
        if not question.strip():
            return report
        min_tokens = opts.min_tokens or self.min_tokens
        for i, m in enumerate(messages):
            mo = per_message.get(i) or opts.messages.get(i) or opts
            if m.get("role") not in PRUNED_ROLES or not mo.enabled:
                continue
            budget, kind = mo.budget or opts.budget or self.default_budget, mo.kind if mo.kind != "auto" else opts.kind
            content = m.get("content")
            if isinstance(content, str):
                m["content"] = self._text(content, question, kind, budget, min_tokens, i == qi, report)
            elif isinstance(content, list):
                texts = [j for j, p in enumerate(content) if isinstance(p, dict) and p.get("type") == "text"]
                for j in texts:
                    hold = i == qi and j == texts[-1]
                    content[j]["text"] = self._text(content[j].get("text", ""), question, kind, budget, min_tokens,
                                                    hold, report)
        return report

    # ------------------------------------------------------------------ one text
    def _text(self, text: str, question: str, kind: str, budget: Budget, min_tokens: int, holds_question: bool,
              report: ChatReport) -> str:
        if not isinstance(text, str) or self.count(text) < min_tokens:
            return text
        tail = ""
        if holds_question:
            docs, _ = split_question(text)
            text, tail = docs, text[len(docs):]
            if self.count(text) < min_tokens:
                return text + tail
        blocks = split_blocks(text)
        if kind != "auto":  # the caller chose the kind: the whole text is one document of that kind
            whole = Block(text, "")
            return self._group(kind, [whole], question, budget, report) + tail
        out, prose = [], []
        for b in blocks:
            k = detect_kind(b.body) if b.text else "passages"
            if k == "passages" or not b.text:
                prose.append(b)
                continue
            out.append(self._prose(prose, question, budget, min_tokens, report))
            prose = []
            body = b.body
            if self.count(body) >= min_tokens:
                body = self._group(k, [Block(body, "")], question, budget, report)
            out.append(b.rewrap(body) + b.sep)
        out.append(self._prose(prose, question, budget, min_tokens, report))
        return "".join(out) + tail

    def _prose(self, blocks: list[Block], question: str, budget: Budget, min_tokens: int, report: ChatReport) -> str:
        """Consecutive prose paragraphs, pruned together as passages; the layout after them is kept."""
        raw = "".join(b.text + b.sep for b in blocks)
        paras = [b for b in blocks if b.text]
        if not paras or self.count(raw) < min_tokens:
            return raw
        lead = "".join(b.sep for b in blocks if not b.text)
        return lead + self._group("passages", paras, question, budget, report) + paras[-1].sep

    def _group(self, kind: str, blocks: list[Block], question: str, budget: Budget, report: ChatReport) -> str:
        """Prune one document (a group of blocks) with one kind; the original text when it fails."""
        original = "\n\n".join(b.text for b in blocks)
        wanted, kind = kind, kind if kind in available_kinds() else "passages"
        tokens_in = self.count(original)
        try:
            if wanted != kind:  # a table or tree without its pruner: its lines are the passages
                new = self._lines(original, question, budget, header=2 if is_markdown_table(original) else 1)
            else:
                new = self._run(kind, blocks, question, budget)
            outcome = "pruned"
        except Exception as exc:  # fail open: a block we cannot prune goes out as it came
            # no message text: a validation error quotes the input, and logs carry no request content
            where = [".".join(map(str, e.get("loc", ()))) for e in exc.errors()][:5] if hasattr(exc, "errors") else []
            log.warning("proxy could not prune a %s block, forwarding it unchanged: %s %s", kind, type(exc).__name__,
                        where)
            new, outcome = original, "error"
        tokens_out = self.count(new)
        report.tokens_in += tokens_in
        report.tokens_out += tokens_out
        report.blocks.append({"kind": kind, "tokens_in": tokens_in, "tokens_out": tokens_out, "outcome": outcome})
        PROXY_BLOCKS.labels(kind=kind, outcome=outcome).inc()
        PROXY_TOKENS_IN.inc(tokens_in)
        PROXY_TOKENS_OUT.inc(tokens_out)
        return new

    def _run(self, kind: str, blocks: list[Block], question: str, budget: Budget) -> str:
        b = budget.model_dump(exclude_none=True)
        if kind == "passages":
            req = {"query": question, "budget": b,
                   "passages": [{"id": f"p{j}", "text": blk.text} for j, blk in enumerate(blocks)]}
            res = self.engine.prune("passages", req)
            return "\n\n".join(p.text for p in res.passages)
        text = "\n\n".join(blk.text for blk in blocks)
        if kind == "axtree":
            return self.engine.prune("axtree", {"goal": question, "axtree": text, "budget": b}).axtree
        if kind == "table":
            return self._table(text, question, b)
        raise ValueError(f"the proxy does not prune kind {kind!r}")

    def _lines(self, text: str, question: str, budget: Budget, header: int) -> str:
        """Line-level passages pruning, the header lines kept: the fallback for structured blocks."""
        lines = [ln for ln in text.split("\n") if ln.strip()]
        keep = [ln for ln in lines[:header] if ln.strip()]
        req = {"query": question, "budget": budget.model_dump(exclude_none=True), "keep": keep,
               "passages": [{"id": f"l{j}", "text": ln} for j, ln in enumerate(lines)]}
        res = self.engine.prune("passages", req)
        kept = {p.id for p in res.passages}
        return "\n".join(ln for j, ln in enumerate(lines) if f"l{j}" in kept)

    def _table(self, text: str, question: str, budget: dict) -> str:
        fields = pruner_class("table").request_model.model_fields
        delim = None if is_markdown_table(text) else csv_dialect(text)
        if delim == "\t":
            import csv
            import io

            rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
            table: dict[str, Any] = {"columns": rows[0], "rows": rows[1:]}
        else:
            table = {"markdown": text} if delim is None else {"csv": text}
        req: dict[str, Any] = {"query": question, "table": table, "budget": budget}
        if "format" in fields:
            req["format"] = "csv" if delim == "," else "markdown"
        res = self.engine.prune("table", req)
        rendered = getattr(res, "rendered", None)
        if isinstance(rendered, str) and rendered:
            return rendered
        t = res.table
        cols, rows = (t.columns, t.rows) if hasattr(t, "columns") else (t["columns"], t["rows"])
        head = "| " + " | ".join(str(c) for c in cols) + " |"
        return "\n".join([head, "|" + "---|" * len(cols), *("| " + " | ".join("" if c is None else str(c) for c in r) + " |"
                                                            for r in rows)])
