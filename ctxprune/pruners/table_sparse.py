"""Vectorised BM25 of many rows against one question, for tables too large for rank-bm25's per-row Python.

scikit-learn's CountVectorizer, restricted to the question's own words, gives term frequencies for
all rows in one pass; the Okapi formula is then applied with numpy. Same tokenizer (``words``)
as the hub's BM25 scorer, so the two agree on what a term is.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from ctxprune.textproc import words


def bm25_vectorised(query: str, texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    q = sorted(set(words(query)))
    if not q or not texts:
        return np.zeros(len(texts))
    vec = CountVectorizer(vocabulary=q, lowercase=True, token_pattern=r"(?u)[^\W_]+")
    # words() folds plurals ("films" -> "film"): count the plural form of each query term as the term
    tf = vec.transform(texts).astype(float).tocsc()
    plural = CountVectorizer(vocabulary=[w + "s" for w in q], lowercase=True, token_pattern=r"(?u)[^\W_]+")
    tf = tf + plural.transform(texts).astype(float).tocsc()
    lengths = np.fromiter((t.count(" ") + 1 for t in texts), dtype=float, count=len(texts))
    avg = lengths.mean() or 1.0
    n = len(texts)
    df = np.diff(tf.indptr).astype(float)
    idf = np.maximum(np.log((n - df + 0.5) / (df + 0.5) + 1.0), 0.0)
    out = np.zeros(n)
    norm = k1 * (1 - b + b * lengths / avg)
    for j in range(len(q)):
        lo, hi = tf.indptr[j], tf.indptr[j + 1]
        rows, f = tf.indices[lo:hi], tf.data[lo:hi]
        out[rows] += idf[j] * f * (k1 + 1) / (f + norm[rows])
    return out
