"""A learned second opinion for the injection guard: is this page text addressed to an AI agent?

Logistic regression over wordllama static embeddings plus a few 0/1 pattern features
(``axtree_guard_features``: a machine named as reader, credentials asked for, instructions mentioned, ...; trained by scripts/train_axtree_guard.py on
self-written attack messages vs. ordinary page texts). The rules in ``axtree_guard`` catch the
phrasings they were written against; this model carries the pattern to new wordings. A text is
judged whole up to 80 words, longer texts in 40-word windows (a root repeating the whole page must
not dilute a message, nor combine words from far apart).
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from importlib import resources
from typing import Callable

import numpy as np

from ctxprune.pruners.axtree_guard_features import NAMES, features
from ctxprune.textproc import split_sentences

log = logging.getLogger(__name__)

CACHED_TEXT_CHARS = 2_000  # longer texts (a root naming the whole page) are scored, not kept

MODEL_PATH = resources.files("ctxprune") / "_data" / "axtree_guard_lr.npz"
MIN_WORDS = 5  # shorter texts (labels, links) are left to the rules


@lru_cache(maxsize=1)
def _weights() -> tuple[np.ndarray, np.ndarray, float, int] | None:
    """(coef: heads x inputs, intercept per head, threshold, number of pattern features after the embedding).

    A file may hold several logistic heads (e.g. the session-4 model and the one trained on slot-template texts),
    each shifted so that its own attack-free threshold maps to the common one: a text is flagged when any head
    flags it, and the reported probability is the highest shifted one."""
    try:
        with resources.as_file(MODEL_PATH) as path, np.load(path) as z:
            n_feat = int(z["n_features"]) if "n_features" in z else 0
            return (np.atleast_2d(z["coef"]).astype(np.float32), np.atleast_1d(z["intercept"]).astype(np.float32),
                    float(z["threshold"]), n_feat)
    except FileNotFoundError:
        return None


def merge_heads(files: list, out) -> float:
    """Stack the heads of several weight files (same inputs) into one; returns the common threshold."""
    zs = [np.load(f) for f in files]
    assert len({int(z["n_features"]) for z in zs}) == 1, "heads must use the same inputs"
    common = max(float(z["threshold"]) for z in zs)
    logit = lambda q: np.log(q / (1 - q))  # noqa: E731
    coef = np.vstack([np.atleast_2d(z["coef"]) for z in zs])
    icpt = np.concatenate([np.atleast_1d(z["intercept"]) - logit(min(float(z["threshold"]), 0.999)) + logit(min(common, 0.999))
                           for z in zs])
    np.savez(out, coef=coef.astype(np.float32), intercept=icpt.astype(np.float32), threshold=np.float32(common),
             n_features=zs[0]["n_features"])
    return common


def design(embed: Callable[[list[str]], np.ndarray], texts: list[str], n_feat: int) -> np.ndarray:
    """The model's inputs: embedding, then (when the weights use them) the pattern features."""
    x = np.nan_to_num(np.asarray(embed(texts), dtype=np.float32))
    return np.hstack([x, features(texts)]) if n_feat else x


