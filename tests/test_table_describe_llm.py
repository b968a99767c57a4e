"""LLM-written column descriptions against a local OpenAI-compatible stub that records what it received:
used and cached, every failure falls back to the generated descriptions with the reason in the stats,
off by default, and through REST."""
from __future__ import annotations

import asyncio
import os
import json
import re

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from ctxprune.cache import MemoryCache
from ctxprune.config import Settings
from ctxprune.pruners import table_columns as tc
from ctxprune.pruners.table import TablePruner
from ctxprune.pruners.table_describe_llm import DescriberError, LLMDescriber, column_labels, parse_answer
from ctxprune.pruners.table_parse import TableInput, parse_table
from ctxprune_service.embedded import serve_in_thread

COLS = ["Year", "Title", "Role"]
ROWS = [["2014", "Kingsman: The Secret Service", "Roxanne Morton"], ["2015", "Unity", "Narrator"],
        ["2016", "The Huntsman: Winter's War", "Pippa"], ["2019", "Red Joan", "Young Joan"]]
TABLE = {"title": "Sophie Cookson — Film", "columns": COLS, "rows": ROWS}
COLUMN_LINE = re.compile(r'^- ("(?:[^"\\]|\\.)*"): ', re.M)


def make_describer_stub() -> tuple[Starlette, list[dict], dict]:
    """Answers ``{"<column>": "LLM says: <column> ..."}`` for the columns listed in the prompt.

    ``mode["answer"]``: ok | partial (first column only) | bad (prose) | error (500) | slow (sleeps ``mode["sleep"]``);
    ``mode["fixed"]``, when set, is the descriptions answered instead.
    """
    received: list[dict] = []
    mode = {"answer": "ok", "sleep": 2.0, "fixed": None}

    async def completions(request: Request):
        body = await request.json()
        received.append({"body": body, "headers": dict(request.headers)})
        names = [json.loads(m) for m in COLUMN_LINE.findall(body["messages"][-1]["content"])]
        answer = mode["answer"]
        if answer == "error":
            return PlainTextResponse("upstream exploded", status_code=500)
        if answer == "slow":
            await asyncio.sleep(mode["sleep"])
        if answer == "partial":
            names = names[:1]
        found = mode["fixed"] or {n: f"LLM says: {n} of the film, one line" for n in names}
        content = ("Sure! Here are the descriptions you asked for." if answer == "bad" else
                   "```json\n" + json.dumps(found) + "\n```")
        return JSONResponse({"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": body["model"],
                             "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                          "finish_reason": "stop"}]})

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])]), received, mode


@pytest.fixture(scope="module")
def stub():
    app, received, mode = make_describer_stub()
    with serve_in_thread(app) as url:
        yield f"{url}/v1", received, mode


@pytest.fixture()
def fresh(stub):
    base, received, mode = stub
    received.clear()
    mode.update(answer="ok", sleep=2.0, fixed=None)
    return base, received, mode


def table_and_cols(title: str = TABLE["title"]):
    t = parse_table(TableInput.model_validate({**TABLE, "title": title}))
    return t, tc.describe_all(t)


# ---------------------------------------------------------------- the describer alone (no models)
def test_descriptions_used_and_cached(fresh):
    base, received, _ = fresh
    d = LLMDescriber(base, "stub-model", api_key="describer-secret", cache=MemoryCache(16))
    t, cols = table_and_cols()
    out = d.describe(t, cols)
    assert out.note == "llm" and out.cacheable
    assert [c.description for c in out.cols] == [f"{n}: LLM says: {n} of the film, one line" for n in COLS]
    assert [(c.name, c.kind) for c in out.cols] == [(c.name, c.kind) for c in cols]
    assert len(received) == 1
    body, headers = received[0]["body"], received[0]["headers"]
    assert body["model"] == "stub-model" and headers["authorization"] == "Bearer describer-secret"
    prompt = body["messages"][-1]["content"]
    for name, kind, example in [("Year", "date", "2014"), ("Title", "identifier", "Unity"),
                                ("Role", "identifier", "Pippa")]:
        assert re.search(rf'^- "{name}": {kind}, e\.g\. .*{example}', prompt, re.M), prompt
    assert "Sophie Cookson — Film" in prompt
    # the same table again: from the cache, no request
    again = d.describe(*table_and_cols())
    assert again.note == "llm" and [c.description for c in again.cols] == [c.description for c in out.cols]
    assert len(received) == 1
    # another title is another table signature
    d.describe(*table_and_cols("Another film list"))
    assert len(received) == 2


