"""A stand-in OpenAI-compatible upstream that records what it received (a test double for the
proxy's far side; the proxy under test is the real one), plus a helper that runs an ASGI app
under a real uvicorn server in a thread."""
from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager

import uvicorn
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


@contextmanager
def serve_in_thread(app, port: int, wait_path: str | None = None, timeout_s: float = 120):
    """Run ``app`` under uvicorn on 127.0.0.1:port in a daemon thread until the block ends."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"server on port {port} did not start")
        time.sleep(0.05)
    if wait_path:
        import httpx

        while httpx.get(f"http://127.0.0.1:{port}{wait_path}").status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{wait_path} never answered 200")
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
