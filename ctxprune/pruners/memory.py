"""Dialogue-memory pruning after Memory-T1: time-aware evidence selection over a multi-session history.

Parse the sessions (times as real logs write them; an unreadable time is reported and the session
used without it), read the question's time scope (resolving a before/after *event* against the
history), score sessions coarsely (relevance + soft proximity to the scope) and turns finely
(relevance, temporal consistency, a multi-hop second pass, Q/A partners), drop duplicates, keep
the best turns under the budget and return them verbatim in chronological order under their
session's date, optionally with relative phrases annotated by the absolute date they mean.
"""
from __future__ import annotations

from datetime import date, datetime

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ctxprune.contract import NonBlankStr, PruneRequest, PruneResult, Stats, Unit
from ctxprune.pruners.base import Pruner
from ctxprune.pruners.memory_index import IndexCache, HistoryIndex, build_index, fingerprint, render
from ctxprune.pruners.memory_scope import Scope, fix_event, query_scope
from ctxprune.pruners.memory_score import MemoryWeights, TurnScores, named_speakers, partners, score_turns, without_names
from ctxprune.pruners.memory_time import annotate, parse_time
from ctxprune.select import Candidate, fill_budget

MAX_SESSIONS = 5000
MAX_TURNS_PER_SESSION = 2000
MAX_TEXT_CHARS = 100_000
MAX_DROPPED_LISTED = 1000  # a long history lists its best-scored dropped turns; the rest are counted


