"""The prompt kind through the library and REST: contract, budgets, must-keep, 422s, no-LM path."""
import pytest
from fastapi.testclient import TestClient

from ctxprune.api import Engine
from ctxprune.config import Settings
from ctxprune.pruners import prompt as prompt_mod
from ctxprune_service.app import create_app

CTX = "\n\n".join(
    f"Passage {i}:\nTopic {i}\n" + " ".join(f"Filler sentence number {j} about unrelated item {i}-{j} goes here."
                                          for j in range(6))
    for i in range(1, 9)
) + "\n\nPassage 9:\nLou Breslow\nLou Breslow was married to Alice Ward. Alice Ward was born in Dayton, Ohio in 1901."
TAIL = "\n\nAnswer the question.\n\nQuestion: Where was the wife of Lou Breslow born?\nAnswer:"


@pytest.fixture(scope="module")
def client():
    settings = Settings(warm_up_on_start=False)
    with TestClient(create_app(settings)) as c:
        yield c


def _body(**kw):
    body = {"instruction": "Answer from the passages.\n", "context": CTX, "question": TAIL, "budget": {"ratio": 0.33}}
    body.update(kw)
    return body


def test_rest_contract_budget_and_answer(client):
    r = client.post("/v1/prune/prompt", json=_body(fine=False))
    assert r.status_code == 200, r.text
    b = r.json()
    assert set(b) >= {"context", "prompt", "stats", "kept", "dropped"}
    assert "Dayton, Ohio" in b["context"]
    assert "Passage 9:" in b["context"]  # the label of a kept passage comes along
    s = b["stats"]
    assert s["tokens_out"] <= s["budget_tokens"] and s["ratio"] <= 0.33 and s["tokenizer"] == "cl100k_base"
    assert b["prompt"].startswith("Answer from the passages.\n") and b["prompt"].endswith("Answer:")
    assert b["context"] in b["prompt"]
    assert s["extra"]["fine_stage"] == "off"
    assert all(u["reason"] for u in b["kept"] + b["dropped"])


def test_keep_strings_survive_even_over_budget(client):
    keep = ["Filler sentence number 3 about unrelated item 2-3 goes here."]
    r = client.post("/v1/prune/prompt", json=_body(keep=keep, budget={"max_tokens": 5}, fine=False))
    b = r.json()
    assert keep[0] in b["context"] and b["stats"]["budget_exceeded"] is True


def test_no_budget_is_adaptive_and_no_question_works(client):
    r = client.post("/v1/prune/prompt", json={"context": CTX, "budget": None})
    assert r.status_code == 200
    b = r.json()
    assert 0 < b["stats"]["tokens_out"] < b["stats"]["tokens_in"]


@pytest.mark.parametrize("body,field", [
    ({"budget": {"ratio": 0.3}}, "context"),
    ({"context": "x", "budget": {"ratio": 1.5}}, "ratio"),
    ({"context": "x", "budget": {"ratio": 0.3, "max_tokens": 3}}, "budget"),
    ({"context": "x", "keep": [" "]}, "keep"),
    ({"context": "x", "bogus": 1}, "bogus"),
    ({"context": "x" * (prompt_mod.MAX_CONTEXT_CHARS + 1)}, "context"),
    ({"context": "x", "question": 5}, "question"),
])
def test_bad_input_is_422_naming_the_field(client, body, field):
    r = client.post("/v1/prune/prompt", json=body)
    assert r.status_code == 422, r.text
    assert field in r.text


def test_without_the_lm_the_coarse_stage_runs_and_says_so(monkeypatch):
    monkeypatch.setattr(prompt_mod, "lm_available", lambda: False)
    res = Engine(Settings(warm_up_on_start=False)).prune(
        "prompt", _body(fine=True), use_cache=False)
    assert res.stats.extra["fine_stage"].startswith("unavailable")
    assert "Dayton, Ohio" in res.context and res.stats.tokens_out <= res.stats.budget_tokens


@pytest.mark.parametrize("env,flag,asked", [(None, None, False), ("off", None, False), ("on", None, True),
                                            ("off", True, True), ("on", False, False)])
def test_fine_stage_is_opt_in(monkeypatch, env, flag, asked):
    if env is None:
        monkeypatch.delenv("CTXPRUNE_PROMPT_FINE", raising=False)
    else:
        monkeypatch.setenv("CTXPRUNE_PROMPT_FINE", env)
    monkeypatch.setattr(prompt_mod, "lm_available", lambda: False)  # asked-for shows as "unavailable", fast
    body = _body() if flag is None else _body(fine=flag)
    res = Engine(Settings(warm_up_on_start=False)).prune("prompt", body, use_cache=False)
    assert res.stats.extra["fine_stage"].startswith("unavailable") is asked, res.stats.extra


def test_code_context_keeps_whole_lines(client):
    code = "\n".join(f"    value_{i} = compute(item_{i}, factor={i})" for i in range(200))
    r = client.post("/v1/prune/prompt", json={"context": code, "question": "Next line of code:\n", "budget": {"ratio": 0.2}})
    b = r.json()
    lines = set(code.split("\n"))
    assert all(line in lines for line in b["context"].split("\n"))
    assert b["stats"]["ratio"] <= 0.2
