"""Sparse relevance with TF-IDF cosine (scikit-learn), fitted on the texts being scored."""
from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from ctxprune.textproc import words


class TfidfScorer:
    name = "tfidf"

    def __init__(self, sublinear_tf: bool = True):
        self.sublinear_tf = sublinear_tf

    def warm_up(self) -> None:
        pass

    def vectorize(self, query: str, texts: Sequence[str]):
        vec = TfidfVectorizer(analyzer=words, sublinear_tf=self.sublinear_tf, norm="l2")
        m = vec.fit_transform(list(texts) + [query])
        return vec, m[:-1], m[-1]

    def score(self, query: str, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        try:
            _, docs, q = self.vectorize(query, texts)
        except ValueError:  # empty vocabulary: nothing but stop words and punctuation
            return np.zeros(len(texts))
        return np.asarray((docs @ q.T).toarray()).ravel()