class Turn(BaseModel):
    """One utterance; extra fields (an image caption, ...) are used for scoring and returned untouched."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(..., max_length=256)
    speaker: str = Field(..., max_length=256)
    text: str = Field(..., max_length=MAX_TEXT_CHARS)


class Session(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(..., max_length=256)
    time: str | None = Field(None, max_length=256, description="ISO 8601 or as logs write it ('1:56 pm on 8 May, 2023')")
    turns: list[Turn] = Field(..., max_length=MAX_TURNS_PER_SESSION)


class MemoryRequest(PruneRequest):
    query: NonBlankStr = Field(..., max_length=20_000, description="the question the kept turns must answer")
    query_time: str | None = Field(None, max_length=256, description="when the question is asked (default: the latest session's time)")
    sessions: list[Session] = Field(..., min_length=1, max_length=MAX_SESSIONS)
    annotate_times: bool = Field(False, description="append the absolute date to relative phrases in kept turns")


class TimeScope(BaseModel):
    start: str | None = None
    end: str | None = None
    kind: str = ""
    text: str = ""
    event: str | None = None
    event_turn: str | None = None


class MemoryResult(PruneResult):
    sessions: list[Session]
    time_scope: TimeScope | None = None
    query_time: str | None = None
    unparsed_times: list[str] = Field(default_factory=list, description="ids of sessions whose time could not be read")


class MemoryPruner(Pruner):
    kind = "memory"
    method = "memory-t1-coarse-fine"
    request_model = MemoryRequest
    result_model = MemoryResult
    scorers = ("dense",)
    weights = MemoryWeights()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.indexes = IndexCache()

    # ---------------------------------------------------------------- parse
    def index(self, sessions: list[Session]) -> HistoryIndex:
        key = fingerprint(sessions)
        idx = self.indexes.get(key)
        if idx is None:
            dense = self.hub.get("dense")
            idx = build_index(key, sessions, self.counter.count, dense.embed)
            self.indexes.put(idx)
        return idx

    @staticmethod
    def reference_day(req: MemoryRequest, idx: HistoryIndex) -> date | None:
        qt = parse_time(req.query_time)
        if qt is not None:
            return qt.date()
        known = [t for t in idx.times if t is not None]
        return max(known).date() if known else None

    def scope(self, req: MemoryRequest, idx: HistoryIndex, ref: date | None) -> tuple[Scope | None, str | None]:
        """The question's time scope; a before/after event is dated by the turn that best matches it."""
        sc = query_scope(req.query, ref)
        if sc is None or sc.event is None:
            return sc, None
        qv = self.hub.get("dense").embed([sc.event])[0]
        from ctxprune.scoring import minmax

        rel = 0.5 * minmax(idx.bm25_turns(sc.event)) + 0.5 * minmax(idx.emb @ qv)
        dated = [i for i in np.argsort(-rel)[:5] if idx.times[idx.session_of[i]] is not None]
        if not dated:
            return sc, None
        i = int(dated[0])
        return fix_event(sc, idx.times[idx.session_of[i]].date()), str(i)

    # ---------------------------------------------------------------- select + render
    def run(self, req: MemoryRequest) -> MemoryResult:
        sessions = req.sessions
        idx = self.index(sessions)
        ref = self.reference_day(req, idx)
        scope, event_turn = self.scope(req, idx, ref)
        limit = req.budget.limit(idx.tokens_in) if req.budget else None
        content = without_names(req.query, named_speakers(idx, req.query)) if self.weights.strip_names else req.query
        vecs = self.hub.get("dense").embed([req.query] if content == req.query else [req.query, content])
        cand, sc = score_turns(idx, req.query, vecs[0], scope, self.weights, partners(idx), vecs[-1])
        score = np.full(idx.n, -1.0)
        score[cand] = sc.final
        must = np.array([any(k in line for k in req.keep) for line in idx.lines], dtype=bool) if req.keep else np.zeros(idx.n, bool)
        dup_of = self._duplicates(idx, score)
        cands = [Candidate(int(i), float(score[i]), int(idx.costs[i]), bool(must[i]), group=str(idx.session_of[i]))
                 for i in range(idx.n) if dup_of[i] < 0 or must[i]]
        group_cost = {str(si): int(c) for si, c in enumerate(idx.header_costs)}
        if limit is None:
            chosen, exceeded = self._adaptive(score, must, dup_of), False
        else:
            chosen, exceeded = fill_budget(cands, limit, group_cost=group_cost)
        kept = set(chosen)
        out, tokens_out = self._render(req, idx, kept)
        while limit is not None and tokens_out > limit:
            removable = [i for i in kept if not must[i]]
            if not removable or (len(kept) == 1):
                exceeded = True
                break
            kept.discard(min(removable, key=lambda i: score[i]))
            out, tokens_out = self._render(req, idx, kept)
        listed = self._dropped_listed(score, kept)
        extra = self._extra(req, idx, ref, cand)
        extra["dropped_not_listed"] = idx.n - len(kept) - len(listed)
        return MemoryResult(
            sessions=out, kept=self._units(idx, kept, score, must, sc, cand, dup_of, True),
            dropped=self._units(idx, listed, score, must, sc, cand, dup_of, False, limit is None),
            time_scope=self._scope_out(scope, event_turn, idx, sessions),
            query_time=ref.isoformat() if ref else None,
            unparsed_times=[s.id for s, t in zip(sessions, idx.times) if t is None],
            stats=Stats(tokens_in=idx.tokens_in, tokens_out=tokens_out, tokenizer=self.counter.name, budget_tokens=limit,
                        budget_exceeded=bool(exceeded or (limit is not None and tokens_out > limit)),
                        ratio=round(tokens_out / max(idx.tokens_in, 1), 4), method=self.method,
                        scorer="bm25+dense, session+turn, two passes",
                        extra=extra))

    @staticmethod
    def _dropped_listed(score: np.ndarray, kept: set[int]) -> list[int]:
        rest = np.array(sorted(set(range(len(score))) - kept), dtype=int)
        if len(rest) > MAX_DROPPED_LISTED:
            rest = rest[np.argsort(-score[rest], kind="stable")[:MAX_DROPPED_LISTED]]
        return rest.tolist()

    def _adaptive(self, score: np.ndarray, must: np.ndarray, dup_of: np.ndarray) -> list[int]:
        from ctxprune.select import adaptive_cut

        ok = np.nonzero(dup_of < 0)[0]
        k = adaptive_cut(score[ok], mass=0.85, min_keep=min(3, len(ok)), max_share=0.3)
        best = set(ok[np.argsort(-score[ok])[:k]].tolist())
        return [i for i in range(len(score)) if i in best or must[i]]

    @staticmethod
    def _duplicates(idx: HistoryIndex, score: np.ndarray) -> np.ndarray:
        """-1, or the better-scored turn whose text (normalised) this turn repeats."""
        dup = np.full(idx.n, -1)
        first: dict[str, int] = {}
        for i in np.argsort(-score, kind="stable"):
            t = idx.norm_texts[i].split(":", 1)[-1].strip()
            if len(t) < 3:
                continue
            if t in first:
                dup[i] = first[t]
            else:
                first[t] = int(i)
        return dup

    def _render(self, req: MemoryRequest, idx: HistoryIndex, kept: set[int]) -> tuple[list[Session], int]:
        by_session: dict[int, list[int]] = {}
        for i in sorted(kept):
            by_session.setdefault(int(idx.session_of[i]), []).append(i)
        order = chronological(idx.times)
        out = []
        for si in order:
            if si not in by_session:
                continue
            s = req.sessions[si]
            turns = [s.turns[idx.position[i]] for i in by_session[si]]
            t = idx.times[si]
            if req.annotate_times and t is not None:
                turns = [tt.model_copy(update={"text": annotate(tt.text, t.date())}) for tt in turns]
            out.append(Session(id=s.id, time=s.time, turns=turns))
        text = render([(s.time, [f"{t.speaker}: {t.text}" for t in s.turns]) for s in out])
        return out, (self.counter.count(text) if out else 0)

    def _units(self, idx, ids, score, must, sc: TurnScores, cand, dup_of, kept: bool, adaptive: bool = False) -> list[Unit]:
        pos = {int(t): j for j, t in enumerate(cand)}
        units = []
        for i in sorted(ids, key=lambda i: -score[i]):  # noqa: B023
            j = pos.get(int(i))
            if kept:
                reason = ("must-keep" if must[i] else "question/answer partner" if j is not None and sc.partner_of[j] >= 0
                          else "second-pass evidence" if j is not None and sc.second[j] > sc.first[j] + 0.1 else "relevant evidence")
            else:
                reason = ("duplicate of turn " + str(dup_of[i]) if dup_of[i] >= 0 else "not a candidate (coarse stage)"
                          if j is None else "below the adaptive cut" if adaptive else "did not fit the budget")
            units.append(Unit.trusted(id=self._turn_id(idx, i), text=idx.lines[i], score=round(float(score[i]), 4),
                                      tokens=int(idx.costs[i]), reason=reason, group=str(idx.session_of[i])))
        return units

    def _turn_id(self, idx: HistoryIndex, i: int) -> str:
        return f"{idx.session_of[i]}/{idx.position[i]}"

    @staticmethod
    def _scope_out(scope: Scope | None, event_turn: str | None, idx: HistoryIndex, sessions) -> TimeScope | None:
        if scope is None:
            return None
        d = scope.as_dict()
        if event_turn is not None:
            i = int(event_turn)
            s = sessions[idx.session_of[i]]
            d["event_turn"] = s.turns[idx.position[i]].id
        return TimeScope(**d)

    @staticmethod
    def _extra(req: MemoryRequest, idx: HistoryIndex, ref: date | None, cand: np.ndarray) -> dict:
        seen: set[str] = set()
        dups: set[str] = set()
        for s in req.sessions:
            for t in s.turns:
                (dups if t.id in seen else seen).add(t.id)
        known = [t for t in idx.times if t is not None]
        return {"sessions": len(req.sessions), "turns": idx.n, "candidates": int(len(cand)),
                "empty_sessions": [s.id for s in req.sessions if not s.turns],
                "duplicate_turn_ids": sorted(dups)[:50],
                "query_time_before_history": bool(ref and known and ref < min(known).date()),
                "faiss": idx.faiss_index is not None}


def chronological(times: list[datetime | None]) -> list[int]:
    """Session order by time; a session without a time stays right after the one before it in the input."""
    keys, last = [], datetime.min
    for i, t in enumerate(times):
        last = t if t is not None else last
        keys.append((last, 0 if t is not None else 1, i))
    return [k[2] for k in sorted(keys)]
