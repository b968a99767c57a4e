"""Passages (RAG) pruning after CompSelect: sentence clues, rerank, truncate to the minimal sufficient set.

Each passage is split into sentence clues. A clue is scored against the query by fused sparse
(BM25) and dense (MiniLM) relevance of ``title. sentence``; a passage score lifts clues of
passages that answer as a whole; a second hop rescores clues against the query expanded with the
best first-hop clues, so the bridge sentence of a two-hop question survives. Clues are then kept
best-first under the budget, or, without a budget, down to the minimal sufficient set.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ctxprune.contract import NonBlankStr, PruneRequest, PruneResult, Stats, Unit
from ctxprune.pruners.base import Pruner
from ctxprune.scoring import minmax
from ctxprune.select import Candidate, adaptive_cut, fill_budget
from ctxprune.textproc import normalize, sentence_spans

MAX_PASSAGES = 2000
MAX_TEXT_CHARS = 200_000


class Passage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(None, max_length=512)
    title: str | None = Field(None, max_length=2048)
    text: str = Field(..., max_length=MAX_TEXT_CHARS)


class PassagesRequest(PruneRequest):
    query: NonBlankStr = Field(..., max_length=20_000, description="the question the kept clues must answer")
    passages: list[Passage] = Field(..., min_length=1, max_length=MAX_PASSAGES)


class PassagesResult(PruneResult):
    passages: list[Passage]


@dataclass
class Clue:
    passage: int
    index: int  # sentence number inside the passage
    text: str
    span: tuple[int, int]


@dataclass(frozen=True)
class PassagesWeights:
    """How the signals combine; tuned on the HotpotQA dev set (see docs/benchmarks.md)."""

    sparse: float = 0.6  # BM25 vs dense inside one hop
    hop1: float = 0.45
    hop2: float = 0.4
    passage: float = 0.3
    lead: float = 0.1  # a passage's first sentence usually names its subject
    seeds: int = 1  # best first-hop clues (from distinct passages) that expand the query
    cascade_fit: float = 1.25  # the dense pass re-scores this many times the clues the budget holds


def render_passages(passages: list[Passage]) -> str:
    """The text an LLM sees, and the one budgets count: ``title: text`` per passage."""
    return "\n".join(f"{p.title or ''}: {p.text}" for p in passages)


class PassagesPruner(Pruner):
    kind = "passages"
    method = "compselect-clues"
    request_model = PassagesRequest
    result_model = PassagesResult
    weights = PassagesWeights()
    dense_scorer = "dense"
    scorers = ("bm25", "dense", "static")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cascade_k = self.settings.passages_cascade_k

    def _dense(self):
        return self.hub.dense(self.settings.passages_dense_max_tokens)

    def warm_up(self) -> None:
        super().warm_up()
        self._dense().warm_up()

    def model_ids(self) -> list[str]:
        return [*super().model_ids(), f"passages-max{self.settings.passages_dense_max_tokens}"]

    # ---------------------------------------------------------------- parse
    @staticmethod
    def clues(passages: list[Passage]) -> list[Clue]:
        out = []
        for pi, p in enumerate(passages):
            for si, (a, b) in enumerate(sentence_spans(p.text)):
                out.append(Clue(pi, si, p.text[a:b], (a, b)))
        return out

    # ---------------------------------------------------------------- score
    def score(self, query: str, passages: list[Passage], clues: list[Clue], fit: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Final clue scores and a flag per clue: True when the second hop lifted it.

        A cascade keeps the cold path fast: the whole pipeline runs first with static embeddings
        (wordllama, ~100x cheaper), then again with MiniLM on the best clues only, which rank above
        the rest: ``cascade_k`` of them, or ``cascade_fit`` times the clues the budget is expected to hold (``fit``).
        """
        k = max(self.cascade_k, int(np.ceil(self.weights.cascade_fit * fit))) if self.cascade_k else 0
        if not k or len(clues) <= k:
            return self._score_with(self.dense_scorer, query, passages, clues)
        coarse, coarse_lifted = self._score_with("static", query, passages, clues)
        top = np.sort(np.argsort(-coarse)[:k])
        fine, fine_lifted = self._score_with(self.dense_scorer, query, passages, [clues[i] for i in top])
        final = 0.5 * minmax(coarse)
        final[top] = 1.0 + fine
        lifted = coarse_lifted.copy()
        lifted[top] = fine_lifted
        return final, lifted

    def _score_with(self, dense_name: str, query: str, passages: list[Passage], clues: list[Clue]) -> tuple[np.ndarray, np.ndarray]:
        w = self.weights
        n = len(clues)
        if n == 0:
            return np.zeros(0), np.zeros(0, dtype=bool)
        titles = [(passages[c.passage].title or "").strip() for c in clues]
        texts = [f"{t}. {c.text}" if t else c.text for t, c in zip(titles, clues)]
        bm25 = self.hub.get("bm25")
        dense = self._dense() if dense_name == "dense" else self.hub.get(dense_name)
        emb = dense.embed([query, *texts])
        q, e = emb[0], emb[1:]

        def hop(qvec: np.ndarray, qtext: str) -> np.ndarray:
            return w.sparse * minmax(bm25.score(qtext, texts)) + (1 - w.sparse) * minmax(e @ qvec)

        s1 = hop(q, query)
        pidx = np.array([c.passage for c in clues])
        passage_best = {pi: s1[pidx == pi].max() for pi in set(pidx.tolist())}
        ps = minmax(np.array([passage_best[pi] for pi in pidx]))

        seeds = self._seeds(s1, pidx, w.seeds)
        q2 = q + e[seeds].sum(axis=0)
        q2 /= np.linalg.norm(q2) + 1e-9
        expanded = " ".join([query, *(clues[i].text for i in seeds)])
        s2 = hop(q2, expanded)
        bridge = self._bridge(passages, [clues[i].text for i in seeds] + [query], pidx)
        s2 = np.maximum(s2, bridge * s2.max() * 0.9 * (s1 >= np.quantile(s1, 0.3)))
        lead = np.array([1.0 if c.index == 0 else 0.0 for c in clues])
        final = w.hop1 * s1 + w.hop2 * s2 + w.passage * ps + w.lead * lead
        lifted = (s2 > s1) & (np.argsort(np.argsort(-final)) < np.argsort(np.argsort(-s1)))
        return final, lifted

    def _single(self, name: str, query: str, passages: list[Passage], clues: list[Clue]) -> np.ndarray:
        scorer = self.hub.get(name)
        texts = [f"{(passages[c.passage].title or '').strip()}. {c.text}" for c in clues]
        return np.asarray(scorer.score(query, texts), dtype=float) if clues else np.zeros(0)

    @staticmethod
    def _seeds(s1: np.ndarray, pidx: np.ndarray, k: int) -> list[int]:
        seen: set[int] = set()
        seeds = []
        for i in np.argsort(-s1):
            if pidx[i] not in seen:
                seeds.append(int(i))
                seen.add(int(pidx[i]))
            if len(seeds) == k:
                break
        return seeds

    @staticmethod
    def _bridge(passages: list[Passage], seed_texts: list[str], pidx: np.ndarray) -> np.ndarray:
        """1 for clues of passages whose title the seeds name (the bridge entity of a two-hop question)."""
        hay = normalize(" ".join(seed_texts))
        named = set()
        for pi, p in enumerate(passages):
            title = re.sub(r"\s*\(.*?\)\s*$", "", (p.title or "")).strip()
            if len(title) >= 3 and normalize(title) in hay:
                named.add(pi)
        return np.array([1.0 if pi in named else 0.0 for pi in pidx])

    # ---------------------------------------------------------------- select + render
    def run(self, req: PassagesRequest) -> PassagesResult:
        passages = req.passages
        clues = self.clues(passages)
        count = self.counter.count
        tokens_in = count(render_passages(passages))
        limit = req.budget.limit(tokens_in) if req.budget else None
        if req.scorer:  # one named scorer, one hop: the baselines the pipeline is measured against
            scores = self._single(req.scorer, req.query, passages, clues)
            lifted = np.zeros(len(clues), dtype=bool)
        else:
            mean_cost = tokens_in / max(1, len(clues))
            scores, lifted = self.score(req.query, passages, clues, fit=int(limit / mean_cost) if limit else 0)
        must = self._must_keep(passages, clues, req.keep)

        cands = [Candidate(i, float(scores[i]), count(" " + c.text), must[i], group=str(c.passage))
                 for i, c in enumerate(clues)]
        group_cost = {str(pi): count(f"{p.title or ''}:") + 1 for pi, p in enumerate(passages)}
        if limit is None:
            k = adaptive_cut(scores, mass=0.85, min_keep=min(2, len(clues)), max_share=0.5)
            best = set(np.argsort(-scores)[:k].tolist()) if len(clues) else set()
            chosen, exceeded = [i for i in range(len(clues)) if i in best or must[i]], False
        else:
            chosen, exceeded = fill_budget(cands, limit, group_cost=group_cost)
        kept = set(chosen)
        out, tokens_out = self._render(passages, clues, kept)
        while limit is not None and tokens_out > limit:  # the joins can cost a token or two more than the sum
            removable = [i for i in kept if not must[i]]
            if len(removable) <= (0 if kept - set(removable) else 1):
                exceeded = True
                break
            kept.discard(min(removable, key=lambda i: scores[i]))
            out, tokens_out = self._render(passages, clues, kept)

        def unit(i: int, reason: str) -> Unit:
            c = clues[i]
            pid = passages[c.passage].id or str(c.passage)
            return Unit(id=f"{pid}#{c.index}", text=c.text, score=round(float(scores[i]), 4),
                        tokens=cands[i].cost, reason=reason, group=pid)

        kept_units = [unit(i, "must-keep" if must[i] else ("second-hop clue" if lifted[i] else "relevant clue"))
                      for i in sorted(kept)]
        why_dropped = "below the adaptive cut" if limit is None else "did not fit the budget"
        dropped = [unit(i, why_dropped) for i in range(len(clues)) if i not in kept]
        dropped.sort(key=lambda u: -(u.score or 0))
        stats = Stats(tokens_in=tokens_in, tokens_out=tokens_out, tokenizer=self.counter.name, budget_tokens=limit,
                      budget_exceeded=bool(exceeded or (limit is not None and tokens_out > limit)),
                      ratio=round(tokens_out / max(tokens_in, 1), 4), method=self.method,
                      scorer=req.scorer or "bm25+dense, two hops")
        return PassagesResult(passages=out, kept=kept_units, dropped=dropped, stats=stats)

    def _render(self, passages: list[Passage], clues: list[Clue], kept: set[int]) -> tuple[list[Passage], int]:
        by_passage: dict[int, list[str]] = {}
        for i in sorted(kept):
            by_passage.setdefault(clues[i].passage, []).append(clues[i].text)
        out = [Passage(id=p.id, title=p.title, text=" ".join(by_passage[pi]))
               for pi, p in enumerate(passages) if pi in by_passage]
        return out, (self.counter.count(render_passages(out)) if out else 0)

    @staticmethod
    def _must_keep(passages: list[Passage], clues: list[Clue], keep: list[str]) -> list[bool]:
        """Clues overlapping any occurrence of a must-keep string (which may span sentences)."""
        must = [False] * len(clues)
        if not keep:
            return must
        for pi, p in enumerate(passages):
            spans = [m.span() for k in keep for m in re.finditer(re.escape(k), p.text)]
            for i, c in enumerate(clues):
                if c.passage == pi and any(a < c.span[1] and c.span[0] < b for a, b in spans):
                    must[i] = True
        return must
