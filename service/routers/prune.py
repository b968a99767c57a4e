"""``POST /v1/prune/{kind}``: one route per registered kind, typed by the kind's own models."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ctxprune.pruners import available_kinds, pruner_class
from ..deps import EngineDep


def _route(kind: str):
    cls = pruner_class(kind)
    Req, Res = cls.request_model, cls.result_model

    async def endpoint(body: Req, engine: EngineDep) -> Res:  # type: ignore[valid-type]
        # scoring is CPU-bound: keep it off the event loop. The result is already validated by the
        # pruner's model (or was, before it was cached), so it is sent as is.
        return JSONResponse(await run_in_threadpool(engine.prune_dict, kind, body))

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
