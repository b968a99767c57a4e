"""Liveness, readiness and Prometheus metrics."""
from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..deps import EngineDep

router = APIRouter(tags=["health"])


@router.get("/livez")
def livez() -> dict:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(engine: EngineDep) -> JSONResponse:
    if not engine.ready:
        return JSONResponse(status_code=503, content={"status": "warming_up"})
    body = {"status": "ok", "cache": engine.cache.name}
    if engine.cache.name == "redis" and not engine.cache.ping():
        body.update(status="degraded", reason="redis unreachable: serving uncached")
    return JSONResponse(status_code=200, content=body)


@router.get("/metrics")
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
