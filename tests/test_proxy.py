"""The OpenAI-compatible proxy, end to end over real sockets: the official ``openai`` SDK is the
client, the real sidecar prunes, and a stub upstream records what it received."""
from __future__ import annotations

import json

import httpx
import pytest

from ctxprune.config import Settings
from ctxprune.pruners import available_kinds
from ctxprune.tokens import get_counter
from tests.conftest import free_port, load_dev
from ctxprune_service.embedded import serve_in_thread
from tests.stub_upstream import ANSWER, make_stub

openai = pytest.importorskip("openai")
KEY = "proxy-test-key"
SYSTEM = "You are a careful assistant. Answer from the documents only."
TABLE = "\n".join(["| Country | Joined | League |", "|---|---|---|"] +
                  [f"| Country {i} | {1950 + i} | League number {i} of the federation |" for i in range(60)])


@pytest.fixture(scope="module")
def stack(engine):
    from ctxprune_service.app import create_app

    stub, received = make_stub()
    up_port, port = free_port(), free_port()
    with serve_in_thread(stub, up_port) as up_url:
        settings = Settings(redis_url=None, api_keys=KEY, upstream_url=f"{up_url}/v1", upstream_api_key="upstream-secret",
                            warm_up_on_start=False)
        with serve_in_thread(create_app(settings, engine=engine), port, ready_path="/readyz") as url:
            yield url, received


@pytest.fixture(scope="module")
def records():
    return load_dev("rag", 6)


def document(rec) -> str:
    return "\n\n".join(f"{p['title']}: {' '.join(s.strip() for s in p['sentences'])}" for p in rec["context"]["passages"])


def sdk(url, **kw):
    return openai.OpenAI(base_url=f"{url}/v1", api_key=KEY, max_retries=0, **kw)


def last_sent(received) -> dict:
    return received[-1]["body"]


def test_sdk_gets_the_upstream_answer_and_the_documents_arrive_pruned(stack, records):
    url, received = stack
    count = get_counter().count
    rec = records[0]
    doc, question = document(rec), f"Question: {rec['query']}"
    raw = sdk(url).chat.completions.with_raw_response.create(
        model="stub-model", messages=[{"role": "system", "content": SYSTEM},
                                      {"role": "user", "content": f"{doc}\n\n{question}"}])
    answer = raw.parse()
    assert answer.choices[0].message.content == ANSWER
    sent = last_sent(received)
    assert received[-1]["headers"]["authorization"] == "Bearer upstream-secret"  # the upstream key, not the client's
    assert sent["messages"][0] == {"role": "system", "content": SYSTEM}
    user = sent["messages"][1]["content"]
    assert user.endswith("\n\n" + question)  # the question arrives intact
    pruned_doc = user[: -len(question)].rstrip()
    assert 0 < count(pruned_doc) < 0.7 * count(doc)
    assert int(raw.headers["x-ctxprune-tokens-in"]) >= count(doc) - 5
    assert int(raw.headers["x-ctxprune-tokens-out"]) < 0.7 * int(raw.headers["x-ctxprune-tokens-in"])
    kept = [s.strip() for p in rec["context"]["passages"] for s in p["sentences"] if s.strip() and s.strip() in pruned_doc]
    assert kept, "nothing of the document survived"


def test_streaming_passes_through_chunk_by_chunk(stack, records):
    url, received = stack
    rec = records[1]
    stream = sdk(url).chat.completions.create(
        model="stub-model", stream=True,
        messages=[{"role": "user", "content": f"{document(rec)}\n\n{rec['query']}"}])
    pieces = [c.choices[0].delta.content or "" for c in stream if c.choices]
    assert "".join(pieces).strip() == ANSWER and len(pieces) > 3
    sent = last_sent(received)
    assert sent["stream"] is True and sent["messages"][-1]["content"].endswith(rec["query"])
    assert get_counter().count(sent["messages"][-1]["content"]) < 0.7 * get_counter().count(document(rec))


def test_tool_results_and_tables_are_pruned_with_the_kind_that_fits(stack):
    url, received = stack
    question = "Which country joined in 1957?"
    raw = sdk(url).chat.completions.with_raw_response.create(
        model="stub-model", messages=[
            {"role": "user", "content": question},
            {"role": "assistant", "content": None,
             "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": TABLE}])
    raw.parse()
    expected = "table" if "table" in available_kinds() else "passages"
    assert raw.headers["x-ctxprune-kinds"] == expected
    sent = last_sent(received)
    assert sent["messages"][0]["content"] == question
    assert sent["messages"][1]["tool_calls"][0]["function"]["name"] == "lookup"  # other fields pass through
    assert get_counter().count(sent["messages"][2]["content"]) < 0.7 * get_counter().count(TABLE)


