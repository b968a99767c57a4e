"""Request ids, structured JSON logs and per-route HTTP metrics (pure ASGI, outermost middleware).

Every request gets an id (the caller's ``X-Request-ID`` when it is sane, else a fresh one), which
is echoed in the response and attached to every log record written while the request runs. One
access line per request is logged with method, route, status and duration; never the body.
"""
from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ctxprune.metrics import HTTP_INFLIGHT, HTTP_LATENCY, HTTP_REQUESTS

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("ctxprune_request_id", default="-")
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_STD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id"}
access_log = logging.getLogger("ctxprune.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and any ``extra=`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
               "level": record.levelname.lower(), "logger": record.name, "msg": record.getMessage(),
               "request_id": getattr(record, "request_id", REQUEST_ID.get())}
        for k, v in vars(record).items():
            if k not in _STD_ATTRS and not k.startswith("_"):
                out[k] = v
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


def configure_logging(level: str = "info", fmt: str = "json") -> None:
    """Root logging to stderr (JSON or plain text); uvicorn's loggers propagate into it."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # replaced by ctxprune.access


def route_label(scope: Scope, known: set[str]) -> str:
    """The matched route template (bounded label set): the router's own after routing, else the path
    when it is a known route (e.g. refused with 401 before routing), else 'unmatched'."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path:
        return path
    return scope.get("path", "") if scope.get("path", "") in known else "unmatched"


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, router_app=None):
        self.app = app
        self.router_app = router_app  # the FastAPI app whose routes name the metric label
        self._known: set[str] | None = None

    def _known_paths(self) -> set[str]:
        if self._known is None:
            try:
                self._known = set(self.router_app.openapi().get("paths", {})) | {"/livez", "/readyz", "/metrics"}
            except Exception:  # the label falls back to 'unmatched'; never fail a request over it
                self._known = {"/livez", "/readyz", "/metrics"}
        return self._known

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _SANE_ID.match(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        method = scope.get("method", "")
        status = {"code": 500}
        t0 = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [(b"x-request-id", rid.encode())]
            await send(message)

        HTTP_INFLIGHT.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            HTTP_INFLIGHT.dec()
            dt = time.perf_counter() - t0
            route = route_label(scope, self._known_paths())
            HTTP_REQUESTS.labels(method=method, route=route, status=str(status["code"])).inc()
            HTTP_LATENCY.labels(method=method, route=route).observe(dt)
            access_log.info("request", extra={"request_id": rid, "method": method, "route": route, "path": scope.get("path", ""),
                                              "status": status["code"], "duration_ms": round(1000 * dt, 2),
                                              "client": (scope.get("client") or ("-",))[0]})
            REQUEST_ID.reset(token)
