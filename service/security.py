"""API-key auth and the request-body limit (pure ASGI middleware).

Auth: when keys are configured, every route except the probes and metrics needs
``Authorization: Bearer <key>`` or ``X-API-Key: <key>``; keys are compared in constant time.
Body limit: a declared ``Content-Length`` over the limit is refused before reading; otherwise the
bytes are counted as they stream in (chunked bodies included) and the read fails with 413 the
moment the count passes the limit.
"""
from __future__ import annotations

import hmac
import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ctxprune.metrics import AUTH_FAILURES, BODY_REJECTED

OPEN_PATHS = frozenset({"/livez", "/readyz", "/metrics"})


def is_open(path: str) -> bool:
    """Probes, metrics, and the playground page with its static assets (it holds no data; every
    route it calls needs a key)."""
    from .routers.ui import is_ui_path

    return path in OPEN_PATHS or is_ui_path(path)


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int):
        super().__init__(status_code=413, detail=f"request body is larger than {limit} bytes")
        self.limit = limit


def too_large_body(limit: int) -> dict:
    return {"error": "body_too_large", "message": f"request body is larger than {limit} bytes (CTXPRUNE_MAX_BODY_BYTES)",
            "detail": [{"field": "body", "message": f"larger than {limit} bytes"}]}


async def _send_json(send: Send, status: int, body: dict, headers: list[tuple[bytes, bytes]] = ()) -> None:
    raw = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": raw})


def key_matches(given: str, keys: list[bytes]) -> bool:
    g = given.encode()
    ok = False
    for k in keys:  # look at every key, so timing says nothing about which one is close
        ok |= hmac.compare_digest(g, k)
    return ok


def presented_key(headers: dict[bytes, bytes]) -> str | None:
    auth = headers.get(b"authorization", b"").decode("latin-1").strip()
    if auth[:7].lower() == "bearer " and auth[7:].strip():
        return auth[7:].strip()
    xkey = headers.get(b"x-api-key", b"").decode("latin-1").strip()
    return xkey or None


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, api_keys: list[str], max_body_bytes: int):
        self.app = app
        self.keys = [k.encode() for k in api_keys]
        self.limit = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if self.keys and not is_open(scope.get("path", "")):
            key = presented_key(headers)
            if key is None or not key_matches(key, self.keys):
                AUTH_FAILURES.labels(reason="missing" if key is None else "wrong").inc()
                await _send_json(send, 401, {"error": "unauthorized",
                                             "message": "missing or wrong API key: send 'Authorization: Bearer <key>' "
                                                        "or 'X-API-Key: <key>'"},
                                 [(b"www-authenticate", b'Bearer realm="ctxprune"')])
                return
        declared = headers.get(b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.limit:
            BODY_REJECTED.inc()
            await _send_json(send, 413, too_large_body(self.limit), [(b"connection", b"close")])
            return
        await self.app(scope, self._counting(receive), send)

    def _counting(self, receive: Receive) -> Receive:
        seen = 0
        limit = self.limit

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    BODY_REJECTED.inc()
                    raise BodyTooLarge(limit)
            return message

        return counted
