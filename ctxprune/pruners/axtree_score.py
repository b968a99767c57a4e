"""Goal relevance of AxTree lines after FocusAgent, with small local scorers instead of an LLM.

Every line gets a sparse (BM25) and a static-embedding (wordllama) score against the goal, and
against the previous actions when given; only the best candidates are embedded with the dense
model (MiniLM). A prior lifts the roles an agent acts on, and structure spreads relevance: the
nameless child of a relevant link shares its score, and a container is worth what its best
child is worth. The text of a line is its role and name; a nameless node borrows the name of its
nearest named ancestor and of its children, so ``[ZX] img`` inside ``link 'Video'`` is findable.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ctxprune.pruners import axtree_rank as rank
from ctxprune.pruners.axtree_parse import Node
from ctxprune.scoring import ScorerHub, minmax
from ctxprune.textproc import normalize, words, words_many

_QUOTED = re.compile(r'"([^"]{2,80})"|“([^”]{2,80})”')
_ACTION_NOISE = re.compile(r"#HTML Segment:|[<>\[\]|()'\"]|\b(?:click|hover|type_string|scroll_page|go_backward|press)\b")


@dataclass(frozen=True)
class AxWeights:
    """How the signals combine (coarse grid on the AutoWebBench dev split, see docs/axtree.md)."""

    sparse: float = 1 / 3
    static: float = 1 / 3
    dense: float = 1 / 3  # for the best candidates; static stands in for the rest
    history: float = 0.3  # weight of the previous actions as a second query
    role: float = 0.6  # interactive elements
    text_role: float = 0.0  # headings and static text that name things
    child_share: float = 0.9  # a nameless or redundant child inherits this share of its parent's score
    parent_share: float = 0.8  # a container gets this share of its best child's score
    dense_top: int = 0  # lines re-ranked by the dense model (0: none; no gain on dev, see docs/axtree.md)
    dense_chars: int = 120  # text embedded per line by the dense model (the name's head is what matters)
    max_chars: int = 300  # text scored per line (a root's name can be the whole page)
    cost_power: float = 0.5  # lines are taken by score / tokens ** cost_power (small relevant lines first)
    name_match: float = 0.5  # share of an element's name words that the goal (or a quoted phrase of it) names
    textless: float = 0.6  # lines without a bid (text the agent cannot act on) lose this much
    learned: bool = True  # use the learned ranker (axtree_rank) when its weights are shipped
    ranker: str = ""  # weights file of the learned ranker ("": the shipped ctxprune/_data/axtree_rank_forest.npz)
    learned_power: float = 0.5  # learned score = scale × (probability / the page's best) ** power
    learned_mix: float = 0.7  # final = mix × learned + (1 − mix) × hand-weighted score
    learned_textless: float = 1.0  # share of the learned score a line without a bid loses (it cannot be acted on)
    learned_scale: float = 2.0  # the page's best line scores this much (selection adds 0.05 to every score)


def line_texts(nodes: list[Node], max_chars: int) -> list[str]:
    """Role + name per line; nameless nodes borrow their nearest named ancestor's and children's names."""
    out = []
    for n in nodes:
        name = n.name
        if not name:
            borrowed = [nodes[c].name for c in n.children if nodes[c].name][:3]
            p = n.parent
            while p is not None and not nodes[p].name:
                p = nodes[p].parent
            if p is not None and len(nodes[p].name) < max_chars:
                borrowed.insert(0, nodes[p].name)
            name = " ".join(borrowed)
        out.append(f"{n.role} {name}"[:max_chars])
    return out


_WORDS_CACHE: dict[str, tuple[str, ...]] = {}
WORDS_CACHE_SIZE = 50_000


def text_words(text: str) -> tuple[str, ...]:
    """Word tokens of a line text, cached: menus and footers repeat across the steps of a task."""
    return texts_words([text])[0]


def texts_words(texts: list[str]) -> list[tuple[str, ...]]:
    """``text_words`` of many texts; the ones not seen before are tokenised together."""
    cache = _WORDS_CACHE
    got = [cache.get(t) for t in texts]
    new = list({t for t, w in zip(texts, got) if w is None})
    if new:
        fresh = dict(zip(new, map(tuple, words_many(new))))
        if len(cache) + len(fresh) > WORDS_CACHE_SIZE:
            cache.clear()
        cache.update(fresh)
        got = [w if w is not None else fresh[t] for t, w in zip(texts, got)]
    return got


def clear_words_cache() -> None:
    _WORDS_CACHE.clear()


def bm25(query: list[str], docs: list[tuple[str, ...]], k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    """Okapi BM25 of every doc for the query terms only (one pass over the words, no per-doc index).

    An idf that goes negative (a term in over half the lines) is floored at a quarter of the
    smallest positive idf of the query, as rank-bm25 floors it at a share of the mean.
    """
    n = len(docs)
    out = np.zeros(n)
    if not n or not query:
        return out
    qset = set(query)
    tf = {t: np.zeros(n) for t in qset}
    lens = np.empty(n)
    for i, d in enumerate(docs):
        lens[i] = len(d) or 1
        for t in d:
            if t in qset:
                tf[t][i] += 1
    df = {t: float(np.count_nonzero(v)) for t, v in tf.items()}
    idf = {t: np.log((n - df[t] + 0.5) / (df[t] + 0.5)) for t in qset}
    positive = [v for v in idf.values() if v > 0]
    floor = 0.25 * min(positive) if positive else 0.01
    norm = k1 * (1 - b + b * lens / lens.mean())
    for t in query:
        f = tf[t]
        out += max(idf[t], floor) * f * (k1 + 1) / (f + norm)
    return out


def goal_terms(goal: str) -> tuple[set[str], list[str]]:
    """Content words of the goal and its quoted phrases ("Find a Clinic"), normalised."""
    phrases = [normalize(next(g for g in m.groups() if g)) for m in _QUOTED.finditer(goal)]
    return set(words(goal)), [p for p in phrases if p]


def name_match_parts(nodes: list[Node], goal: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(share of the name's words in the goal, 1 if the name is a phrase the goal quotes, name word count).

    Every copy of a matching element gets the same values (a page often repeats a menu link).
    """
    gw, phrases = goal_terms(goal)
    share, quoted, count = np.zeros(len(nodes)), np.zeros(len(nodes)), np.zeros(len(nodes))
    names = list(dict.fromkeys(n.name for n in nodes if n.name))
    seen: dict[str, tuple[float, float, int]] = {}
    for name, ws in zip(names, texts_words([nm[:300] for nm in names])):
        nw = set(ws)
        q = False
        if phrases:
            low = normalize(name[:300].replace("\\'", "'").replace('\\"', '"'))  # names escape their quotes
            q = any(p == low or (p in low and 2 * len(p) >= len(low)) for p in phrases)
        seen[name] = (len(nw & gw) / len(nw) if nw else 0.0, float(q), len(nw))
    for n in nodes:
        if n.name:
            share[n.index], quoted[n.index], count[n.index] = seen[n.name]
    return share, quoted, count


