"""Typed HTTP client for the ctxprune sidecar, sync (``CtxPruneClient``) and async (``AsyncCtxPruneClient``).

One method per route: ``prune(kind, ...)`` for every ``POST /v1/prune/<kind>``, a helper per kind
(``passages``, ``table``, ``axtree``, ``memory``, ``prompt``), the OpenAI-compatible proxy
(``chat_completions``, ``stream_chat_completions``), and the probes (``livez``, ``readyz``,
``metrics``, ``kinds``). Results are the kind's pydantic result model when that kind is importable
here (``typed=True``), else the JSON dict. A 4xx/5xx answer raises a ``CtxPruneAPIError`` subclass
that carries the server's JSON ``message`` and per-field ``detail``.

    with CtxPruneClient("http://127.0.0.1:8000", api_key="...") as c:
        r = c.passages("capital of Poland?", ["Warsaw is the capital of Poland.", "Bananas are yellow."],
                       budget=0.5)
        print(r.stats.tokens_in, r.stats.tokens_out)

The async client has the same methods; await them.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Iterator, Mapping

import httpx
from pydantic import BaseModel

from ctxprune.errors import CtxPruneError

BudgetLike = Any  # Budget | {"ratio": r} | {"max_tokens": n} | float (ratio) | int (max_tokens) | None (adaptive)


# ------------------------------------------------------------------------------------------- errors
class CtxPruneConnectionError(CtxPruneError, ConnectionError):
    """The sidecar could not be reached (or the connection broke / timed out)."""


class CtxPruneAPIError(CtxPruneError):
    """The sidecar answered with an error status; ``message`` and ``detail`` are the server's own."""

    def __init__(self, status: int, error: str, message: str, detail: Any = None, body: Any = None):
        super().__init__(f"HTTP {status} {error}: {message}")
        self.status, self.error, self.message, self.detail, self.body = status, error, message, detail, body

    @property
    def fields(self) -> list[str]:
        """The request fields the server named (422)."""
        return [d.get("field", "") for d in self.detail or [] if isinstance(d, dict)]


class InvalidRequestError(CtxPruneAPIError):
    """400/422: the request was refused; ``fields`` names the culprits."""


class AuthenticationError(CtxPruneAPIError):
    """401/403: missing or wrong API key."""


class NotFoundError(CtxPruneAPIError):
    """404: no such route (e.g. a kind this server does not serve)."""


class PayloadTooLargeError(CtxPruneAPIError):
    """413: the body is over the server's limit."""


class ServiceUnavailableError(CtxPruneAPIError):
    """503: warming up, a model is unavailable, or the proxy has no upstream."""


class UpstreamError(CtxPruneAPIError):
    """502/504: the proxy could not get an answer from its upstream."""


class ServerError(CtxPruneAPIError):
    """Any other 5xx."""


_BY_STATUS = {400: InvalidRequestError, 422: InvalidRequestError, 401: AuthenticationError, 403: AuthenticationError,
              404: NotFoundError, 405: NotFoundError, 413: PayloadTooLargeError, 502: UpstreamError, 504: UpstreamError,
              503: ServiceUnavailableError}


def error_from_response(status: int, content: bytes) -> CtxPruneAPIError:
    try:
        body = json.loads(content)
    except ValueError:
        body = content.decode("utf-8", "replace")[:2000]
    error, message, detail = "http_error", str(body), None
    if isinstance(body, dict):
        error = str(body.get("error") or error)
        raw = body.get("detail")
        message = str(body.get("message") or (raw if isinstance(raw, str) else "") or body)
        detail = raw if isinstance(raw, list) else None
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else CtxPruneAPIError)
    return cls(status, error, message, detail, body)


