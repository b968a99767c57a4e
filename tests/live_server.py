"""Run an ASGI app under a real uvicorn server in a daemon thread (the client tests talk real HTTP)."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import httpx
import uvicorn


@contextmanager
def serve_in_thread(app, port: int, ready_path: str | None = "/readyz", timeout_s: float = 300):
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    try:
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError(f"server on port {port} did not start")
            time.sleep(0.05)
        while ready_path and httpx.get(f"http://127.0.0.1:{port}{ready_path}").status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{ready_path} never answered 200")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
