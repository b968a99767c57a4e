"""Schemathesis over the OpenAPI schema of a real running sidecar (auth on, proxy wired to a stub
upstream): whatever it generates, valid or not, no answer may be a 5xx."""
from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

from ctxprune.config import Settings  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from ctxprune_service.embedded import serve_in_thread  # noqa: E402
from tests.stub_upstream import make_stub  # noqa: E402

pytestmark = pytest.mark.slow
KEY = "fuzz-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def api_schema(engine):
    from ctxprune_service.app import create_app

    stub, _ = make_stub()
    with serve_in_thread(stub, free_port()) as up:
        s = Settings(redis_url=None, api_keys=KEY, upstream_url=f"{up}/v1", warm_up_on_start=False,
                     max_body_bytes=1024 * 1024)
        with serve_in_thread(create_app(s, engine=engine), free_port(), ready_path="/readyz") as url:
            schema = schemathesis.openapi.from_url(f"{url}/openapi.json", headers=AUTH)
            schema.base_url = url
            yield schema


EXAMPLES = 40  # per operation and mode


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_input_gets_a_server_error(api_schema, mode):
    from hypothesis import given

    generation = schemathesis.GenerationMode(mode)
    seen: dict[str, set[int]] = {}
    for result in api_schema.get_all_operations():
        op = result.ok()
        if mode == "negative" and op.method.upper() == "GET":
            continue  # the GET routes take no input to corrupt

        @given(case=op.as_strategy(generation_mode=generation))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            response = case.call(base_url=api_schema.base_url, headers=AUTH, timeout=60)
            seen.setdefault(op.label, set()).add(response.status_code)
            assert response.status_code < 500, f"{op.label} -> {response.status_code}: {response.text[:500]}"

        run()
    assert any(path.endswith("/v1/prune/passages") for path in seen), seen
    print(mode, {k: sorted(v) for k, v in seen.items()})
