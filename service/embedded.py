"""Run the sidecar (or any ASGI app) inside the current process, on a real port, for a block of code:
examples, notebooks and tests that want real HTTP without managing a separate process."""
from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from typing import Iterator


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_in_thread(app, port: int | None = None, ready_path: str | None = None,
                    timeout_s: float = 300) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 in a daemon thread; yields its base URL.

    With ``ready_path`` (e.g. "/readyz") the block starts only once that route answers 200.
    """
    import httpx
    import uvicorn

    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    try:
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError(f"server on port {port} did not start")
            time.sleep(0.05)
        while ready_path and httpx.get(f"{url}{ready_path}").status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{ready_path} never answered 200")
            time.sleep(0.1)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