@pytest.mark.parametrize("answer, reason", [("error", "HTTP 500"), ("bad", "bad answer: no JSON object"),
                                            ("slow", "timeout after 0.3s")])
def test_failures_fall_back_with_the_reason(fresh, answer, reason):
    base, received, mode = fresh
    mode["answer"] = answer
    d = LLMDescriber(base, "stub-model", timeout_s=0.3, retry_s=0, cache=MemoryCache(16))
    t, cols = table_and_cols()
    out = d.describe(t, cols)
    assert out.note == f"generated (llm failed: {reason})" and not out.cacheable
    assert [c.description for c in out.cols] == [c.description for c in cols]
    mode["answer"] = "ok"  # a failure is not cached: the next request asks again and succeeds
    assert d.describe(t, cols).note == "llm"
    assert len(received) == 2


def test_endpoint_failure_opens_the_breaker(fresh):
    base, received, mode = fresh
    mode["answer"] = "error"
    d = LLMDescriber(base, "stub-model", retry_s=60, cache=MemoryCache(16))
    t, cols = table_and_cols()
    assert d.describe(t, cols).note == "generated (llm failed: HTTP 500)"
    skipped = d.describe(t, cols)
    assert skipped.note.startswith("generated (llm skipped for ") and not skipped.cacheable
    assert len(received) == 1


def test_unreachable_endpoint_falls_back():
    from ctxprune_service.embedded import free_port

    d = LLMDescriber(f"http://127.0.0.1:{free_port()}/v1", "m", timeout_s=1, cache=MemoryCache(4))
    out = d.describe(*table_and_cols())
    assert out.note == "generated (llm failed: unreachable (ConnectError))"


def test_partial_answer_keeps_generated_for_the_rest(fresh):
    base, _, mode = fresh
    mode["answer"] = "partial"
    t, cols = table_and_cols()
    out = LLMDescriber(base, "m", cache=MemoryCache(4)).describe(t, cols)
    assert out.note == "llm (1 of 3 columns, the rest generated)"
    assert out.cols[0].description.startswith("Year: LLM says")
    assert [c.description for c in out.cols[1:]] == [c.description for c in cols[1:]]


def test_parse_answer_validates_each_description():
    labels = ["Year", "Title", "Party", "Notes"]
    got = parse_answer('Here: {"year": "The year\\n the film came out", "Title": 3, "Party": "' + "x" * 201
                       + '", "Notes": "  Remarks  ", "Bogus": "not a column"}', labels)
    assert got == {"Year": "The year the film came out", "Notes": "Remarks"}
    for bad, why in [("[1, 2]", "no JSON object"), ("{not json}", "invalid JSON"), ('{"Bogus": "x"}', "no usable"),
                     ("", "empty"), (None, "empty")]:
        with pytest.raises(DescriberError, match=why):
            parse_answer(bad, labels)


def test_duplicate_names_get_distinct_labels():
    t = parse_table(TableInput.model_validate({"columns": ["Party", "Votes", "Party"], "rows": [["A", "1", "B"]]}))
    assert column_labels(tc.describe_all(t)) == ["Party (column 1)", "Votes", "Party (column 3)"]


def test_too_wide_tables_are_not_sent(fresh):
    base, received, _ = fresh
    t = parse_table(TableInput.model_validate({"columns": [f"c{j}" for j in range(101)], "rows": [["1"] * 101]}))
    out = LLMDescriber(base, "m", cache=MemoryCache(4)).describe(t, tc.describe_all(t))
    assert out.note == "generated (llm skipped: 101 columns, more than 100)" and not received


def test_off_by_default(monkeypatch):
    for k in [k for k in os.environ if k.startswith("CTXPRUNE_TABLE_DESCRIBER")]:
        monkeypatch.delenv(k)
    s = Settings(_env_file=None)
    assert s.table_describer_url is None and LLMDescriber.from_settings(s) is None
    assert TablePruner(None, None, s).describer is None  # type: ignore[arg-type]
    assert s.table_describer_timeout_s <= 10


