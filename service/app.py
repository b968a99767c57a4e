"""The FastAPI app factory. The lifespan builds the engine, the bounded worker pool and the upstream
client, and warms the models off the event loop. Middleware (outermost first): request id, JSON
access log and HTTP metrics; then API-key auth and the streaming body limit."""
from __future__ import annotations

import asyncio
import gc
import logging
from contextlib import asynccontextmanager

import anyio
import httpx
from fastapi import FastAPI

import ctxprune
from ctxprune.api import Engine
from ctxprune.config import Settings, get_settings
from . import errors
from .observability import ObservabilityMiddleware
from .routers import health, prune, proxy, ui
from .security import SecurityMiddleware

log = logging.getLogger("ctxprune.service")


def _warm_up(engine: Engine) -> None:
    engine.warm_up()
    # the models' millions of objects live as long as the server: keep them out of the cyclic
    # collector's full passes, which otherwise add 100-300 ms pauses to requests on large inputs
    # (process-wide and permanent, so the server does it, not the library)
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or (engine.settings if engine is not None else get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.engine = engine or Engine(settings)
        app.state.settings = settings
        # model calls run in at most pool_size threads; the rest wait their turn off the event loop
        app.state.limiter = anyio.CapacityLimiter(settings.pool_size)
        app.state.upstream = httpx.AsyncClient(timeout=httpx.Timeout(settings.upstream_timeout_s, connect=10.0),
                                               limits=httpx.Limits(max_connections=256, max_keepalive_connections=64))
        task = None
        if settings.warm_up_on_start:
            # readiness stays 503 until this finishes; liveness answers meanwhile
            task = asyncio.create_task(asyncio.to_thread(_warm_up, app.state.engine))
        else:
            app.state.engine.ready = True
        yield
        if task is not None and not task.done():
            task.cancel()
        await app.state.upstream.aclose()

    app = FastAPI(title="ctxprune", version=ctxprune.__version__, lifespan=lifespan,
                  description="Query-aware context pruning for LLM inputs, and an OpenAI-compatible proxy that "
                              "prunes the documents of chat requests.")
    errors.install(app)
    app.include_router(health.router)
    app.include_router(prune.build_router())
    app.include_router(proxy.router)
    ui.install(app)  # GET /ui: the playground page
    app.add_middleware(SecurityMiddleware, api_keys=settings.api_key_list(), max_body_bytes=settings.max_body_bytes)
    app.add_middleware(ObservabilityMiddleware, router_app=app)
    if settings.api_key_list():
        _document_auth(app)
    return app


def _document_auth(app: FastAPI) -> None:
    """Declare the two accepted key headers in the OpenAPI schema (clients and schemathesis read it)."""
    base = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = base()
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"},
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
        open_paths = {"/livez", "/readyz", "/metrics"}
        for path, ops in schema.get("paths", {}).items():
            if path not in open_paths:
                for op in ops.values():
                    op["security"] = [{"bearer": []}, {"apiKey": []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi
