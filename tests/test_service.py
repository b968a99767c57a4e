import pytest

PASSAGES = [{"id": "a", "title": "Warsaw", "text": "Warsaw is the capital of Poland. It lies on the Vistula."},
            {"id": "b", "title": "Bananas", "text": "Bananas are yellow. They grow in the tropics."}]


def test_livez_and_readyz(client):
    assert client.get("/livez").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_metrics_are_prometheus_with_ctxprune_series(client):
    client.post("/v1/prune/passages", json={"query": "capital of Poland", "passages": PASSAGES})
    text = client.get("/metrics").text
    assert "ctxprune_prune_requests_total" in text and "ctxprune_prune_latency_seconds_bucket" in text


@pytest.mark.slow
def test_passages_contract(client):
    r = client.post("/v1/prune/passages", json={"query": "What is the capital of Poland?", "passages": PASSAGES,
                                                "budget": {"ratio": 0.5}})
    assert r.status_code == 200
    body = r.json()
    assert [p["title"] for p in body["passages"]] == ["Warsaw"]
    assert body["passages"][0]["id"] == "a" and "capital of Poland" in body["passages"][0]["text"]
    st = body["stats"]
    for field in ("tokens_in", "tokens_out", "tokenizer", "latency_ms", "cache"):
        assert field in st
    assert st["tokens_out"] <= st["tokens_in"] // 2 and st["cache"] == "miss"
    assert body["dropped"] and {"id", "text", "score", "reason"} <= set(body["dropped"][0])
    again = client.post("/v1/prune/passages", json={"query": "What is the capital of Poland?", "passages": PASSAGES,
                                                    "budget": {"ratio": 0.5}}).json()
    assert again["stats"]["cache"] == "hit" and again["passages"] == body["passages"]


@pytest.mark.parametrize("payload, field", [
    ({"query": "", "passages": PASSAGES}, "query"),
    ({"query": "   ", "passages": PASSAGES}, "query"),
    ({"passages": PASSAGES}, "query"),
    ({"query": "q", "passages": []}, "passages"),
    ({"query": "q", "passages": [{"text": 5}]}, "passages.0.text"),
    ({"query": "q", "passages": [{"title": "t"}]}, "passages.0.text"),
    ({"query": "q", "passages": PASSAGES, "budget": {"ratio": 0}}, "budget.ratio"),
    ({"query": "q", "passages": PASSAGES, "budget": {"ratio": 1.2}}, "budget.ratio"),
    ({"query": "q", "passages": PASSAGES, "budget": {"ratio": 0.2, "max_tokens": 9}}, "budget"),
    ({"query": "q", "passages": PASSAGES, "budget": {}}, "budget"),
    ({"query": "q", "passages": PASSAGES, "budget": {"max_tokens": -1}}, "budget.max_tokens"),
    ({"query": "q", "passages": PASSAGES, "keep": [""]}, "keep"),
    ({"query": "q", "passages": PASSAGES, "bogus": 1}, "bogus"),
])
def test_bad_input_is_a_422_naming_the_field(client, payload, field):
    r = client.post("/v1/prune/passages", json=payload)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "invalid_request"
    assert any(d["field"] == field for d in body["detail"]), body


def test_unknown_scorer_is_a_422_listing_the_valid_ones(client):
    r = client.post("/v1/prune/passages", json={"query": "q", "passages": PASSAGES, "scorer": "colbert"})
    assert r.status_code == 422 and "bm25" in r.json()["message"]


def test_malformed_json_is_a_422_not_a_500(client):
    r = client.post("/v1/prune/passages", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_openapi_documents_the_route(client):
    spec = client.get("/openapi.json").json()
    assert "/v1/prune/passages" in spec["paths"]


def test_readyz_is_503_until_warm():
    from fastapi.testclient import TestClient

    from ctxprune.api import Engine
    from ctxprune.cache import MemoryCache
    from ctxprune.config import Settings
    from ctxprune_service.app import create_app

    engine = Engine(Settings(redis_url=None, warm_up_on_start=False), cache=MemoryCache(4))
    app = create_app(engine.settings, engine=engine)
    with TestClient(app) as c:
        engine.ready = False  # as during a warm-up
        assert c.get("/readyz").status_code == 503
        assert c.get("/livez").status_code == 200


@pytest.mark.redis
def test_readyz_degraded_when_redis_is_down_and_requests_still_succeed():
    from fastapi.testclient import TestClient

    from ctxprune.api import Engine
    from ctxprune.config import Settings
    from ctxprune_service.app import create_app

    settings = Settings(redis_url="redis://127.0.0.1:1/0", redis_timeout_s=0.05, warm_up_on_start=False)
    engine = Engine(settings)
    with TestClient(create_app(settings, engine=engine)) as c:
        r = c.get("/readyz")
        assert r.status_code == 200 and r.json()["status"] == "degraded"
        r = c.post("/v1/prune/passages", json={"query": "capital of Poland", "passages": PASSAGES, "scorer": "bm25"})
        assert r.status_code == 200 and r.json()["stats"]["cache"] == "miss"


@pytest.mark.redis
@pytest.mark.slow
def test_results_are_cached_in_redis_across_engines(redis_url):
    from ctxprune.api import Engine
    from ctxprune.config import Settings

    req = {"query": "capital of Poland", "passages": PASSAGES, "budget": {"ratio": 0.5}}
    first = Engine(Settings(redis_url=redis_url)).prune("passages", req)
    second = Engine(Settings(redis_url=redis_url)).prune("passages", req)  # another replica, same Redis
    assert first.stats.cache == "miss" and second.stats.cache == "hit"
    assert second.passages == first.passages
