"""The rendered Deployment gets its API keys from the Secret, and the probes stay open with auth on."""
from __future__ import annotations

import pytest

from tests.k8s_tools import OVERLAYS, render
from tests.test_k8s import container, container_env, one


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_api_keys_come_from_the_secret_and_probes_need_none(overlay):
    from fastapi.testclient import TestClient

    from ctxprune.config import Settings
    from ctxprune_service.app import create_app

    docs = render(overlay)
    app = one(docs, "Deployment", "ctxprune")
    c = container(app, "ctxprune")
    ref = next(e for e in c["env"] if e["name"] == "CTXPRUNE_API_KEYS")["valueFrom"]["secretKeyRef"]
    assert ref["name"] == "ctxprune-secrets"
    keys = Settings(_env_file=None, api_keys=container_env(docs, c)["CTXPRUNE_API_KEYS"]).api_key_list()
    assert keys
    with TestClient(create_app(Settings(_env_file=None, warm_up_on_start=False, redis_url=None,
                                        api_keys=",".join(keys)))) as client:
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert client.get(c[probe]["httpGet"]["path"]).status_code == 200
        assert client.get(app["spec"]["template"]["metadata"]["annotations"]["prometheus.io/path"]).status_code == 200
        assert client.post("/v1/prune/passages", json={}).status_code == 401
