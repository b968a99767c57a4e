"""The typed client against a real sidecar over real sockets (uvicorn in a thread), plus its pure parts."""
from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from ctxprune.client import (AsyncCtxPruneClient, AuthenticationError, CtxPruneAPIError, CtxPruneClient,
                             CtxPruneConnectionError, InvalidRequestError, NotFoundError, ServiceUnavailableError,
                             budget_payload, build_payload, error_from_response, result_model)
from ctxprune.config import Settings
from ctxprune.contract import Budget
from ctxprune.pruners.passages import PassagesResult
from tests.conftest import free_port
from ctxprune_service.embedded import serve_in_thread  # noqa: E402

KEY = "client-test-key"
HAS_AUTH = "api_keys" in Settings.model_fields  # API keys and the chat proxy come with the middleware branch
PASSAGES = [{"id": "a", "title": "Warsaw", "text": "Warsaw is the capital of Poland. It lies on the Vistula. It has parks."},
            {"id": "b", "title": "Bananas", "text": "Bananas are yellow. They grow in the tropics."}]
QUERY = "What is the capital of Poland?"


def stub_upstream() -> Starlette:
    """A stand-in for the LLM behind the proxy: echoes how many characters of user text it received."""
    async def completions(request):
        body = await request.json()
        chars = sum(len(m.get("content") or "") for m in body["messages"] if m["role"] == "user")
        return JSONResponse({"id": "x", "object": "chat.completion", "created": 1, "model": body["model"],
                             "choices": [{"index": 0, "finish_reason": "stop",
                                          "message": {"role": "assistant", "content": f"received {chars} chars"}}]})
    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


@pytest.fixture(scope="module")
def server(engine):
    from ctxprune_service.app import create_app

    extra = {}
    with serve_in_thread(stub_upstream(), free_port()) as up:
        if HAS_AUTH:
            extra = {"api_keys": KEY, "upstream_url": f"{up}/v1"}
        settings = Settings(redis_url=None, warm_up_on_start=False, **extra)
        with serve_in_thread(create_app(settings, engine=engine), free_port(), ready_path="/readyz") as url:
            yield url


@pytest.fixture
def client(server):
    with CtxPruneClient(server, api_key=KEY if HAS_AUTH else None) as c:
        yield c


# ---------------------------------------------------------------- pure parts
def test_budget_shorthands():
    assert budget_payload(0.3) == {"ratio": 0.3}
    assert budget_payload(200) == {"max_tokens": 200}
    assert budget_payload(Budget(ratio=0.5)) == {"ratio": 0.5}
    assert budget_payload({"max_tokens": 9}) == {"max_tokens": 9} and budget_payload(None) is None
    with pytest.raises(TypeError):
        budget_payload(True)
    with pytest.raises(TypeError):
        budget_payload("0.3")


def test_build_payload_overlays_fields_and_drops_none():
    p = build_payload({"query": "q", "keep": ["x"]}, budget=0.2, scorer=None, passages=[{"text": "t"}])
    assert p == {"query": "q", "keep": ["x"], "budget": {"ratio": 0.2}, "passages": [{"text": "t"}]}


def test_error_mapping_keeps_the_server_message_and_fields():
    e = error_from_response(422, b'{"error": "invalid_request", "message": "query: query is empty",'
                                 b' "detail": [{"field": "query", "message": "empty"}]}')
    assert isinstance(e, InvalidRequestError) and e.message == "query: query is empty" and e.fields == ["query"]
    assert isinstance(error_from_response(404, b'{"detail": "Not Found"}'), NotFoundError)
    assert error_from_response(404, b'{"detail": "Not Found"}').message == "Not Found"
    assert isinstance(error_from_response(503, b'{"status": "warming_up"}'), ServiceUnavailableError)
    e = error_from_response(500, b"<html>oops</html>")
    assert isinstance(e, CtxPruneAPIError) and e.status == 500 and "oops" in e.message


def test_result_model_is_the_kinds_model_or_none():
    assert result_model("passages") is PassagesResult
    assert result_model("no-such-kind") is None