# ---------------------------------------------------------------- in the pruner and over REST (real models)
@pytest.fixture(scope="module")
def llm_engine(stub):
    from ctxprune.api import Engine

    base = stub[0]
    return Engine(Settings(_env_file=None, redis_url=None, table_describer_url=base, table_describer_model="stub-model",
                           table_describer_retry_s=0, warm_up_on_start=False), cache=MemoryCache(256))


@pytest.mark.slow
def test_pruner_scores_and_reports_llm_descriptions(fresh, llm_engine):
    _, received, mode = fresh
    req = {"query": "In which year did Unity come out?", "table": TABLE, "budget": {"ratio": 0.5}}
    r = llm_engine.prune("table", req)
    assert r.stats.extra["column_descriptions"] == "llm" and len(received) == 1
    units = {u.id: u.text for u in r.kept + r.dropped}
    assert units["column:0"] == "Year: LLM says: Year of the film, one line"
    # another question on the same table: a result-cache miss, but the descriptions come from their cache
    r2 = llm_engine.prune("table", {**req, "query": "Who did Sophie Cookson play in Red Joan?"})
    assert r2.stats.cache == "miss" and r2.stats.extra["column_descriptions"] == "llm" and len(received) == 1
    # a failure falls back, and the fallback result is not cached: the same request asks again
    mode["answer"] = "error"
    req3 = {**req, "table": {**TABLE, "title": "Sophie Cookson, films"}}
    r3 = llm_engine.prune("table", req3)
    assert r3.stats.extra["column_descriptions"] == "generated (llm failed: HTTP 500)"
    assert {u.id: u.text for u in r3.kept + r3.dropped}["column:0"].startswith("Year: date, e.g. 2014")
    mode["answer"] = "ok"
    r4 = llm_engine.prune("table", req3)
    assert r4.stats.cache == "miss" and r4.stats.extra["column_descriptions"] == "llm" and len(received) == 3
    assert llm_engine.prune("table", req3).stats.cache == "hit" and len(received) == 3


@pytest.mark.slow
def test_descriptions_reach_column_scoring(fresh, engine, llm_engine):
    """Opaque headers over two number columns: only the LLM's descriptions say which holds the population."""
    _, received, mode = fresh
    mode["fixed"] = {"c1": "name of the city", "c2": "population: number of inhabitants of the city",
                     "c3": "land area of the city in square kilometres"}
    table = parse_table(TableInput.model_validate({"columns": ["c1", "c2", "c3"], "rows": [
        ["Oslo", "709037", "454"], ["Bergen", "291940", "465"], ["Trondheim", "212660", "342"]]}))
    q = "What is the population of Bergen?"
    plain = engine.pruner("table").score(q, table)
    with_llm = llm_engine.pruner("table").score(q, table)
    assert plain.described is None and with_llm.described.note == "llm" and len(received) == 1
    assert with_llm.cols[1].description == "c2: population: number of inhabitants of the city"
    assert with_llm.col[1] > with_llm.col[2]
    assert with_llm.col[1] - with_llm.col[2] > plain.col[1] - plain.col[2] + 0.2


@pytest.mark.slow
def test_rest_prune_table_with_llm_descriptions(fresh, llm_engine):
    from fastapi.testclient import TestClient

    from ctxprune_service.app import create_app

    _, received, _ = fresh
    with TestClient(create_app(llm_engine.settings, engine=llm_engine)) as c:
        body = {"query": "Which role did she play in 2015?", "table": {**TABLE, "title": "Filmography over REST"},
                "budget": {"ratio": 0.5}}
        r = c.post("/v1/prune/table", json=body)
        assert r.status_code == 200, r.text
        b = r.json()
        assert b["stats"]["extra"]["column_descriptions"] == "llm" and len(received) == 1
        texts = [u["text"] for u in b["kept"] + b["dropped"] if u["id"].startswith("column:")]
        assert sorted(texts) == sorted(f"{n}: LLM says: {n} of the film, one line" for n in COLS)
        assert c.post("/v1/prune/table", json=body).json()["stats"]["cache"] == "hit" and len(received) == 1
