"""LongLLMLingua runner for the peers venv (llmlingua 0.2.2, transformers 4.46.3): JSON lines in, JSON lines out.

Runs as a plain script under ``.venv-peers/bin/python`` (``make bench-peers``) and imports nothing
from ctxprune, whose dependencies (transformers 5) cannot share that venv.

stdin, one per line:  {"id", "context", "question", "ratio"}
stdout, one per line: {"id", "context", "seconds"} (the compressed context only), or {"id", "error"}.
argv[1]: a local causal-LM folder (the dense SmolLM2 copy ctxprune converts once).

Settings follow the LongLLMLingua recipe of the llmlingua README (question-aware coarse ranking,
``sort`` reordering, dynamic ratios, condition comparison), with the context split into its
passages / paragraphs as the documents LongLLMLingua ranks.
"""
from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

LABEL = re.compile(r"^(?:Passage|Paragraph|Document)\s*\d+\s*:", re.M)
MAX_DOC_CHARS = 1500


def documents(context: str) -> list[str]:
    """Passages at their label lines when the context has them, else blank-line paragraphs
    merged up to MAX_DOC_CHARS, so LongLLMLingua ranks document-sized pieces."""
    starts = [m.start() for m in LABEL.finditer(context)]
    if len(starts) >= 2:
        bounds = [0, *starts[1:], len(context)] if starts[0] > 0 else [*starts, len(context)]
        docs = [context[a:b] for a, b in zip(bounds, bounds[1:])]
    else:
        docs, cur = [], ""
        for para in re.split(r"\n\s*\n", context):
            if cur and len(cur) + len(para) > MAX_DOC_CHARS:
                docs.append(cur)
                cur = ""
            cur = f"{cur}\n\n{para}" if cur else para
        docs.append(cur)
    return [d for d in docs if d.strip()] or [context]


def legacy_folder(src: Path) -> Path:
    """A view of a transformers-5 model folder that transformers 4.46 reads the same way.

    transformers 5 saves ``rope_parameters`` (4.46 would silently fall back to rope_theta 10000),
    ``dtype`` and a ``TokenizersBackend`` tokenizer class; the view has symlinked weights and
    rewritten config files.
    """
    cfg = json.loads((src / "config.json").read_text())
    tok = json.loads((src / "tokenizer_config.json").read_text())
    if "rope_parameters" not in cfg and tok.get("tokenizer_class") != "TokenizersBackend":
        return src
    dst = Path(tempfile.mkdtemp(prefix="ctxprune-peer-model-"))
    atexit.register(shutil.rmtree, dst, True)
    for f in src.iterdir():
        if f.name not in ("config.json", "tokenizer_config.json"):
            os.symlink(f.resolve(), dst / f.name)
    rope = cfg.pop("rope_parameters", None) or {}
    if "rope_theta" in rope:
        cfg["rope_theta"] = rope["rope_theta"]
    if rope.get("rope_type", "default") != "default":
        cfg["rope_scaling"] = rope
    if "dtype" in cfg:
        cfg["torch_dtype"] = cfg.pop("dtype")
    tok["tokenizer_class"] = "PreTrainedTokenizerFast"
    (dst / "config.json").write_text(json.dumps(cfg))
    (dst / "tokenizer_config.json").write_text(json.dumps(tok))
    return dst


def compress(lingua, context: str, question: str, ratio: float) -> str:
    target = max(1, int(ratio * len(lingua.oai_tokenizer.encode(context, disallowed_special=()))))
    res = lingua.compress_prompt(
        documents(context), instruction="", question=question, target_token=target,
        condition_in_question="after_condition", reorder_context="sort",
        dynamic_context_compression_ratio=0.3, condition_compare=True, context_budget="+100",
        rank_method="longllmlingua")
    out = res["compressed_prompt"]
    # compress_prompt returns instruction + context + question joined by blank lines; keep the context
    if question and out.endswith(question):
        out = out[: -len(question)].rstrip("\n")
    return out


def main() -> int:
    from llmlingua import PromptCompressor

    lingua = PromptCompressor(model_name=str(legacy_folder(Path(sys.argv[1]))), device_map="cpu")
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        t0 = time.perf_counter()
        try:
            out = {"id": req["id"], "context": compress(lingua, req["context"], req["question"], req["ratio"])}
        except Exception as exc:  # one failing prompt is reported, the run goes on
            out = {"id": req["id"], "error": f"{type(exc).__name__}: {exc}"[:500]}
        out["seconds"] = time.perf_counter() - t0
        print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
