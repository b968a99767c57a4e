"""Optional LLM-written column descriptions: one OpenAI-compatible chat call per table, cached.

Off unless ``CTXPRUNE_TABLE_DESCRIBER_URL`` is set. The table's title and, for every column, the
generated description (header, inferred type, a few example values; ``table_columns.describe``)
go into one prompt; the answer must be a JSON object mapping each column name to a one-line
description. Each usable description replaces the generated one as ``name: description`` (so
BM25, MiniLM and the column units read it); missing, unknown or unusable entries keep the
generated one. Answers are cached per table signature (title, headers, types, examples, model,
prompt version) in the engine's cache (Redis when configured), so a table seen before costs no
call. Any failure (timeout, refused connection, non-200, an answer that is not such a JSON
object) falls back to the generated descriptions and never fails the request; the outcome is
reported in ``stats.extra["column_descriptions"]`` and counted in
``ctxprune_table_descriptions_total``. After a transport failure the endpoint is skipped for
``retry_s`` seconds, so an outage costs one timeout, not one per request.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

from ctxprune.cache import Cache, MemoryCache, content_key
from ctxprune.config import Settings
from ctxprune.metrics import TABLE_DESCRIPTIONS
from ctxprune.pruners.table_columns import ColumnInfo
from ctxprune.pruners.table_parse import Table

log = logging.getLogger(__name__)

PROMPT_VERSION = "1"  # bump when the prompt changes: it is part of the cache key
MAX_COLUMNS = 100  # wider tables keep the generated descriptions (one prompt would be too long)
MAX_CHARS = 200  # a description longer than this (after joining its lines) is not used
GENERATED = "generated"

SYSTEM = ("You describe the columns of a table for a search system that picks the columns relevant to a "
          "question. Answer with one JSON object and nothing else: its keys are the column names exactly as "
          "given, its values one-line descriptions (at most 20 words) of what each column holds, with units "
          "when they are clear. Do not add columns.")


class DescriberError(Exception):
    """Why the LLM's descriptions could not be used; endpoint failures (not bad answers) open the breaker."""

    def __init__(self, reason: str, endpoint: bool = False):
        super().__init__(reason)
        self.reason, self.endpoint = reason, endpoint


@dataclass
class Described:
    cols: list[ColumnInfo]
    note: str  # what stats.extra["column_descriptions"] says
    cacheable: bool = True  # False after a failure: a result built on the fallback should not be cached


def column_labels(cols: list[ColumnInfo]) -> list[str]:
    """Unique keys the prompt and the answer use: the name, numbered when names repeat."""
    seen: dict[str, int] = {}
    for c in cols:
        seen[c.name] = seen.get(c.name, 0) + 1
    return [c.name if seen[c.name] == 1 else f"{c.name} (column {c.index + 1})" for c in cols]


