"""The hardened sidecar seen by a client: auth, body limit, 422s, cache hits, metrics, request ids, JSON logs."""
from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from ctxprune.config import Settings

KEYS = "key-one,key-two"
DOC = {"query": "Who built the tower?", "budget": {"ratio": 0.5},
       "passages": [{"id": "a", "title": "Eiffel Tower", "text": "The Eiffel Tower is in Paris. Gustave Eiffel's company built it. "
                                                               "It was finished in 1889."},
                    {"id": "b", "title": "Big Ben", "text": "Big Ben is a bell in London. It weighs 13.7 tonnes."}]}


@pytest.fixture(scope="module")
def secured(engine):
    from ctxprune_service.app import create_app

    settings = Settings(redis_url=None, api_keys=KEYS, max_body_bytes=64 * 1024, warm_up_on_start=False)
    with TestClient(create_app(settings, engine=engine)) as c:
        yield c


def bearer(k="key-one"):
    return {"Authorization": f"Bearer {k}"}


def test_no_or_wrong_key_is_401_and_both_headers_work(secured):
    assert secured.post("/v1/prune/passages", json=DOC).status_code == 401
    r = secured.post("/v1/prune/passages", json=DOC, headers=bearer("nope"))
    assert r.status_code == 401 and r.json()["error"] == "unauthorized" and "www-authenticate" in r.headers
    assert secured.post("/v1/prune/passages", json=DOC, headers={"X-API-Key": "wrong"}).status_code == 401
    assert secured.post("/v1/prune/passages", json=DOC, headers=bearer("key-two")).status_code == 200
    assert secured.post("/v1/prune/passages", json=DOC, headers={"X-API-Key": "key-one"}).status_code == 200
    assert secured.get("/openapi.json").status_code == 401  # every route but the probes and metrics


def test_probes_and_metrics_need_no_key(secured):
    for path in ("/livez", "/readyz", "/metrics"):
        assert secured.get(path).status_code == 200, path


def test_openapi_declares_the_key_headers(secured):
    schema = secured.get("/openapi.json", headers=bearer()).json()
    assert set(schema["components"]["securitySchemes"]) == {"bearer", "apiKey"}
    assert "security" in schema["paths"]["/v1/prune/passages"]["post"]
    assert "security" not in schema["paths"]["/livez"]["get"]


def test_declared_oversize_body_is_413_before_reading(secured):
    big = json.dumps({**DOC, "query": "x" * 70_000}).encode()
    r = secured.post("/v1/prune/passages", content=big, headers={**bearer(), "content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "body_too_large"


def test_chunked_oversize_body_is_counted_while_streaming_in(secured):
    def chunks():
        yield b'{"query": "q", "passages": [{"text": "'
        for _ in range(100):
            yield b"y" * 1024
        yield b'"}]}'

    r = secured.post("/v1/prune/passages", content=chunks(), headers={**bearer(), "content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "body_too_large"
    small = secured.post("/v1/prune/passages", content=iter([json.dumps(DOC).encode()]),
                         headers={**bearer(), "content-type": "application/json"})
    assert small.status_code == 200


def test_ratio_over_one_is_422_naming_budget(secured):
    r = secured.post("/v1/prune/passages", json={**DOC, "budget": {"ratio": 2.5}}, headers=bearer())
    assert r.status_code == 422 and "budget" in r.json()["message"]


def test_malformed_json_is_4xx_not_500(secured):
    r = secured.post("/v1/prune/passages", content=b'{"query": "q", "passages": [', headers={**bearer(),
                                                                                           "content-type": "application/json"})
    assert 400 <= r.status_code < 500
    assert r.json()["detail"][0]["field"] == "body" and "malformed JSON" in r.json()["message"]


def test_a_repeated_request_is_a_cache_hit_with_the_same_answer(secured):
    doc = {**DOC, "query": "When was the tower finished?"}
    a = secured.post("/v1/prune/passages", json=doc, headers=bearer()).json()
    b = secured.post("/v1/prune/passages", json=doc, headers=bearer()).json()
    assert a["stats"]["cache"] == "miss" and b["stats"]["cache"] == "hit"
    assert a["passages"] == b["passages"] and a["kept"] == b["kept"]


def test_metrics_expose_ctxprune_series_by_route_and_kind(secured):
    secured.post("/v1/prune/passages", json=DOC, headers=bearer())
    text = secured.get("/metrics").text
    for series in ("ctxprune_http_requests_total", "ctxprune_http_request_duration_seconds", "ctxprune_prune_requests_total",
                   "ctxprune_tokens_in_total", "ctxprune_tokens_out_total", "ctxprune_kept_ratio",
                   "ctxprune_cache_lookups_total", "ctxprune_auth_failures_total", "ctxprune_body_too_large_total",
                   "ctxprune_cache_failures_total", "ctxprune_injections_removed_total"):
        assert series in text, series
    assert 'route="/v1/prune/passages"' in text and 'kind="passages"' in text


def test_request_id_is_echoed_or_made_and_logs_are_json_without_bodies(secured, caplog):
    from ctxprune_service.observability import JsonFormatter

    r = secured.get("/livez", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    assert len(secured.get("/livez", headers={"X-Request-ID": "bad id with spaces"}).headers["x-request-id"]) == 32
    secret = "SECRET-DOCUMENT-TEXT"
    with caplog.at_level(logging.INFO, logger="ctxprune.access"):
        secured.post("/v1/prune/passages", headers={**bearer(), "X-Request-ID": "rid-9"},
                     json={**DOC, "query": secret})
    lines = [JsonFormatter().format(rec) for rec in caplog.records if rec.name == "ctxprune.access"]
    assert lines and all(secret not in ln for ln in lines)
    last = json.loads(lines[-1])
    assert last["request_id"] == "rid-9" and last["status"] == 200 and last["route"] == "/v1/prune/passages"
