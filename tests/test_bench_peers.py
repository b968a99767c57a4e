"""The LongLLMLingua peer plumbing: venv discovery, the subprocess protocol, document split, model-folder view."""
import json
import sys
from pathlib import Path

from ctxprune.bench import peer_llmlingua as runner
from ctxprune.bench import peers


def test_missing_peers_venv_is_skipped_with_a_message(tmp_path, monkeypatch):
    monkeypatch.delenv("CTXPRUNE_PEERS_PYTHON", raising=False)
    monkeypatch.setattr(peers, "REPO", tmp_path)
    assert peers.peers_python() is None
    assert "make bench-peers" in peers.skip_message()
    fake = tmp_path / "python"
    fake.write_text("")
    assert peers.peers_python(str(fake)) == fake and peers.skip_message(str(fake)) is None


def test_runner_protocol_one_line_per_request(tmp_path, monkeypatch):
    # a stand-in runner: echoes the first word of each context, fails on one id
    fake = tmp_path / "runner.py"
    fake.write_text(
        "import json, sys\n"
        "for line in sys.stdin:\n"
        "    r = json.loads(line)\n"
        "    out = {'id': r['id'], 'seconds': 0.5}\n"
        "    out.update({'error': 'boom'} if r['id'] == 'bad' else {'context': r['context'].split()[0]})\n"
        "    print(json.dumps(out), flush=True)\n")
    monkeypatch.setattr(peers, "RUNNER", fake)
    seen = []
    reqs = [{"id": "a", "context": "alpha beta", "question": "q", "ratio": 0.3},
            {"id": "bad", "context": "x", "question": "q", "ratio": 0.3}]
    out = peers.run_longllmlingua(reqs, Path(sys.executable), model=tmp_path, progress=seen.append)
    assert [o.id for o in out] == ["a", "bad"] and out[0].context == "alpha" and out[1].error == "boom"
    assert len(seen) == 2


def test_documents_split_at_passage_labels_else_merge_paragraphs():
    ctx = "Passage 1:\nA a a.\n\nPassage 2:\nB b.\nPassage 3:\nC."
    docs = runner.documents(ctx)
    assert len(docs) == 3 and docs[1].startswith("Passage 2:") and "".join(docs) == ctx
    paras = "\n\n".join(f"Paragraph text number {i} " * 20 for i in range(10))
    merged = runner.documents(paras)
    assert 1 < len(merged) < 10 and all(len(d) <= runner.MAX_DOC_CHARS + 600 for d in merged)


def test_legacy_folder_translates_transformers5_config(tmp_path):
    src = tmp_path / "m"
    src.mkdir()
    (src / "config.json").write_text(json.dumps({"model_type": "llama", "dtype": "float32",
                                                 "rope_parameters": {"rope_theta": 100000.0, "rope_type": "default"}}))
    (src / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "TokenizersBackend"}))
    (src / "model.safetensors").write_bytes(b"w")
    dst = runner.legacy_folder(src)
    cfg = json.loads((dst / "config.json").read_text())
    assert cfg["rope_theta"] == 100000.0 and "rope_parameters" not in cfg and cfg["torch_dtype"] == "float32"
    assert json.loads((dst / "tokenizer_config.json").read_text())["tokenizer_class"] == "PreTrainedTokenizerFast"
    assert (dst / "model.safetensors").read_bytes() == b"w"


def _echo_runner(tmp_path) -> Path:
    fake = tmp_path / "echo.py"
    fake.write_text("import json, sys\n"
                    "for line in sys.stdin:\n"
                    "    r = json.loads(line)\n"
                    "    print(json.dumps({'id': r['id'], 'context': r['context'], 'seconds': 1.0}), flush=True)\n")
    return fake


def test_bench_peer_curve_skips_or_adds_a_point(tmp_path, monkeypatch):
    from ctxprune.tokens import get_counter

    ex = {"id": "x", "query": "Who founded Acme?", "answers": ["Jane Doe"], "meta": {"task": "hotpotqa", "language": "en"},
          "context": {"context": "Passage 1:\nAcme was founded by Jane Doe in 1901.", "instruction_head": "", "query_tail": ""}}
    monkeypatch.delenv("CTXPRUNE_PEERS_PYTHON", raising=False)
    monkeypatch.setattr(peers, "REPO", tmp_path)
    assert "skipped" in peers.peer_curve([ex], 0.33, get_counter())
    monkeypatch.setattr(peers, "RUNNER", _echo_runner(tmp_path))
    monkeypatch.setattr(peers, "model_folder", lambda: tmp_path)
    got = peers.peer_curve([ex], 0.33, get_counter(), explicit=sys.executable)
    assert got["longllmlingua"][0.33] == {"recall": 1.0, "kept_ratio": 1.0, "n": 1, "errors": 0, "mean_s": 1.0}


def test_report_shows_a_one_point_peer_curve_and_the_skip_note(tmp_path):
    from ctxprune.bench.report import write_report

    res = {"n": 2, "curves": {"ctxprune": {0.1: {"recall": 0.5, "kept_ratio": 0.1}, 0.33: {"recall": 1.0, "kept_ratio": 0.33}},
                              "longllmlingua": {0.33: {"recall": 0.5, "kept_ratio": 0.3, "n": 2, "mean_s": 12.0}}},
           "peers_skipped": None}
    results = {"split": "dev", "limit": 2, "machine": {"cpus": 2, "python": "3"}, "warm_up_s": 1.0, "ratios": [0.1, 0.33],
               "kinds": {"prompt": res}}
    write_report(tmp_path / "r.md", results)
    text = (tmp_path / "r.md").read_text()
    assert "| longllmlingua | — | 0.500 (0.300) |" in text and "n=2, 12.0 s per prompt" in text


def test_report_prints_a_kinds_caveat(tmp_path):
    from ctxprune.bench.kinds import adapter
    from ctxprune.bench.report import write_report

    assert "in-sample" in adapter("axtree").CAVEAT
    res = {"n": 1, "curves": {"ctxprune": {0.3: {"recall": 1.0, "kept_ratio": 0.3}}}, "caveat": adapter("axtree").CAVEAT}
    results = {"split": "dev", "limit": 1, "machine": {"cpus": 2, "python": "3"}, "warm_up_s": 1.0, "ratios": [0.3],
               "kinds": {"axtree": res}}
    write_report(tmp_path / "r.md", results)
    assert "Note: ctxprune's line ranker" in (tmp_path / "r.md").read_text()
