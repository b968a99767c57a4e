"""Scoring dialogue turns after Memory-T1: a coarse session stage, then fine evidence scores.

Coarse: each session gets a relevance score (BM25 over the session, cosine to the session's mean
embedding, and its best turn) and, when the question has a time scope, a soft proximity to it.
Fine: each turn combines its own relevance (BM25 + MiniLM, with a little of its neighbours'; read
against the question without the speakers it names, the turn's embedding with its neighbours'),
its session's coarse score and its temporal consistency with the scope (its session date or a
relative phrase in it, resolved). A second pass re-scores against the query expanded with the
best first-pass evidence (multi-hop: their embeddings, and the rarest words they say), and the
partner turn of a question/answer pair is lifted with the turn it belongs to.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ctxprune.pruners.memory_index import HistoryIndex
from ctxprune.pruners.memory_scope import Scope, proximity
from ctxprune.pruners.memory_time import relative_mentions
from ctxprune.scoring import minmax
from ctxprune.textproc import words


@dataclass(frozen=True)
class MemoryWeights:
    """How the signals combine. Tuned on the 403 answerable questions of dev conversations 30, 42, 44
    and checked on the 497 of conversations 47, 48, 49 (and the other way round); see docs/memory.md."""

    sparse: float = 0.4  # BM25 vs dense inside one relevance pass
    neighbour: float = 0.25  # share of the best adjacent turn's relevance
    session: float = 0.25  # coarse session score in the fine score
    temporal: float = 0.3  # temporal consistency in the fine score (only with a scope)
    hop2: float = 0.45  # second-pass relevance in the fine score
    seeds: int = 3  # best first-pass turns (distinct sessions) that expand the query
    partner_answer: float = 0.85  # the answer after a relevant question gets this share of its score
    partner_question: float = 0.85  # the question before a relevant answer gets this share of its score
    speaker: float = 0.3  # bonus for turns said by a speaker the question names
    informative: float = 0.45  # prior for turns with specific content (summed IDF), min-max over the candidates
    opening: float = 0.05  # prior for a session's first turn, where people tell their news
    candidates: int = 600  # long histories: turns kept for fine scoring
    strip_names: int = 1  # relevance against the question without the speakers it names (0: the whole question)
    context: float = 0.4  # MiniLM relevance on a turn's embedding plus this share of its neighbours' (in_context)
    hop2_words: int = 8  # second pass: expand with this many rarest words of each seed turn (0: the whole turn)


@dataclass
class TurnScores:
    final: np.ndarray
    first: np.ndarray  # first-pass relevance
    second: np.ndarray
    session: np.ndarray  # per candidate: the coarse score of its session
    temporal: np.ndarray | None  # per turn, None without a scope
    partner_of: np.ndarray  # -1 or the turn a Q/A partner was lifted by


def _pass(idx: HistoryIndex, text: str, vec: np.ndarray, cand: np.ndarray, emb: np.ndarray, w: MemoryWeights) -> np.ndarray:
    """Relevance of the candidate turns (embeddings ``emb``) to one query: sparse + dense, min-max
    on the candidates, plus a share of the better adjacent turn."""
    rel = w.sparse * minmax(idx.bm25_turns(text, cand)) + (1 - w.sparse) * minmax(emb @ vec)
    return _with_neighbours(rel, idx, cand, w.neighbour)


def _with_neighbours(rel: np.ndarray, idx: HistoryIndex, cand: np.ndarray, share: float) -> np.ndarray:
    """A turn inherits a little of the better of its two neighbours in the same session."""
    full = np.zeros(idx.n)
    full[cand] = rel
    prev = np.r_[0.0, full[:-1]]
    nxt = np.r_[full[1:], 0.0]
    so = idx.session_of
    same_prev = np.r_[False, so[1:] == so[:-1]]
    same_next = np.r_[so[:-1] == so[1:], False]
    best = np.maximum(prev * same_prev, nxt * same_next)
    return ((1 - share) * full + share * best)[cand]


def session_scores(idx: HistoryIndex, query: str, qvec: np.ndarray, turn_rel: np.ndarray, cand: np.ndarray,
                   scope: Scope | None) -> np.ndarray:
    ns = len(idx.times)
    best = np.zeros(ns)
    np.maximum.at(best, idx.session_of[cand], turn_rel)
    rel = (0.3 * minmax(idx.bm25_sessions(query)) + 0.3 * minmax(idx.session_emb @ qvec) + 0.4 * minmax(best))
    if scope is None or (scope.span.start is None and scope.span.end is None):
        return rel
    prox = np.array([proximity(scope.span, t.date() if t else None) for t in idx.times])
    return 0.6 * rel + 0.4 * prox


def temporal_consistency(idx: HistoryIndex, scope: Scope, cand: np.ndarray, texts: list[str]) -> np.ndarray:
    """Per candidate turn: how well its time (the session date, or what a relative phrase in it
    resolves to) agrees with the scope; the best of the two."""
    out = np.zeros(len(cand))
    for j, i in enumerate(cand):
        t = idx.times[idx.session_of[i]]
        day = t.date() if t else None
        best = proximity(scope.span, day)
        if day is not None:
            for m in relative_mentions(texts[i], day):
                mid = m.span.start or m.span.end
                best = max(best, proximity(scope.span, mid))
        out[j] = best
    return out


def partners(idx: HistoryIndex) -> tuple[np.ndarray, np.ndarray]:
    """Question/answer pairs in a session: for each turn, the answer that follows it when it asks
    a question, and the question before it when it answers one (-1 when none)."""
    n = idx.n
    answer, question = np.full(n, -1), np.full(n, -1)
    asks = np.array(["?" in line for line in idx.lines], dtype=bool)
    so, sp = idx.session_of, idx.speakers
    for i in range(n - 1):
        if asks[i] and so[i + 1] == so[i] and sp[i + 1] != sp[i]:
            answer[i], question[i + 1] = i + 1, i
    return answer, question


def named_speakers(idx: HistoryIndex, query: str) -> set[str]:
    """Speakers of the history whose name the question mentions (as a word)."""
    q = set(words(query, drop_stop=False))
    return {s for s in set(idx.speakers) if s and set(words(s, drop_stop=False)) and set(words(s, drop_stop=False)) <= q}


def without_names(query: str, names: set[str]) -> str:
    """The question without the names of the speakers it mentions ("Which cities has Jon visited?"
    -> "Which cities has visited?"). Every turn line starts with its speaker's name, so a name in the
    question makes the shortest turns of that speaker look most relevant (BM25 length normalisation,
    and the name dominates a short turn's embedding); who said a turn is scored on its own."""
    out = query
    for name in names:
        for part in re.findall(r"[^\W_]+", name):
            out = re.sub(rf"\b{re.escape(part)}(?:['’]s)?\b", " ", out, flags=re.IGNORECASE)
    out = " ".join(out.split())
    return out if words(out) else query


def priors(idx: HistoryIndex, cand: np.ndarray, w: MemoryWeights) -> np.ndarray:
    """Question-independent priors of the candidate turns: informativeness and session openings."""
    out = np.zeros(len(cand))
    if w.informative and idx.informative is not None:
        out += w.informative * minmax(idx.informative[cand])
    if w.opening and idx.opens_session is not None:
        out += w.opening * idx.opens_session[cand]
    return out


def candidates(idx: HistoryIndex, query: str, qvec: np.ndarray, w: MemoryWeights) -> np.ndarray:
    """All turns of a short history; for a long one the union of FAISS and BM25 nearest turns
    and the turns of the best sessions (the coarse stage never leaves the set empty)."""
    if idx.faiss_index is None:
        return np.arange(idx.n)
    k = w.candidates
    dense_ids = idx.dense_candidates(qvec, k)
    bm = idx.bm25_turns(query)
    sparse_ids = np.argsort(-bm)[:k]
    sess = idx.session_emb @ qvec + 0.5 * minmax(idx.bm25_sessions(query))
    top_sessions = np.argsort(-sess)[: max(5, k // 40)]
    in_top = np.isin(idx.session_of, top_sessions).nonzero()[0]
    return np.unique(np.concatenate([dense_ids, sparse_ids, in_top]))


def _seeds(idx: HistoryIndex, cand: np.ndarray, s1: np.ndarray, k: int) -> list[int]:
    """The best first-pass turns of ``k`` distinct sessions."""
    seeds, seen = [], set()
    for j in np.argsort(-s1):
        si = int(idx.session_of[cand[j]])
        if si not in seen:
            seeds.append(int(cand[j]))
            seen.add(si)
        if len(seeds) == k:
            break
    return seeds


def _salient(idx: HistoryIndex, i: int, k: int) -> str:
    """What a first-hop turn adds to the question: its ``k`` rarest words (the things it names),
    without its speaker's name; the whole turn when ``k`` is 0."""
    if not k or idx.turn_words is None or idx.turn_bm25 is None:
        return idx.score_texts[i]
    idf = idx.turn_bm25.idf
    name = set(words(idx.speakers[i], drop_stop=False))
    ws = sorted((t for t in idx.turn_words[i] if t not in name), key=lambda t: -idf.get(t, 0.0))
    return " ".join(ws[:k])


def in_context(idx: HistoryIndex, cand: np.ndarray, share: float) -> np.ndarray:
    """Embeddings of the candidate turns read with their neighbours in the session: the turn's own
    plus ``share`` of the turns before and after it, re-normalised. A reply ("Yeah! Let's do it,
    it'll be fun!") means what the turn before it proposed; a story told over several turns is
    about what its first turn named. Uses the cached turn embeddings only (no model call)."""
    e = idx.emb
    so = idx.session_of
    out = e[cand].astype(np.float32)
    if share and idx.n > 1:
        prev, nxt = np.maximum(cand - 1, 0), np.minimum(cand + 1, idx.n - 1)
        out = out + share * (e[prev] * ((cand > 0) & (so[prev] == so[cand]))[:, None]
                             + e[nxt] * ((cand < idx.n - 1) & (so[nxt] == so[cand]))[:, None])
        out /= np.linalg.norm(out, axis=1, keepdims=True) + 1e-9
    return out


def signals(idx: HistoryIndex, query: str, qvec: np.ndarray, scope: Scope | None, w: MemoryWeights,
            content_vec: np.ndarray | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Candidate turn ids and the per-turn signals (arrays over the candidates), by name.

    ``content_vec`` is the embedding of the question without the speakers it names
    (``without_names``): BM25 reads the question without the names, MiniLM the normalised sum of
    both embeddings (the named person and what is asked about them); the speaker bonus says who.
    """
    cand = candidates(idx, query, qvec, w)
    named = named_speakers(idx, query)
    content = without_names(query, named) if w.strip_names else query
    cvec = qvec
    if w.strip_names and content_vec is not None and content != query:
        cvec = (qvec + content_vec) / (np.linalg.norm(qvec + content_vec) + 1e-9)
    emb = in_context(idx, cand, w.context)
    s1 = _pass(idx, content, cvec, cand, emb, w)
    sess = session_scores(idx, query, qvec, s1, cand, scope)
    # multi-hop: expand the question with the best first-pass evidence of distinct sessions, by the
    # embedding of each seed turn and (for BM25) the rarest words it says: the places, people and things
    seeds = _seeds(idx, cand, s1, w.seeds)
    q2 = cvec + 0.5 * idx.emb[seeds].mean(axis=0) if seeds else cvec
    q2 = q2 / (np.linalg.norm(q2) + 1e-9)
    expanded = " ".join([content, *(_salient(idx, i, w.hop2_words) for i in seeds)])
    s2 = _pass(idx, expanded, q2, cand, emb, w)
    temporal = np.zeros(len(cand))
    if scope is not None and (scope.span.start is not None or scope.span.end is not None):
        temporal = temporal_consistency(idx, scope, cand, idx.score_texts)
    return cand, {"first": s1, "second": s2, "session": sess[idx.session_of[cand]], "temporal": temporal,
                  "speaker_named": np.array([idx.speakers[i] in named for i in cand], dtype=float),
                  "priors": priors(idx, cand, w)}


def fixed_combination(sig: dict[str, np.ndarray], w: MemoryWeights, has_scope: bool) -> np.ndarray:
    """The documented combination of the signals (docs/memory.md, Method 4)."""
    final = (1 - w.hop2) * sig["first"] + w.hop2 * sig["second"] + w.session * sig["session"]
    if has_scope:
        final = final + w.temporal * sig["temporal"]
    return final + w.speaker * sig["speaker_named"] + sig["priors"]


def score_turns(idx: HistoryIndex, query: str, qvec: np.ndarray, scope: Scope | None, w: MemoryWeights,
                pairs: tuple[np.ndarray, np.ndarray], content_vec: np.ndarray | None = None) -> tuple[np.ndarray, TurnScores]:
    """Candidate turn ids and their scores (arrays over the candidates)."""
    cand, sig = signals(idx, query, qvec, scope, w, content_vec)
    has_scope = scope is not None and (scope.span.start is not None or scope.span.end is not None)
    final = fixed_combination(sig, w, has_scope)
    temporal = sig["temporal"] if has_scope else None
    lifted = np.full(len(cand), -1)
    pos = {int(t): j for j, t in enumerate(cand)}
    base = final.copy()
    for partner_of, share in ((pairs[1], w.partner_answer), (pairs[0], w.partner_question)):
        # pairs[1][a] is the question before answer a: an answer is lifted by its question, and vice versa
        if share <= 0:
            continue
        for j, t in enumerate(cand):
            p = int(partner_of[t])
            if p >= 0 and p in pos and share * base[pos[p]] > final[j]:
                final[j] = share * base[pos[p]]
                lifted[j] = p
    return cand, TurnScores(final=final, first=sig["first"], second=sig["second"], session=sig["session"],
                            temporal=temporal, partner_of=lifted)
