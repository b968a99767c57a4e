"""The coarse stage of DSPC: score every sentence of the context against the question.

Relevance is TF-IDF cosine (fitted on the context's own sentences) fused with dense cosine
(MiniLM for short contexts, the static wordllama model otherwise: MiniLM costs ~0.1 s per 30
sentences on 2 cores, which a 30k-token context cannot afford), plus the score of the
sentence's segment as a whole (a passage that answers lifts its sentences), and a second hop:
the query expanded with the best first-hop sentences finds the bridge sentence of a two-hop
question. With no question, the query is the context's top TF-IDF keywords.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from ctxprune.pruners.prompt_split import Unit
from ctxprune.scoring import ScorerHub, minmax
from ctxprune.textproc import words


@dataclass(frozen=True)
class CoarseWeights:
    sparse: float = 0.5  # TF-IDF vs dense inside one hop
    hop1: float = 0.55
    hop2: float = 0.2
    segment: float = 0.25
    seeds: int = 2
    dense_max_units: int = 40  # up to this many sentences MiniLM embeds; above, the static model (speed)


def keywords(texts: list[str], k: int = 12) -> str:
    """The context's top TF-IDF terms: the query when the request has no question."""
    try:
        vec = TfidfVectorizer(analyzer=words, sublinear_tf=True)
        m = vec.fit_transform(texts)
    except ValueError:
        return ""
    weight = np.asarray(m.sum(axis=0)).ravel()
    vocab = np.array(vec.get_feature_names_out())
    return " ".join(vocab[np.argsort(-weight)[:k]])


class CoarseScorer:
    def __init__(self, hub: ScorerHub, weights: CoarseWeights = CoarseWeights()):
        self.hub = hub
        self.w = weights

    def dense_name(self, n_units: int) -> str:
        return "dense" if n_units <= self.w.dense_max_units else "static"

    def score(self, query: str, context: str, units: list[Unit], scorer: str | None = None) -> tuple[np.ndarray, str]:
        """A score per unit (labels get 0; they follow their segment) and the scorer description."""
        idx = [u.index for u in units if not u.is_label]
        out = np.zeros(len(units))
        if not idx:
            return out, "none"
        texts = [units[i].text(context) for i in idx]
        if not query.strip():
            query = keywords(texts)
        if scorer:  # one named scorer: the single-signal baselines
            out[idx] = np.asarray(self.hub.get(scorer).score(query, texts), dtype=float)
            return out, scorer
        w = self.w
        tfidf = self.hub.get("tfidf")
        dname = self.dense_name(len(texts))
        dense = self.hub.get(dname)
        emb = np.nan_to_num(dense.embed([query, *texts]))  # the static model gives NaN for punctuation-only text
        q, e = emb[0], emb[1:]

        def hop(qvec: np.ndarray, qtext: str) -> np.ndarray:
            return w.sparse * minmax(tfidf.score(qtext, texts)) + (1 - w.sparse) * minmax(e @ qvec)

        s1 = hop(q, query)
        seg_of = np.array([units[i].segment for i in idx])
        seg_score = self._segments(query, q, context, units, dname)
        seeds = list(np.argsort(-s1)[: w.seeds])
        q2 = q + e[seeds].sum(axis=0)
        q2 /= np.linalg.norm(q2) + 1e-9
        s2 = hop(q2, " ".join([query, *(texts[i] for i in seeds)]))
        final = w.hop1 * s1 + w.hop2 * s2 + w.segment * seg_score[seg_of]
        out[idx] = final
        return out, f"tfidf+{dname}, two hops, segment prior"

    def _segments(self, query: str, qvec: np.ndarray, context: str, units: list[Unit], dname: str) -> np.ndarray:
        """Relevance of each segment as a whole (0 when the context is one segment)."""
        n = max(u.segment for u in units) + 1
        if n < 2:
            return np.zeros(n)
        seg_text = [[] for _ in range(n)]
        for u in units:
            if not u.is_label:
                seg_text[u.segment].append(u.text(context))
        texts = [" ".join(t) for t in seg_text]
        sparse = minmax(self.hub.get("tfidf").score(query, texts))
        e = np.nan_to_num(self.hub.get(dname).embed([t[:2000] for t in texts]))
        return self.w.sparse * sparse + (1 - self.w.sparse) * minmax(e @ qvec)
