"""The FastAPI app factory. The lifespan builds the engine and warms the models off the event loop."""
from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

import ctxprune
from ctxprune.api import Engine
from ctxprune.config import Settings, get_settings
from . import errors
from .routers import health, prune, ui

log = logging.getLogger("ctxprune.service")


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.engine = engine or Engine(settings)
        task = None
        if settings.warm_up_on_start:
            # readiness stays 503 until this finishes; liveness answers meanwhile
            task = asyncio.create_task(asyncio.to_thread(app.state.engine.warm_up))
        else:
            app.state.engine.ready = True
        yield
        if task is not None and not task.done():
            task.cancel()

    app = FastAPI(title="ctxprune", version=ctxprune.__version__, lifespan=lifespan,
                  description="Query-aware context pruning for LLM inputs.")
    errors.install(app)
    app.include_router(health.router)
    app.include_router(prune.build_router())
    ui.install(app)  # GET /ui: the playground page
    return app
