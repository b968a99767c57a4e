"""``POST /v1/prune/{kind}``: one route per registered kind, typed by the kind's own models."""

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ctxprune.pruners import available_kinds, pruner_class
from ..deps import EngineDep


def _route(kind: str):
    cls = pruner_class(kind)
    Req, Res = cls.request_model, cls.result_model

    async def endpoint(body: Req, engine: EngineDep, request: Request) -> Res:  # type: ignore[valid-type]
        # scoring is CPU-bound: keep it off the event loop, in the app's bounded pool. The result is
        # already validated by the pruner's model (or was, before it was cached), so it is sent as is.
        body = await anyio.to_thread.run_sync(engine.prune_dict, kind, body, limiter=request.app.state.limiter)
        return JSONResponse(body)

    endpoint.__name__ = f"prune_{kind}"
    endpoint.__doc__ = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else f"Prune a {kind} context."
    return endpoint


def build_router() -> APIRouter:
    router = APIRouter(prefix="/v1/prune", tags=["prune"])
    for kind in available_kinds():
        cls = pruner_class(kind)
        router.add_api_route(f"/{kind}", _route(kind), methods=["POST"], name=f"prune_{kind}",
                             response_model=cls.result_model, summary=f"Prune a {kind} context")
    return router
