"""Every error leaves as JSON naming the field and the problem; no stack trace reaches a client."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from ctxprune.errors import InvalidRequest, ModelUnavailable, UnknownComponent
from .security import BodyTooLarge, too_large_body

log = logging.getLogger(__name__)


def _loc(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) or "body"


def _detail(e) -> dict:
    if e.get("type") == "json_invalid":  # loc is ("body", <character offset>), not a field
        at = [p for p in e.get("loc", ()) if isinstance(p, int)]
        where = f" at character {at[0]}" if at else ""
        return {"field": "body", "message": f"malformed JSON{where}: {e.get('msg', '')}", "type": "json_invalid"}
    return {"field": _loc(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type", "")}


def validation_body(errors) -> dict:
    details = [_detail(e) for e in errors]
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5])
    return {"error": "invalid_request", "message": summary, "detail": details}


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _request_validation(_: Request, exc: RequestValidationError):
        return JSONResponse(status_code=422, content=validation_body(exc.errors()))

    @app.exception_handler(ValidationError)
    async def _model_validation(_: Request, exc: ValidationError):
        return JSONResponse(status_code=422, content=validation_body(exc.errors()))

    @app.exception_handler(BodyTooLarge)
    async def _too_large(_: Request, exc: BodyTooLarge):
        return JSONResponse(status_code=413, content=too_large_body(exc.limit), headers={"connection": "close"})

    @app.exception_handler(InvalidRequest)
    async def _invalid(_: Request, exc: InvalidRequest):
        return JSONResponse(status_code=422, content={"error": "invalid_request", "message": str(exc),
                                                      "detail": [{"field": exc.field, "message": exc.message}]})

    @app.exception_handler(UnknownComponent)
    async def _unknown(_: Request, exc: UnknownComponent):
        return JSONResponse(status_code=422, content={"error": "unknown_" + exc.what.replace(" ", "_"), "message": str(exc),
                                                      "detail": [{"field": exc.what, "message": str(exc)}], "valid": exc.valid})

    @app.exception_handler(ModelUnavailable)
    async def _model(_: Request, exc: ModelUnavailable):
        return JSONResponse(status_code=503, content={"error": "model_unavailable", "message": str(exc)})

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception):
        log.exception("unexpected error")
        return JSONResponse(status_code=500, content={"error": "internal", "message": type(exc).__name__})
