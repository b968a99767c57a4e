"""The int8 ONNX Runtime path of the dense model: export once, close to full precision, same ranking."""
from __future__ import annotations

import json

import numpy as np
import pytest

from ctxprune.config import Settings
from ctxprune.errors import ModelUnavailable
from ctxprune.models import resolve_dtype
from ctxprune.onnx_dense import check_pipeline, onnx_available

needs_onnx = pytest.mark.skipif(not onnx_available(), reason="the 'onnx' extra is not installed")

TEXTS = [
    "Paris is the capital and most populous city of France.",
    "The Eiffel Tower was completed in 1889 for the World's Fair.",
    "Photosynthesis converts light energy into chemical energy in plants.",
    "Marie Curie was born in Warsaw and later worked in Paris on radioactivity.",
    "Bananas are yellow.",
]


def test_int8_is_a_cpu_only_choice():
    assert resolve_dtype("int8", "cpu") == "int8"
    with pytest.raises(ModelUnavailable, match="CPU only"):
        resolve_dtype("int8", "cuda")


def _folder(path, modules, pooling):
    (path / "1_Pooling").mkdir(parents=True)
    (path / "modules.json").write_text(json.dumps(modules))
    (path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    return path


def test_only_mean_pooled_encoders_are_exported(tmp_path):
    mods = [{"path": "", "type": "sentence_transformers.models.Transformer"},
            {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    check_pipeline(_folder(tmp_path / "mean", mods, {"pooling_mode_mean_tokens": True}))
    with pytest.raises(ModelUnavailable, match="mean pooling"):
        check_pipeline(_folder(tmp_path / "cls", mods, {"pooling_mode_cls_token": True}))
    dense = mods + [{"path": "2_Dense", "type": "sentence_transformers.models.Dense"}]
    with pytest.raises(ModelUnavailable, match="Dense"):
        check_pipeline(_folder(tmp_path / "dense", dense, {"pooling_mode_mean_tokens": True}))


@pytest.fixture(scope="module")
def int8_and_fp32(tmp_path_factory):
    import os

    from ctxprune.scoring import ScorerHub

    folder = tmp_path_factory.mktemp("onnx")
    os.environ["CTXPRUNE_ONNX_CACHE"] = str(folder)
    try:
        int8 = ScorerHub(Settings(redis_url=None, dense_dtype="int8", dense_max_tokens=64)).get("dense")
        int8.warm_up()
    finally:
        del os.environ["CTXPRUNE_ONNX_CACHE"]
    full = ScorerHub(Settings(redis_url=None, dense_dtype="float32", dense_max_tokens=64)).get("dense")
    int8.onnx_folder = folder
    return int8, full


@needs_onnx
@pytest.mark.slow
def test_int8_embeddings_stay_close_to_full_precision_and_rank_alike(int8_and_fp32):
    int8, full = int8_and_fp32
    a, b = int8.embed(TEXTS), full.embed(TEXTS)
    assert a.shape == b.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-3)
    assert float(np.min(np.sum(a * b, axis=1))) > 0.98
    q_int8, q_full = int8.embed(["Where was Marie Curie born?"])[0], full.embed(["Where was Marie Curie born?"])[0]
    assert int(np.argmax(a @ q_int8)) == int(np.argmax(b @ q_full)) == 3
    assert "int8" in int8.model_id and int8.model_id != full.model_id  # separate cache entries


@needs_onnx
@pytest.mark.slow
def test_int8_reads_at_most_the_wordpiece_cap(int8_and_fp32):
    int8, _ = int8_and_fp32
    long_a = "Paris is the capital of France. " * 12
    va, vb = int8.embed([long_a, long_a + "Bananas are yellow fruit. " * 10])
    assert float(va @ vb) > 0.999


@needs_onnx
@pytest.mark.slow
def test_passages_pruner_runs_on_int8(int8_and_fp32, tmp_path, monkeypatch):
    from ctxprune.api import Engine

    monkeypatch.setenv("CTXPRUNE_ONNX_CACHE", str(tmp_path))
    eng = Engine(Settings(redis_url=None, dense_dtype="int8"))
    passages = [{"id": "a", "title": "Marie Curie", "text": "Marie Curie was a physicist. She was born in Warsaw in 1867."},
                {"id": "b", "title": "Bananas", "text": "Bananas are yellow. They grow in bunches."},
                {"id": "c", "title": "Paris", "text": "Paris is the capital of France. It lies on the Seine."}]
    res = eng.prune("passages", {"query": "Where was Marie Curie born?", "passages": passages, "budget": {"max_tokens": 20}})
    assert any("Warsaw" in p.text for p in res.passages)
    assert res.stats.tokens_out <= 20


@needs_onnx
@pytest.mark.slow
def test_int8_vectors_do_not_depend_on_the_batch(int8_and_fp32):
    int8, _ = int8_and_fp32
    alone = int8.embed([TEXTS[0]])
    int8._embedder.clear_local()  # a fresh encode, not a cache hit
    with_others = int8.embed(TEXTS + ["A much longer sentence that would set the padding and the scale of a batch. " * 3])
    assert np.array_equal(alone[0], with_others[0])


@needs_onnx
@pytest.mark.slow
def test_encoders_with_different_caps_share_one_session(int8_and_fp32):
    from ctxprune.models import dense_model_path
    from ctxprune.onnx_dense import OnnxSentenceEncoder

    int8, _ = int8_and_fp32
    (onnx_file,) = list(int8.onnx_folder.glob("*.onnx"))
    short = OnnxSentenceEncoder(dense_model_path("minilm"), onnx_file, max_tokens=16)
    long = OnnxSentenceEncoder(dense_model_path("minilm"), onnx_file, max_tokens=128)
    assert short.session is long.session and (short.max_seq_length, long.max_seq_length) == (16, 128)
