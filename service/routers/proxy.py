"""``POST /v1/chat/completions``: an OpenAI-compatible proxy that prunes the documents first.

The request is validated loosely (OpenAI fields pass through untouched), its documents are pruned
(``ctxprune.chat``) off the event loop, and it is forwarded to ``CTXPRUNE_UPSTREAM_URL``. The
upstream answer comes back unchanged, status and body, streaming (SSE) included; the pruning
figures ride along in ``x-ctxprune-*`` response headers. Switch pruning off per request with
``"ctxprune": {"enabled": false}`` or the header ``x-ctxprune: off``.
"""
from __future__ import annotations

import json
import logging
from typing import Any

import anyio
import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from typing_extensions import Annotated
from starlette.background import BackgroundTask

from ctxprune.chat import ChatPruner, ChatReport, MessageOptions, ProxyOptions
from ctxprune.metrics import PROXY_REQUESTS
from ..deps import EngineDep, SettingsDep

log = logging.getLogger(__name__)
router = APIRouter(tags=["proxy"])
MAX_CONTENT_CHARS = 8_000_000
PASSED_BACK = ("content-type", "cache-control", "openai-model", "openai-processing-ms", "openai-version",
               "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-limit-tokens",
               "x-ratelimit-remaining-tokens")


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str = Field(..., min_length=1, max_length=64)
    content: Annotated[str, StringConstraints(max_length=MAX_CONTENT_CHARS)] | \
        Annotated[list[dict[str, Any]], Field(max_length=1024)] | None = None
    ctxprune: MessageOptions | None = Field(None, description="per-message pruning options (not forwarded)")


class ChatRequest(BaseModel):
    """An OpenAI chat completion request; fields not named here are forwarded as they are."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(..., min_length=1, max_length=256)
    messages: list[ChatMessage] = Field(..., min_length=1, max_length=4096)
    stream: bool = False
    ctxprune: ProxyOptions | None = Field(None, description="pruning options for this request (not forwarded)")


def _error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": code, "message": message}, headers=headers)


def _report_headers(report: ChatReport) -> dict[str, str]:
    return {"x-ctxprune-tokens-in": str(report.tokens_in), "x-ctxprune-tokens-out": str(report.tokens_out),
            "x-ctxprune-blocks": str(len(report.blocks)),
            "x-ctxprune-kinds": ",".join(sorted({b["kind"] for b in report.blocks})) or "-"}


def _prune(engine, settings, body: ChatRequest, switched_off: bool) -> tuple[dict[str, Any], ChatReport]:
    payload = body.model_dump(mode="json", exclude_unset=True,
                              exclude={"ctxprune": True, "messages": {"__all__": {"ctxprune"}}})
    opts = body.ctxprune or ProxyOptions()
    if switched_off:
        opts = opts.model_copy(update={"enabled": False})
    per_message = {i: m.ctxprune for i, m in enumerate(body.messages) if m.ctxprune is not None}
    s = settings
    report = ChatPruner(engine, ratio=s.proxy_ratio, min_tokens=s.proxy_min_tokens).prune(payload["messages"], opts,
                                                                                         per_message)
    return payload, report


@router.post("/v1/chat/completions", summary="OpenAI-compatible chat completions, documents pruned first",
             responses={200: {"description": "the upstream's answer, unchanged (JSON, or text/event-stream when streaming)"},
                        502: {"description": "the upstream could not be reached"},
                        503: {"description": "no upstream is configured (CTXPRUNE_UPSTREAM_URL)"}})
async def chat_completions(body: ChatRequest, request: Request, engine: EngineDep, settings: SettingsDep) -> Response:
    if not settings.upstream_url:
        return _error(503, "upstream_not_configured", "set CTXPRUNE_UPSTREAM_URL to use the proxy")
    off = request.headers.get("x-ctxprune", "").strip().lower() in ("off", "0", "false", "no")
    payload, report = await anyio.to_thread.run_sync(_prune, engine, settings, body, off, limiter=request.app.state.limiter)
    ours = _report_headers(report)
    headers = {"content-type": "application/json", "accept-encoding": "identity",
               "x-request-id": getattr(request.state, "request_id", "-")}
    if settings.upstream_api_key:
        headers["authorization"] = f"Bearer {settings.upstream_api_key}"
    client: httpx.AsyncClient = request.app.state.upstream
    url = settings.upstream_url.rstrip("/") + "/chat/completions"
    stream = bool(payload.get("stream"))
    try:
        upstream = await client.send(client.build_request("POST", url, content=json.dumps(payload).encode(),
                                                          headers=headers), stream=True)
    except httpx.HTTPError as exc:
        PROXY_REQUESTS.labels(stream=str(stream).lower(), status="502").inc()
        log.warning("upstream unreachable: %s", type(exc).__name__)
        return _error(502, "upstream_unavailable", f"could not reach the upstream: {type(exc).__name__}", **ours)
    PROXY_REQUESTS.labels(stream=str(stream).lower(), status=str(upstream.status_code)).inc()
    back = {k: v for k, v in upstream.headers.items() if k.lower() in PASSED_BACK} | ours
    if stream and upstream.status_code < 400:
        return StreamingResponse(upstream.aiter_bytes(), status_code=upstream.status_code, headers=back,
                                 media_type=upstream.headers.get("content-type", "text/event-stream"),
                                 background=BackgroundTask(upstream.aclose))
    try:
        content = await upstream.aread()
    except httpx.HTTPError as exc:
        return _error(502, "upstream_unavailable", f"the upstream answer broke off: {type(exc).__name__}", **ours)
    finally:
        await upstream.aclose()
    return Response(content=content, status_code=upstream.status_code, headers=back)