def build_messages(title: str, cols: list[ColumnInfo], labels: list[str]) -> list[dict[str, str]]:
    lines = [f"- {json.dumps(label, ensure_ascii=False)}: {c.description.removeprefix(c.name + ': ')}"
             for c, label in zip(cols, labels)]
    user = (f"Table title: {title or '(none)'}\n"
            f"Columns (name: inferred type, e.g. example values):\n" + "\n".join(lines))
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```$")


def parse_answer(content: Any, labels: list[str]) -> dict[str, str]:
    """Usable descriptions by label from the model's answer text; raises DescriberError if there are none."""
    if not isinstance(content, str) or not content.strip():
        raise DescriberError("bad answer: empty")
    text = _FENCE.sub("", content.strip())
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        raise DescriberError("bad answer: no JSON object")
    try:
        obj = json.loads(text[start:end + 1])
    except ValueError:
        raise DescriberError("bad answer: invalid JSON") from None
    if not isinstance(obj, dict):
        raise DescriberError("bad answer: not a JSON object")
    folded = {k.strip().casefold(): v for k, v in obj.items()}
    out = {}
    for label in labels:
        v = obj.get(label, folded.get(label.strip().casefold()))
        if isinstance(v, str):
            line = " ".join(v.split())
            if 0 < len(line) <= MAX_CHARS:
                out[label] = line
    if not out:
        raise DescriberError("bad answer: no usable description for any column")
    return out


class LLMDescriber:
    """Asks an OpenAI-compatible ``/chat/completions`` endpoint for column descriptions (thread-safe)."""

    def __init__(self, url: str, model: str, api_key: str | None = None, timeout_s: float = 10.0,
                 cache: Cache | None = None, retry_s: float = 30.0):
        self.url = url.rstrip("/") + "/chat/completions"
        self.model, self.api_key, self.timeout_s, self.retry_s = model, api_key, timeout_s, retry_s
        self.cache = cache if cache is not None else MemoryCache(256)
        self._client = None
        self._lock = threading.Lock()
        self._down_until = 0.0

    @classmethod
    def from_settings(cls, settings: Settings, cache: Cache | None = None) -> "LLMDescriber | None":
        s = settings
        if not s.table_describer_url:
            return None
        return cls(s.table_describer_url, s.table_describer_model, s.table_describer_api_key,
                   s.table_describer_timeout_s, cache, s.table_describer_retry_s)

    @property
    def model_id(self) -> str:
        """What a cached pruning result depends on besides the scoring models."""
        return f"table-describer:{self.model}@{PROMPT_VERSION}"

    def describe(self, table: Table, cols: list[ColumnInfo]) -> Described:
        """The columns with the LLM's descriptions where usable; the generated ones on any failure."""
        if not cols:
            return Described(cols, GENERATED)
        if len(cols) > MAX_COLUMNS:
            TABLE_DESCRIPTIONS.labels(outcome="skipped").inc()
            return Described(cols, f"{GENERATED} (llm skipped: {len(cols)} columns, more than {MAX_COLUMNS})")
        labels = column_labels(cols)
        key = content_key("table-descriptions", PROMPT_VERSION, self.model, table.title,
                          [(c.name, c.kind, c.description) for c in cols])
        blob = self.cache.get(key)
        if blob is not None:
            try:
                found = json.loads(blob)
                TABLE_DESCRIPTIONS.labels(outcome="cached").inc()
                return self._apply(cols, labels, found)
            except (ValueError, TypeError, AttributeError):
                pass  # unreadable entry: ask again
        wait = self._down_until - time.monotonic()
        if wait > 0:
            TABLE_DESCRIPTIONS.labels(outcome="skipped").inc()
            return Described(cols, f"{GENERATED} (llm skipped for {wait:.0f}s more after a failure)", cacheable=False)
        try:
            found = parse_answer(self._ask(build_messages(table.title, cols, labels), len(cols)), labels)
        except DescriberError as exc:
            TABLE_DESCRIPTIONS.labels(outcome="failed").inc()
            if exc.endpoint:
                self._down_until = time.monotonic() + self.retry_s
            log.warning("table describer failed, generated descriptions used: %s", exc.reason)
            return Described(cols, f"{GENERATED} (llm failed: {exc.reason})", cacheable=False)
        self._down_until = 0.0
        self.cache.set(key, json.dumps(found, ensure_ascii=False).encode())
        TABLE_DESCRIPTIONS.labels(outcome="llm").inc()
        return self._apply(cols, labels, found)

    @staticmethod
    def _apply(cols: list[ColumnInfo], labels: list[str], found: dict[str, str]) -> Described:
        out = [replace(c, description=f"{c.name}: {found[label]}") if isinstance(found.get(label), str) else c
               for c, label in zip(cols, labels)]
        k = sum(isinstance(found.get(label), str) for label in labels)
        if k == 0:
            return Described(cols, GENERATED)
        note = "llm" if k == len(cols) else f"llm ({k} of {len(cols)} columns, the rest generated)"
        return Described(out, note)

    def _http(self):
        with self._lock:
            if self._client is None:
                import httpx

                self._client = httpx.Client(timeout=self.timeout_s)
            return self._client

    def _ask(self, messages: list[dict[str, str]], n_cols: int) -> Any:
        try:
            import httpx
        except ImportError:
            raise DescriberError("httpx is not installed (the 'service' extra)") from None
        headers = {"content-type": "application/json"}
        if self.api_key:
            headers["authorization"] = f"Bearer {self.api_key}"
        body = {"model": self.model, "messages": messages, "temperature": 0,
                "max_tokens": min(4096, 64 + 48 * n_cols)}
        try:
            r = self._http().post(self.url, json=body, headers=headers)
        except httpx.TimeoutException:
            raise DescriberError(f"timeout after {self.timeout_s:g}s", endpoint=True) from None
        except httpx.HTTPError as exc:
            raise DescriberError(f"unreachable ({type(exc).__name__})", endpoint=True) from None
        if r.status_code != 200:  # 5xx and 429, but also 401 / 404 (key, model), which won't mend by themselves soon
            raise DescriberError(f"HTTP {r.status_code}", endpoint=True)
        try:
            return r.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise DescriberError("bad answer: not a chat completion") from None
