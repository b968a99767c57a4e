"""A stand-in OpenAI-compatible upstream that records what it received (a test double for the
proxy's far side; the proxy under test is the real one). Serve it with
``ctxprune_service.embedded.serve_in_thread``."""
from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

ANSWER = "The stub upstream answers: 42."


def make_stub() -> tuple[Starlette, list[dict]]:
    received: list[dict] = []

    async def completions(request: Request):
        body = await request.json()
        received.append({"body": body, "headers": dict(request.headers)})
        n = len(received)
        if body.get("stream"):
            async def events():
                for piece in ANSWER.split(" "):
                    chunk = {"id": f"chatcmpl-{n}", "object": "chat.completion.chunk", "created": 1, "model": body["model"],
                             "choices": [{"index": 0, "delta": {"content": piece + " "}, "finish_reason": None}]}
                    yield f"data: {json.dumps(chunk)}\n\n"
                done = {"id": f"chatcmpl-{n}", "object": "chat.completion.chunk", "created": 1, "model": body["model"],
                        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                yield f"data: {json.dumps(done)}\n\n"
                yield "data: [DONE]\n\n"
            return StreamingResponse(events(), media_type="text/event-stream")
        return JSONResponse({"id": f"chatcmpl-{n}", "object": "chat.completion", "created": 1, "model": body["model"],
                             "choices": [{"index": 0, "message": {"role": "assistant", "content": ANSWER},
                                          "finish_reason": "stop"}],
                             "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}},
                            headers={"openai-processing-ms": "7"})

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])]), received