def name_match(nodes: list[Node], goal: str) -> np.ndarray:
    """How fully the goal names each element: share of its name words in the goal, 1 for a quoted phrase."""
    share, quoted, _ = name_match_parts(nodes, goal)
    return np.maximum(share, quoted)


def history_query(actions: list[str]) -> str:
    return " ".join(_ACTION_NOISE.sub(" ", a) for a in actions[-3:]).strip()


class AxScorer:
    def __init__(self, hub: ScorerHub, weights: AxWeights | None = None):
        self.hub = hub
        self.w = weights or AxWeights()

    def relevance(self, goal: str, history: str, texts: list[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Mean of min-max scaled BM25, static cosine and dense cosine (static stands in beyond the top lines)."""
        w = self.w
        static = self.hub.get("static")
        docs = texts_words(texts)
        sparse = minmax(bm25(words(goal), docs))
        qs = np.nan_to_num(static.embed([goal, history] if history else [goal]))
        emb = np.nan_to_num(static.embed(texts))  # an empty text embeds to NaN in wordllama
        stat = minmax(emb @ qs[0])
        if history:
            sparse = (sparse + w.history * minmax(bm25(words(history), docs))) / (1 + w.history)
            stat = (stat + w.history * minmax(emb @ qs[1])) / (1 + w.history)
        dense = stat.copy()
        top = np.argsort(-(sparse + stat), kind="stable")[: w.dense_top]
        if len(top) > 1:
            de = self.hub.get("dense").embed([goal, *(texts[i][: w.dense_chars] for i in top)])
            lo, hi = float(stat[top].min()), float(stat[top].max())  # re-rank within the static range of the top
            dense[top] = lo + (hi - lo) * minmax(de[1:] @ de[0])
        rel = w.sparse * sparse + w.static * stat + w.dense * dense
        return rel, {"sparse": sparse, "static": stat, "dense": dense, "texts": texts}

    @staticmethod
    def interactive(nodes: list[Node], parts: dict) -> np.ndarray:
        """1 for the roles an agent acts on (computed once per request, kept in ``parts``)."""
        if "interactive" not in parts:
            parts["interactive"] = np.array([n.interactive for n in nodes], dtype=float)
        return parts["interactive"]

    @staticmethod
    def bidless(nodes: list[Node], parts: dict) -> np.ndarray:
        """1 for lines without a bid (text the agent cannot act on), computed once per request."""
        if "bidless" not in parts:
            parts["bidless"] = np.array([n.bid is None for n in nodes], dtype=float)
        return parts["bidless"]

    def role_prior(self, nodes: list[Node], parts: dict | None = None) -> np.ndarray:
        w = self.w
        prior = w.role * self.interactive(nodes, {} if parts is None else parts)
        if w.text_role:
            prior += np.array([w.text_role if n.name and n.role in ("heading", "StaticText", "LabelText") else 0.0
                               for n in nodes]) * (prior == 0)
        return prior

    def spread(self, nodes: list[Node], s: np.ndarray) -> np.ndarray:
        """Children inherit from relevant parents; containers take their best child's score."""
        w = self.w
        out = s.tolist()  # Python floats: the same values, without numpy's per-item indexing cost
        for n in reversed(nodes):  # bottom-up: containers from children
            if n.children:
                out[n.index] = max(out[n.index], w.parent_share * max([out[c] for c in n.children]))
        low = [n.name.lower() for n in nodes]
        for n in nodes:  # top-down: nameless or redundant children from their parent
            p = n.parent
            if p is not None and (not n.name or (nodes[p].name and low[n.index] in low[p])):
                out[n.index] = max(out[n.index], w.child_share * out[p])
        return np.array(out, dtype=s.dtype)

    def features(self, goal: str, nodes: list[Node], parts: dict, dense_top: int = 0,
                 dense_cols: tuple[int, ...] = (0, 1, 2)) -> np.ndarray:
        """Per-line features of the learned ranker (``axtree_rank.FEATURES``, + ``DENSE_FEATURES`` if dense_top)."""
        if "name_parts" not in parts:
            parts["name_parts"] = name_match_parts(nodes, goal)
        share, quoted, count = parts["name_parts"]
        interactive = self.interactive(nodes, parts)
        x = rank.features(nodes, parts["sparse"], parts["static"], share, quoted, count, interactive)
        if dense_top <= 0:
            return x
        top = rank.dense_top_lines(x, dense_top)
        texts = parts["texts"]
        e = self.hub.get("dense").embed([goal, *(texts[i][: self.w.dense_chars] for i in top)])
        cos = e[1:] @ e[0] if len(top) else np.zeros(0)
        cols = rank.dense_columns(len(nodes), top, cos, parts["static"], dense_top)
        return np.hstack([x, cols[:, list(dense_cols)]])

    def prefetch(self, nodes: list[Node]) -> list[str]:
        """The lines' texts, embedded ahead of ``score`` so they are cached by then (see ``AxTreePruner.run``)."""
        texts = line_texts(nodes, self.w.max_chars)
        self.hub.get("static").embed(texts)
        return texts

    def score(self, goal: str, history: list[str], nodes: list[Node], exclude: set[int] | None = None,
              texts: list[str] | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Final score per line; ``exclude``d lines (removed by the guard) score -1 and lend nothing.

        ``texts``: the nodes' ``line_texts`` when the caller has them already (``prefetch``)."""
        if not nodes:
            return np.zeros(0), {}
        exclude = exclude or set()
        texts = texts if texts is not None else line_texts(nodes, self.w.max_chars)
        texts = ["removed" if i in exclude else t for i, t in enumerate(texts)]
        rel, parts = self.relevance(goal, history_query(history), texts)
        parts["relevance"] = rel
        final = self.hand_score(goal, nodes, rel, parts, exclude)
        model = rank.weights(self.w.ranker) if self.w.learned else None
        if model is not None:
            prob = rank.probability(self.features(goal, nodes, parts, model.dense_top, model.dense_cols), model)
            learned = self.w.learned_scale * (prob / max(float(prob.max()), 1e-9)) ** self.w.learned_power
            if self.w.learned_textless:
                learned *= 1.0 - self.w.learned_textless * self.bidless(nodes, parts)
            final = self.w.learned_mix * learned + (1 - self.w.learned_mix) * final
            final[list(exclude)] = -1.0
            parts["probability"] = prob
        return final, parts

    def hand_score(self, goal: str, nodes: list[Node], rel: np.ndarray, parts: dict,
                   exclude: set[int]) -> np.ndarray:
        """The hand-weighted mix: relevance + role prior + name match − bid-less penalty, spread by structure."""
        base = rel + self.role_prior(nodes, parts)
        if self.w.name_match:
            parts["name_parts"] = name_match_parts(nodes, goal)
            match = np.maximum(parts["name_parts"][0], parts["name_parts"][1])
            base += self.w.name_match * match
            parts["name_match"] = match
        if self.w.textless:
            base -= self.w.textless * self.bidless(nodes, parts)
        base[list(exclude)] = -1.0
        final = self.spread(nodes, base)
        # selection ranks by score per token: a negative score would favour long lines, so floor at 0
        final = np.maximum(final, 0.0)
        final[list(exclude)] = -1.0
        return final