# ------------------------------------------------------------------------------------------- payloads
def budget_payload(budget: BudgetLike) -> dict | None:
    """``0.3`` -> ``{"ratio": 0.3}``; ``500`` -> ``{"max_tokens": 500}``; a Budget or dict as given."""
    if budget is None or isinstance(budget, dict):
        return budget
    if isinstance(budget, BaseModel):
        return budget.model_dump(mode="json", exclude_none=True)
    if isinstance(budget, bool):
        raise TypeError("budget must be a ratio (float), max_tokens (int), a dict or a Budget")
    if isinstance(budget, int):
        return {"max_tokens": budget}
    if isinstance(budget, float):
        return {"ratio": budget}
    raise TypeError(f"budget must be a ratio (float), max_tokens (int), a dict or a Budget, not {type(budget).__name__}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_unset=True)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def build_payload(request: Any = None, **fields: Any) -> dict:
    """A request model or dict, overlaid with keyword fields; ``None`` fields are left out."""
    payload = dict(_jsonable(request) or {})
    for k, v in fields.items():
        if v is None:
            continue
        payload[k] = budget_payload(v) if k == "budget" else _jsonable(v)
    return payload


def result_model(kind: str) -> type[BaseModel] | None:
    """The kind's result model when the kind is registered in this installation, else None."""
    try:
        from ctxprune.pruners import pruner_class

        return pruner_class(kind).result_model
    except Exception:  # unknown here (a newer server), or its module cannot be imported
        return None


@dataclass
class ChatResponse:
    """The upstream's answer through the proxy, plus the pruning figures from the x-ctxprune-* headers."""

    status: int
    body: dict
    headers: dict[str, str] = field(default_factory=dict)

    def _int(self, name: str) -> int | None:
        v = self.headers.get(name)
        return int(v) if v is not None and v.strip().lstrip("-").isdigit() else None

    @property
    def tokens_in(self) -> int | None:
        return self._int("x-ctxprune-tokens-in")

    @property
    def tokens_out(self) -> int | None:
        return self._int("x-ctxprune-tokens-out")

    @property
    def kinds(self) -> list[str]:
        v = self.headers.get("x-ctxprune-kinds", "-")
        return [] if v in ("", "-") else v.split(",")

    @property
    def content(self) -> str | None:
        try:
            return self.body["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            return None


def _sse_events(lines) -> Iterator[dict]:
    for line in lines:
        if line.startswith("data:"):
            data = line[5:].strip()
            if data and data != "[DONE]":
                yield json.loads(data)


# ------------------------------------------------------------------------------------------- clients
class _Base:
    def __init__(self, url: str, *, api_key: str | None = None, timeout: float = 120.0, typed: bool = True,
                 headers: Mapping[str, str] | None = None, http_client=None):
        self.url = url.rstrip("/")
        self.typed = typed
        hdrs = dict(headers or {})
        if api_key:
            hdrs["Authorization"] = f"Bearer {api_key}"
        self._headers = hdrs
        self._timeout = timeout
        self._http = http_client
        self._own_http = http_client is None

    def _parse(self, kind: str, body: dict):
        model = result_model(kind) if self.typed else None
        return model.model_validate(body) if model is not None else body

    @staticmethod
    def _check(resp: httpx.Response) -> httpx.Response:
        if resp.status_code >= 400:
            raise error_from_response(resp.status_code, resp.content)
        return resp

    # kind helpers: build the payload and call ``prune`` (a coroutine in the async client)
    def passages(self, query: str, passages: list, *, budget: BudgetLike = None, keep: list[str] | None = None,
                 scorer: str | None = None, **options: Any):
        """``passages``: strings, dicts ``{"id"?, "title"?, "text"}`` or Passage models."""
        ps = [{"text": p} if isinstance(p, str) else p for p in passages]
        return self.prune("passages", query=query, passages=ps, budget=budget, keep=keep, scorer=scorer, **options)

    def table(self, query: str, table: Any, *, budget: BudgetLike = None, keep: list[str] | None = None,
              scorer: str | None = None, format: str | None = None, **options: Any):
        """``table``: ``{"columns", "rows"}`` | ``{"records"}`` | ``{"csv"}`` | ``{"markdown"}`` (+ ``"title"``)."""
        return self.prune("table", query=query, table=table, budget=budget, keep=keep, scorer=scorer, format=format,
                          **options)

    def axtree(self, goal: str, axtree: Any, *, previous_actions: list[str] | None = None, budget: BudgetLike = None,
               keep: list[str] | None = None, scorer: str | None = None, **options: Any):
        """``axtree``: the AXTree text (one node per line) or its nested JSON form."""
        return self.prune("axtree", goal=goal, axtree=axtree, previous_actions=previous_actions, budget=budget,
                          keep=keep, scorer=scorer, **options)

    def memory(self, query: str, sessions: list, *, query_time: str | None = None, budget: BudgetLike = None,
               keep: list[str] | None = None, scorer: str | None = None, **options: Any):
        """``sessions``: ``[{"id", "time", "turns": [{"id", "speaker", "text"}]}]``."""
        return self.prune("memory", query=query, sessions=sessions, query_time=query_time, budget=budget, keep=keep,
                          scorer=scorer, **options)

    def prompt(self, context: str, *, instruction: str | None = None, question: str | None = None,
               budget: BudgetLike = None, keep: list[str] | None = None, scorer: str | None = None, **options: Any):
        return self.prune("prompt", context=context, instruction=instruction, question=question, budget=budget,
                          keep=keep, scorer=scorer, **options)


class CtxPruneClient(_Base):
    """Synchronous client. ``http_client`` may be any ``httpx.Client`` (a FastAPI TestClient works too)."""

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(base_url=self.url, timeout=self._timeout)
        return self._http

    def _request(self, method: str, path: str, **kw) -> httpx.Response:
        try:
            resp = self._client().request(method, self.url + path, headers=self._headers | kw.pop("headers", {}), **kw)
        except httpx.TransportError as exc:
            raise CtxPruneConnectionError(f"{method} {self.url}{path}: {type(exc).__name__}: {exc}") from exc
        return self._check(resp)

    def prune(self, kind: str, request: Any = None, **fields: Any):
        """``POST /v1/prune/<kind>`` with a request model or dict, and/or keyword fields."""
        body = self._request("POST", f"/v1/prune/{kind}", json=build_payload(request, **fields)).json()
        return self._parse(kind, body)

    def chat_completions(self, request: Any = None, *, headers: Mapping[str, str] | None = None, **fields: Any) -> ChatResponse:
        """``POST /v1/chat/completions`` (non-streaming) through the pruning proxy."""
        payload = build_payload(request, **fields)
        payload.pop("stream", None)
        resp = self._request("POST", "/v1/chat/completions", json=payload, headers=dict(headers or {}))
        return ChatResponse(resp.status_code, resp.json(), dict(resp.headers))

    def stream_chat_completions(self, request: Any = None, *, headers: Mapping[str, str] | None = None,
                                **fields: Any) -> Iterator[dict]:
        """Streaming chat completion: yields the upstream's chunk objects."""
        payload = build_payload(request, **fields) | {"stream": True}
        try:
            with self._client().stream("POST", self.url + "/v1/chat/completions", json=payload,
                                       headers=self._headers | dict(headers or {})) as resp:
                if resp.status_code >= 400:
                    raise error_from_response(resp.status_code, resp.read())
                yield from _sse_events(resp.iter_lines())
        except httpx.TransportError as exc:
            raise CtxPruneConnectionError(f"POST {self.url}/v1/chat/completions: {type(exc).__name__}") from exc

    def livez(self) -> dict:
        return self._request("GET", "/livez").json()

    def readyz(self) -> dict:
        return self._request("GET", "/readyz").json()

    def metrics(self) -> str:
        return self._request("GET", "/metrics").text

    def kinds(self) -> list[str]:
        """Kinds this server prunes (from its OpenAPI schema)."""
        paths = self._request("GET", "/openapi.json").json().get("paths", {})
        return sorted(p.rsplit("/", 1)[1] for p in paths if p.startswith("/v1/prune/"))

    def wait_ready(self, timeout_s: float = 120.0, interval_s: float = 0.2) -> dict:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return self.readyz()
            except (ServiceUnavailableError, CtxPruneConnectionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(interval_s)

    def close(self) -> None:
        if self._own_http and self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> "CtxPruneClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class AsyncCtxPruneClient(_Base):
    """Asynchronous client (``httpx.AsyncClient``); every method of ``CtxPruneClient``, awaited."""

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(base_url=self.url, timeout=self._timeout)
        return self._http

    async def _request(self, method: str, path: str, **kw) -> httpx.Response:
        try:
            resp = await self._client().request(method, self.url + path,
                                                headers=self._headers | kw.pop("headers", {}), **kw)
        except httpx.TransportError as exc:
            raise CtxPruneConnectionError(f"{method} {self.url}{path}: {type(exc).__name__}: {exc}") from exc
        return self._check(resp)

    async def prune(self, kind: str, request: Any = None, **fields: Any):
        resp = await self._request("POST", f"/v1/prune/{kind}", json=build_payload(request, **fields))
        return self._parse(kind, resp.json())

    async def chat_completions(self, request: Any = None, *, headers: Mapping[str, str] | None = None,
                               **fields: Any) -> ChatResponse:
        payload = build_payload(request, **fields)
        payload.pop("stream", None)
        resp = await self._request("POST", "/v1/chat/completions", json=payload, headers=dict(headers or {}))
        return ChatResponse(resp.status_code, resp.json(), dict(resp.headers))

    async def stream_chat_completions(self, request: Any = None, *, headers: Mapping[str, str] | None = None,
                                      **fields: Any) -> AsyncIterator[dict]:
        payload = build_payload(request, **fields) | {"stream": True}
        try:
            async with self._client().stream("POST", self.url + "/v1/chat/completions", json=payload,
                                             headers=self._headers | dict(headers or {})) as resp:
                if resp.status_code >= 400:
                    raise error_from_response(resp.status_code, await resp.aread())
                async for line in resp.aiter_lines():
                    for event in _sse_events([line]):
                        yield event
        except httpx.TransportError as exc:
            raise CtxPruneConnectionError(f"POST {self.url}/v1/chat/completions: {type(exc).__name__}") from exc

    async def livez(self) -> dict:
        return (await self._request("GET", "/livez")).json()

    async def readyz(self) -> dict:
        return (await self._request("GET", "/readyz")).json()

    async def metrics(self) -> str:
        return (await self._request("GET", "/metrics")).text

    async def kinds(self) -> list[str]:
        paths = (await self._request("GET", "/openapi.json")).json().get("paths", {})
        return sorted(p.rsplit("/", 1)[1] for p in paths if p.startswith("/v1/prune/"))

    async def aclose(self) -> None:
        if self._own_http and self._http is not None:
            await self._http.aclose()
            self._http = None

    async def __aenter__(self) -> "AsyncCtxPruneClient":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()
