"""Peer compressors run in their own venv (``make bench-peers`` builds ``.venv-peers``).

LongLLMLingua (llmlingua 0.2.2) needs transformers 4.46.3, which cannot share a venv with
ctxprune's transformers 5, so it runs as a subprocess (``peer_llmlingua.py``) on the same dense
SmolLM2 copy ctxprune's fine stage uses. Without that venv the peers are skipped with a message.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("peer_llmlingua.py")


@dataclass
class PeerOutput:
    id: str
    context: str | None
    seconds: float
    error: str | None = None


def peers_python(explicit: str | None = None) -> Path | None:
    """The peers venv's interpreter: the argument, $CTXPRUNE_PEERS_PYTHON, or <repo>/.venv-peers."""
    cand = explicit or os.environ.get("CTXPRUNE_PEERS_PYTHON") or str(REPO / ".venv-peers" / "bin" / "python")
    path = Path(cand)
    return path if path.exists() else None


def skip_message(explicit: str | None = None) -> str | None:
    """None when the peers can run, else why not (the bench prints it and goes on)."""
    if peers_python(explicit) is None:
        return "LongLLMLingua skipped: no peers venv (run `make bench-peers` or set CTXPRUNE_PEERS_PYTHON)"
    return None


def model_folder() -> Path:
    """The dense SmolLM2 folder (converted once by ctxprune's LM loader)."""
    from ctxprune.scoring.lm import dense_copy, packaged_gguf

    return dense_copy(packaged_gguf())


def _feed(pipe, text: str) -> None:
    try:
        pipe.write(text)
        pipe.close()
    except (BrokenPipeError, ValueError):  # the child died; its exit code tells the caller
        pass


def run_longllmlingua(requests: list[dict], python: Path, model: Path | None = None, timeout: float = 7200,
                      progress=None) -> list[PeerOutput]:
    """Compress each {"id", "context", "question", "ratio"} with LongLLMLingua in one subprocess (one model load)."""
    from ctxprune.tokens import TIKTOKEN_DIR

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    env.setdefault("TIKTOKEN_CACHE_DIR", str(TIKTOKEN_DIR))
    proc = subprocess.Popen([str(python), str(RUNNER), str(model or model_folder())], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=sys.stderr, text=True, env=env)
    try:
        assert proc.stdin and proc.stdout
        payload = "".join(json.dumps(r) + "\n" for r in requests)
        # fed from a thread: the child answers while it reads, and a full stdout pipe must not block our writes
        feeder = threading.Thread(target=_feed, args=(proc.stdin, payload), daemon=True)
        feeder.start()
        out = []
        for line in proc.stdout:
            d = json.loads(line)
            out.append(PeerOutput(d["id"], d.get("context"), d["seconds"], d.get("error")))
            if progress:
                progress(out[-1])
        proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
    if proc.returncode:
        raise RuntimeError(f"LongLLMLingua runner exited with {proc.returncode}")
    return out


def peer_curve(rows: list[dict], ratio: float, counter, explicit: str | None = None, limit: int = 5) -> dict:
    """LongLLMLingua on the first ``limit`` scored prompt records at ``ratio`` for ``ctxprune bench``:
    {"longllmlingua": {ratio: {...}}}, or {"skipped": why}."""
    from ctxprune.bench.kinds import prompt as ad

    python = peers_python(explicit)
    if python is None or limit <= 0:
        return {"skipped": skip_message(explicit) or "LongLLMLingua skipped: --peer-limit 0"}
    rows = [r for r in rows if ad.scored(r)][:limit]
    if not rows:
        return {"skipped": "LongLLMLingua skipped: no scored prompt records"}
    reqs = [{"id": r["id"], "context": ad.full(r), "question": ad.query(r), "ratio": ratio} for r in rows]
    outs = {o.id: o for o in run_longllmlingua(reqs, python)}
    rec, kept, secs, failed = [], [], [], 0
    for r in rows:
        o = outs.get(r["id"])
        if o is None or o.error or o.context is None:  # an error is not a compression: leave it out, count it
            failed += 1
            continue
        rec.append(ad.recall(r, {"context": o.context}))
        kept.append(counter.count(o.context) / max(1, counter.count(ad.full(r))))
        secs.append(o.seconds)
    n = len(rec)
    if not n:
        return {"skipped": f"LongLLMLingua failed on all {failed} records"}
    return {"longllmlingua": {ratio: {"recall": sum(rec) / n, "kept_ratio": sum(kept) / n, "n": n,
                                      "errors": failed, "mean_s": sum(secs) / n}}}