def windows(text: str, size: int = 40, whole: int = 80) -> list[str]:
    ws = text.split()
    if len(ws) <= whole:
        return [text]
    return [" ".join(ws[a:a + size]) for a in range(0, len(ws) - size // 2, size // 2)]


def sentence_packs(text: str, size: int = 30, min_words: int = 8) -> list[str]:
    """A text of several sentences as its sentences packed greedily into windows of up to ``size`` words (a last
    window shorter than ``min_words`` joins the one before); [] when that gives fewer than two windows."""
    sents = split_sentences(text)
    if len(sents) < 2:
        return []
    packed: list[list[str]] = []
    n = 0
    for s in sents:
        k = len(s.split())
        if packed and n + k <= size:
            packed[-1].append(s)
            n += k
        else:
            packed.append([s])
            n = k
    if len(packed) > 1 and n < min_words:  # n: the last window's words
        tail = packed.pop()
        packed[-1] += tail
    out = [" ".join(p) for p in packed]
    return out if len(out) > 1 else []


def per_text_probability(texts: list[str], seen: dict[str, float], cache_size: int,
                         logits: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Probability per text = the highest sigmoid of ``logits`` over its windows; cached per text in ``seen``
    (a site's texts recur from step to step)."""
    known = {t: seen.get(t) for t in set(texts)}  # a concurrent clear() may empty the cache at any time
    new = sorted(t for t, p in known.items() if p is None)
    if new:
        owner, parts = [], []
        for i, t in enumerate(new):
            for part in windows(t):
                owner.append(i)
                parts.append(part)
        p = np.zeros(len(new))
        np.maximum.at(p, np.array(owner), 1.0 / (1.0 + np.exp(-logits(parts))))
        fresh = dict(zip(new, p.tolist()))
        known.update(fresh)
        if len(seen) + len(new) > cache_size:
            seen.clear()
        seen.update((t, q) for t, q in fresh.items() if len(t) <= CACHED_TEXT_CHARS)
    return np.array([known[t] for t in texts])


class AgentTextModel:
    """``flag(texts)`` -> probability per text (max over its windows) that it speaks to an agent."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray], cache_size: int = 100_000):
        self.embed = embed
        self._seen: dict[str, float] = {}  # probability per text: a site's texts recur from step to step
        self._cache_size = cache_size

    def clear(self) -> None:
        self._seen.clear()

    @property
    def available(self) -> bool:
        return _weights() is not None

    @property
    def threshold(self) -> float:
        w = _weights()
        return w[2] if w else 1.0

    def proba(self, texts: list[str]) -> np.ndarray:
        w = _weights()
        out = np.zeros(len(texts))
        if w is None or not texts:
            return out
        coef, intercept, _, n_feat = w
        return per_text_probability(texts, self._seen, self._cache_size,
                                    lambda parts: (design(self.embed, parts, n_feat) @ coef.T + intercept).max(axis=1))


# ------------------------------------------------------------------ session 7: a MiniLM sentence head (cascade)
DENSE_PATH = resources.files("ctxprune") / "_data" / "axtree_guard_minilm.npz"
# longer texts (navigation menus, page roots) are left to the cheap path: their 40-word windows of link names
# look like anything to a sentence model, and an injected message is a short text of its own
DENSE_MAX_WORDS = 80
MIN_HEAD_TOKENS = 128  # a dense model capped below this reads a cut-off 80-word text: not what the head was fit on


class DenseHeadWeights:
    """A logistic head over a sentence embedding (+ the pattern features), read with numpy.

    The file names the embedding model, its width and the pattern features in order; a file whose names
    differ from ``axtree_guard_features.NAMES`` (the bits would mean other things) is refused."""

    def __init__(self, path):
        with np.load(path) as z:
            self.coef = np.asarray(z["coef"], dtype=np.float32).ravel()
            self.intercept = float(z["intercept"])
            self.threshold = float(z["threshold"])
            self.embedding = str(z["embedding"])
            self.dim = int(z["dim"])
            self.names = [str(x) for x in z["feature_names"]]
            self.k = int(z["k"])
            self.floor = float(z["floor"])
            self.min_words = int(z["min_words"]) if "min_words" in z else MIN_WORDS
        if self.names and self.names != list(NAMES):
            raise ValueError(f"{path}: pattern features {self.names[:3]}... differ from this version's "
                             f"({len(NAMES)} features: {NAMES[:3]}...); retrain the head")
        if self.coef.shape[0] != self.dim + len(self.names):
            raise ValueError(f"{path}: {self.coef.shape[0]} weights for {self.dim} embedding + {len(self.names)} features")
        if self.k < 1 or not 0.0 <= self.floor < 1.0 or not self.threshold > 0.0 or self.min_words < 1:
            raise ValueError(f"{path}: k {self.k} (>= 1), floor {self.floor} (in [0, 1)), threshold {self.threshold} (> 0) "
                             f"or min_words {self.min_words} (>= 1) out of range")


@lru_cache(maxsize=1)
def _dense_weights() -> DenseHeadWeights | None:
    try:
        with resources.as_file(DENSE_PATH) as path:
            return DenseHeadWeights(path)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a stale, foreign or corrupt file: the head is off (cached), the rest of the guard runs
        log.error("axtree guard MiniLM head refused: %s", exc)
        return None


class DenseAgentTextHead:
    """Second stage of the guard's learned opinion: a MiniLM sentence embedding of the few texts the cheap path
    (rules + wordllama heads) found most suspicious but did not flag; ``proba(texts)`` -> probability per text
    (max over its windows). Embeddings go through the project's Embedder (a text seen before costs nothing)."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray], model_id: Callable[[], str] | None = None,
                 weights: DenseHeadWeights | None = None, cache_size: int = 100_000):
        self.embed = embed
        self._model_id = model_id
        self._given = weights
        self._seen: dict[str, float] = {}
        self._cache_size = cache_size
        self._ok: bool | None = None

    @property
    def weights(self) -> DenseHeadWeights | None:
        return self._given if self._given is not None else _dense_weights()

    def clear(self) -> None:
        self._seen.clear()

    @property
    def available(self) -> bool:
        w = self.weights
        if w is None:
            return False
        if self._ok is None:
            self._ok = self._same_model(w)
        return self._ok

    def _same_model(self, w: DenseHeadWeights) -> bool:
        """The head reads the vectors of the model it was trained on, at full precision, or it is off.

        Another dense model (a local folder) gives other vectors; int8 ones move logits by more than the
        threshold's margin. A dense model that cannot load turns the head off: the rest of the guard runs."""
        try:
            mid = self._model_id() if self._model_id else w.embedding
        except Exception as exc:
            log.error("axtree guard MiniLM head off: the dense model is unavailable (%s)", exc)
            return False
        name, _, rest = mid.partition("@")
        cap = re.search(r"/max(\d+)", mid)
        if name.split("/")[0] != w.embedding or rest.startswith("int8") or (cap and int(cap.group(1)) < MIN_HEAD_TOKENS):
            log.warning("axtree guard MiniLM head off: trained on %s (float32/bfloat16, >= %d wordpieces), the dense "
                        "model is %s", w.embedding, MIN_HEAD_TOKENS, mid)
            return False
        return True

    @property
    def threshold(self) -> float:
        w = self.weights
        return w.threshold if w else 1.0

    def proba(self, texts: list[str]) -> np.ndarray:
        w = self.weights
        out = np.zeros(len(texts))
        if w is None or not texts:
            return out
        return per_text_probability(texts, self._seen, self._cache_size, lambda parts: self._logits(parts, w))

    def _logits(self, parts: list[str], w: DenseHeadWeights) -> np.ndarray:
        x = np.nan_to_num(np.asarray(self.embed(parts), dtype=np.float32))
        if x.shape[1] != w.dim:
            raise ValueError(f"embedding width {x.shape[1]}, the head expects {w.dim}")
        if w.names:
            x = np.hstack([x, features(parts)])
        return x @ w.coef + w.intercept
