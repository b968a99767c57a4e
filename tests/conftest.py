"""Shared fixtures: one warm engine per session, a TestClient over the real app, Redis availability."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

def _evaldata() -> Path:
    """The shared eval data: $EVALDATA, else ../shared/evaldata beside the checkout, else /work/shared/evaldata."""
    if os.environ.get("EVALDATA"):
        return Path(os.environ["EVALDATA"])
    for cand in (Path(__file__).resolve().parents[1].parent / "shared" / "evaldata", Path("/work/shared/evaldata")):
        if cand.exists():
            return cand
    return Path(__file__).resolve().parents[1].parent / "shared" / "evaldata"


EVALDATA = _evaldata()
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
REDIS_URL = os.environ.get("CTXPRUNE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def load_dev(folder: str, limit: int | None = None) -> list[dict]:
    path = EVALDATA / folder / "dev.jsonl"
    if not path.exists():
        if IN_CI:
            pytest.fail(f"eval data missing at {path}")
        pytest.skip(f"eval data not found at {path} (set EVALDATA)")
    rows = [json.loads(line) for line in path.open()]
    return rows[:limit] if limit else rows


def redis_available(url: str = REDIS_URL) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


@pytest.fixture
def redis_url() -> str:
    if not redis_available():
        if IN_CI:
            pytest.fail(f"CI=true but no Redis answers at {REDIS_URL}")
        pytest.skip(f"no Redis answers at {REDIS_URL}; start redis-server to run the Redis tests")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    return REDIS_URL


@pytest.fixture(scope="session")
def engine():
    from ctxprune.api import Engine
    from ctxprune.cache import MemoryCache
    from ctxprune.config import Settings

    eng = Engine(Settings(redis_url=None), cache=MemoryCache(256))
    return eng


@pytest.fixture(scope="session")
def client(engine):
    from fastapi.testclient import TestClient

    from ctxprune_service.app import create_app

    app = create_app(engine.settings, engine=engine)
    with TestClient(app) as c:
        # the lifespan warms the models in a thread; wait until ready
        import time

        for _ in range(600):
            if c.get("/readyz").status_code == 200:
                break
            time.sleep(0.1)
        yield c


from ctxprune_service.embedded import free_port  # noqa: E402,F401  (tests import it from here)