def test_api_key_is_sent_as_bearer_and_chat_headers_are_read():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["auth"] = request.headers.get("authorization")
        seen["off"] = request.headers.get("x-ctxprune")
        return httpx.Response(200, json={"choices": [{"message": {"content": "hi"}}]},
                              headers={"x-ctxprune-tokens-in": "120", "x-ctxprune-tokens-out": "40",
                                       "x-ctxprune-kinds": "passages,table"})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    c = CtxPruneClient("http://sidecar", api_key="s3cret", http_client=http)
    r = c.chat_completions(model="m", messages=[{"role": "user", "content": "x"}], headers={"x-ctxprune": "off"})
    assert seen == {"auth": "Bearer s3cret", "off": "off"}
    assert (r.tokens_in, r.tokens_out, r.kinds, r.content) == (120, 40, ["passages", "table"], "hi")


# ---------------------------------------------------------------- against the real sidecar
def test_probes_and_kinds(client):
    assert client.livez() == {"status": "ok"}
    assert client.readyz()["status"] == "ok"
    assert "passages" in client.kinds()
    client.passages(QUERY, PASSAGES, budget=0.5)
    assert "ctxprune_prune_requests_total" in client.metrics()


@pytest.mark.slow
def test_passages_typed_result_within_budget(client):
    r = client.passages(QUERY, PASSAGES, budget=0.5)
    assert isinstance(r, PassagesResult)
    assert [p.id for p in r.passages] == ["a"] and "capital of Poland" in r.passages[0].text
    assert r.stats.tokens_out <= r.stats.tokens_in * 0.5 and r.dropped
    raw = CtxPruneClient(client.url, api_key=KEY if HAS_AUTH else None, typed=False).prune(
        "passages", {"query": QUERY, "passages": PASSAGES, "budget": {"ratio": 0.5}})
    assert isinstance(raw, dict) and raw["passages"][0]["text"] == r.passages[0].text


def test_422_raises_invalid_request_naming_the_field(client):
    with pytest.raises(InvalidRequestError) as exc:
        client.passages("   ", PASSAGES)
    assert exc.value.status == 422 and "query" in exc.value.fields and "query" in exc.value.message
    with pytest.raises(InvalidRequestError) as exc:
        client.prune("passages", query="q", passages=PASSAGES, budget={"ratio": 1.5})
    assert "budget.ratio" in exc.value.fields


def test_unknown_kind_is_not_found(client):
    with pytest.raises(NotFoundError):
        client.prune("no-such-kind", query="q")


def test_connection_refused_is_a_typed_error():
    with pytest.raises(CtxPruneConnectionError):
        CtxPruneClient(f"http://127.0.0.1:{free_port()}", timeout=2).livez()


@pytest.mark.slow
def test_async_client(server):
    async def go():
        async with AsyncCtxPruneClient(server, api_key=KEY if HAS_AUTH else None) as c:
            assert (await c.livez()) == {"status": "ok"}
            results = await asyncio.gather(c.passages(QUERY, PASSAGES, budget=0.5),
                                           c.passages("Which fruit is yellow?", PASSAGES, budget=0.5))
            with pytest.raises(InvalidRequestError):
                await c.passages("", PASSAGES)
            return results

    poland, fruit = asyncio.run(go())
    assert isinstance(poland, PassagesResult) and poland.passages[0].id == "a"
    assert fruit.passages[0].id == "b"


@pytest.mark.skipif(not HAS_AUTH, reason="API keys come with the middleware branch (CTXPRUNE_API_KEYS)")
def test_wrong_or_missing_key_is_an_authentication_error(server):
    for key in (None, "wrong"):
        with pytest.raises(AuthenticationError) as exc:
            CtxPruneClient(server, api_key=key).passages(QUERY, PASSAGES)
        assert exc.value.status == 401 and "API key" in exc.value.message
    assert CtxPruneClient(server).livez() == {"status": "ok"}  # probes stay open


@pytest.mark.slow
@pytest.mark.skipif(not HAS_AUTH, reason="the chat proxy comes with the middleware branch")
def test_chat_completions_through_the_proxy(client):
    doc = "\n\n".join(f"{p['title']}: {p['text']} " * 12 for p in PASSAGES)
    messages = [{"role": "user", "content": f"{doc}\n\n{QUERY}"}]
    r = client.chat_completions(model="stub", messages=messages, ctxprune={"budget": {"ratio": 0.3}, "min_tokens": 20})
    assert r.status == 200 and r.content.startswith("received")
    assert r.tokens_in and r.tokens_out is not None and r.tokens_out < r.tokens_in
    assert int(r.content.split()[1]) < len(messages[0]["content"])