def test_pruning_can_be_switched_off_or_tuned_per_request_and_per_message(stack, records):
    url, received = stack
    rec = records[2]
    content = f"{document(rec)}\n\n{rec['query']}"
    client = sdk(url)
    client.chat.completions.create(model="m", messages=[{"role": "user", "content": content}],
                                   extra_body={"ctxprune": {"enabled": False}})
    assert last_sent(received)["messages"][0]["content"] == content and "ctxprune" not in last_sent(received)
    client.chat.completions.create(model="m", messages=[{"role": "user", "content": content}],
                                   extra_headers={"x-ctxprune": "off"})
    assert last_sent(received)["messages"][0]["content"] == content
    c = get_counter().count
    client.chat.completions.create(model="m", messages=[{"role": "user", "content": content}],
                                   extra_body={"ctxprune": {"budget": {"ratio": 0.2}}})
    small = c(last_sent(received)["messages"][0]["content"])
    client.chat.completions.create(model="m", messages=[{"role": "user", "content": content, "ctxprune": {"budget": {"ratio": 0.6}}}])
    sent = last_sent(received)["messages"][0]
    assert "ctxprune" not in sent and small < c(sent["content"]) < c(content)


def test_short_messages_are_never_touched(stack):
    url, received = stack
    msgs = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Hello. What is 2 + 2?"}]
    raw = sdk(url).chat.completions.with_raw_response.create(model="m", messages=msgs)
    raw.parse()
    assert last_sent(received)["messages"] == msgs and raw.headers["x-ctxprune-tokens-in"] == "0"


def test_proxy_needs_the_key_and_rejects_bad_requests(stack):
    url, _ = stack
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}])
    r = httpx.post(f"{url}/v1/chat/completions", headers={"X-API-Key": KEY}, json={"model": "m", "messages": []})
    assert r.status_code == 422 and "messages" in r.json()["message"]
    r = httpx.post(f"{url}/v1/chat/completions", headers={"X-API-Key": KEY},
                   json={"model": "m", "messages": [{"role": "user", "content": "hi"}], "ctxprune": {"budget": {"ratio": 2.5}}})
    assert r.status_code == 422 and "budget" in r.json()["message"]


def test_an_unreachable_upstream_is_502_and_a_missing_one_503(engine):
    from fastapi.testclient import TestClient

    from ctxprune_service.app import create_app

    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    dead = Settings(redis_url=None, upstream_url=f"http://127.0.0.1:{free_port()}/v1", warm_up_on_start=False)
    with TestClient(create_app(dead, engine=engine)) as c:
        r = c.post("/v1/chat/completions", json=body)
        assert r.status_code == 502 and r.json()["error"] == "upstream_unavailable"
    with TestClient(create_app(Settings(redis_url=None, warm_up_on_start=False), engine=engine)) as c:
        assert c.post("/v1/chat/completions", json=body).status_code == 503


def test_an_80_mb_body_is_413_over_a_real_socket(stack):
    url, _ = stack
    big = b'{"model": "m", "messages": [{"role": "user", "content": "' + b"x" * (80 * 1024 * 1024) + b'"}]}'
    r = httpx.post(f"{url}/v1/chat/completions", content=big, headers={"X-API-Key": KEY, "content-type": "application/json"},
                   timeout=60)
    assert r.status_code == 413

    def chunks():
        yield b'{"model": "m", "messages": [{"role": "user", "content": "'
        for _ in range(20):
            yield b"x" * (1024 * 1024)
        yield b'"}]}'

    r = httpx.post(f"{url}/v1/chat/completions", content=chunks(), headers={"X-API-Key": KEY, "content-type": "application/json"},
                   timeout=60)
    assert r.status_code == 413 and json.loads(r.content)["error"] == "body_too_large"


def test_an_accessibility_tree_in_a_tool_result_goes_to_the_axtree_kind_when_registered(stack):
    url, received = stack
    rec = next(r for r in load_dev("axtree", 40) if len(r["context"]["axtree_lines"]) >= 60)
    tree = "\n".join(rec["context"]["axtree_lines"])
    raw = sdk(url).chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": rec["query"]},
                             {"role": "assistant", "content": "Reading the page."},
                             {"role": "tool", "tool_call_id": "t1", "content": tree}])
    raw.parse()
    assert raw.headers["x-ctxprune-kinds"] == ("axtree" if "axtree" in available_kinds() else "passages")
    sent = last_sent(received)["messages"]
    assert sent[0]["content"] == rec["query"] and sent[1]["content"] == "Reading the page."
    assert get_counter().count(sent[2]["content"]) < 0.7 * get_counter().count(tree)
