"""``POST /v1/prune/{kind}``: one route per registered kind, typed by the kind's own models."""

import anyio
from fastapi import APIRouter, Request, Response

from ctxprune.pruners import available_kinds, pruner_class
from ..deps import EngineDep


def _route(kind: str):
    cls = pruner_class(kind)
    Req, Res = cls.request_model, cls.result_model

    async def endpoint(body: Req, engine: EngineDep, request: Request) -> Res:  # type: ignore[valid-type]
        # scoring is CPU-bound: keep it off the event loop, in the app's bounded pool
        result = await anyio.to_thread.run_sync(engine.prune, kind, body, limiter=request.app.state.limiter)
        # the result is already a validated model: serialise it once (pydantic-core), not re-validate it
        return Response(result.model_dump_json(), media_type="application/json")

    endpoint.__name__ = f"prune_{kind}"
    endpoint.__doc__ = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else f"Prune a {kind} context."
    return endpoint


def build_router() -> APIRouter:
    router = APIRouter(prefix="/v1/prune", tags=["prune"])
    for kind in available_kinds():
        router.add_api_route(f"/{kind}", _route(kind), methods=["POST"], name=f"prune_{kind}",
                             response_model=pruner_class(kind).result_model,
                             summary=f"Prune a {kind} context", response_model_exclude_none=False)
    return router
