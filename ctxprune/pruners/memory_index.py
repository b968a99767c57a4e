"""What a dialogue history costs to prepare once and can answer many questions from.

A ``HistoryIndex`` holds, for one history (keyed by a content hash of its sessions): the scoring
text and token cost of every turn, the exact token count of the whole rendered history, BM25
indexes over turns and over sessions (rank-bm25), the turn embeddings (from the dense scorer,
which caches them per turn text in-process and in Redis when configured) and, for long
histories, a FAISS inner-product index over the turn embeddings used to retrieve candidates.
Indexes of recent histories are kept in a small LRU, so the questions of one conversation
share one preparation.
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from rank_bm25 import BM25Okapi

from ctxprune.pruners.memory_time import parse_time
from ctxprune.textproc import words

#: extra turn fields whose text helps scoring (LoCoMo image captions and the like); returned untouched
CAPTION_FIELDS = ("image_caption", "blip_caption", "img_caption", "caption", "image_caption_or_null")
FAISS_MIN_TURNS = 3000  # below this, exact scoring of every turn is cheaper than a candidate stage


def caption_of(extra: dict | None) -> str:
    if not extra:
        return ""
    parts = [str(extra[k]) for k in CAPTION_FIELDS if isinstance(extra.get(k), str) and extra[k].strip()]
    return " ".join(parts)


def turn_line(speaker: str, text: str) -> str:
    """How the LLM (and the budget) sees a turn."""
    return f"{speaker}: {text}"


def header_line(time: str | None) -> str:
    return f"[{time}]"


def render(sessions: list[tuple[str | None, list[str]]]) -> str:
    """Sessions as ``[time]`` followed by one ``speaker: text`` line per turn, blank line between sessions."""
    return "\n\n".join(header_line(t) + "\n" + "\n".join(lines) for t, lines in sessions)


def fingerprint(sessions) -> str:
    blob = json.dumps([[s.id, s.time, [[t.id, t.speaker, t.text, t.model_extra or {}] for t in s.turns]] for s in sessions],
                      ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.blake2b(blob.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@dataclass
class HistoryIndex:
    key: str
    session_of: np.ndarray  # turn -> session position
    position: np.ndarray  # turn -> index inside its session
    lines: list[str]  # rendered turn lines
    score_texts: list[str]  # what relevance is scored on (line + caption)
    costs: np.ndarray  # tokens of a turn line plus its newline
    header_costs: np.ndarray  # tokens of a session header plus the separators it brings
    tokens_in: int
    times: list  # parsed datetime per session or None
    turn_bm25: BM25Okapi | None
    session_bm25: BM25Okapi | None
    emb: np.ndarray  # unit turn embeddings
    session_emb: np.ndarray  # unit mean of a session's turn embeddings
    faiss_index: object | None = None
    norm_texts: list[str] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)
    informative: np.ndarray | None = None  # per turn: how much specific content it carries (see informativeness)
    opens_session: np.ndarray | None = None  # per turn: True for the first turn of its session
    turn_words: list[frozenset] | None = None  # per turn: its distinct scoring words

    @property
    def n(self) -> int:
        return len(self.lines)

    def bm25_turns(self, query: str, ids: np.ndarray | None = None) -> np.ndarray:
        """BM25 of every turn, or of the turns ``ids`` only (cheaper on a long history)."""
        q = words(query)
        size = self.n if ids is None else len(ids)
        if self.turn_bm25 is None or not q or size == 0:
            return np.zeros(size)
        if ids is None or len(ids) == self.n:
            return np.asarray(self.turn_bm25.get_scores(q), dtype=float)
        return np.asarray(self.turn_bm25.get_batch_scores(q, [int(i) for i in ids]), dtype=float)

    def bm25_sessions(self, query: str) -> np.ndarray:
        q = words(query)
        if self.session_bm25 is None or not q:
            return np.zeros(len(self.times))
        return np.asarray(self.session_bm25.get_scores(q), dtype=float)

    def dense_candidates(self, qvec: np.ndarray, k: int) -> np.ndarray:
        """Turn ids of the ``k`` nearest turns (FAISS when built, exact product otherwise)."""
        k = min(k, self.n)
        if self.faiss_index is not None:
            _, ids = self.faiss_index.search(qvec.reshape(1, -1).astype(np.float32), k)
            return ids[0][ids[0] >= 0]
        return np.argsort(-(self.emb @ qvec))[:k]


def informativeness(docs: list[list[str]]) -> np.ndarray:
    """Per turn, log(1 + the summed IDF of its distinct content words) within the history.

    Chit-chat ("Wow, that's awesome!") carries little that a question can ask about; turns that
    name things (places, people, items, dates) are where evidence lives. This is a prior, added
    with a small weight to relevance: it breaks ties among similarly relevant turns in favour of
    the one that says something specific.
    """
    n = len(docs)
    if n == 0:
        return np.zeros(0)
    sets = [set(d) for d in docs]
    df: dict[str, int] = {}
    for d in sets:
        for w in d:
            df[w] = df.get(w, 0) + 1
    return np.log1p(np.asarray([sum(np.log(n / df[w]) for w in d) for d in sets], dtype=float))


class TurnTextCache:
    """Per turn text: its token cost and word lists, so rebuilding the index of a history that grew
    by a session (the usual case: questions between sessions) re-tokenises only the new turns."""

    def __init__(self, size: int = 50_000, max_chars: int = 4_000):
        self.max_chars = max_chars  # longer turns (pasted documents) are rare: recompute, do not hold them
        self.size = size
        self._data: OrderedDict[tuple, tuple[int, list[str], list[str]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, speaker: str, text: str, cap: str, count: Callable[[str], int]) -> tuple[int, list[str], list[str]]:
        """(tokens of the ``speaker: text`` line, words of the scoring text, content words without the speaker)."""
        key = (speaker, text, cap, count)  # a bound method hashes by its object: one entry set per tokenizer
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
                return hit
        content = words(f"{text} {cap}")  # without the speaker's name, which every turn of theirs shares
        scored = words(speaker) + words(text) + (words(f"[image: {cap}]") if cap else [])
        val = (count(turn_line(speaker, text)), scored, content)
        if len(text) > self.max_chars:
            return val
        with self._lock:
            self._data[key] = val
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return val

    def cost(self, text: str, count: Callable[[str], int]) -> int:
        """Tokens of a line that is not a turn (a session header)."""
        key = ("", text, None, count)
        with self._lock:
            hit = self._data.get(key)
        if hit is None:
            hit = (count(text), [], [])
            with self._lock:
                self._data[key] = hit
        return hit[0]


TURN_TEXTS = TurnTextCache()


def _bm25(docs: list[list[str]]) -> BM25Okapi | None:
    docs = [d or ["<empty>"] for d in docs]
    return BM25Okapi(docs, k1=1.2, b=0.75, epsilon=0.25) if docs else None


def build_index(key: str, sessions, count: Callable[[str], int], embed: Callable[[list[str]], np.ndarray]) -> HistoryIndex:
    session_of, position, lines, score_texts, content, tok, costs = [], [], [], [], [], [], []
    for si, s in enumerate(sessions):
        for ti, t in enumerate(s.turns):
            session_of.append(si)
            position.append(ti)
            line = turn_line(t.speaker, t.text)
            lines.append(line)
            cap = caption_of(t.model_extra)
            score_texts.append(f"{line} [image: {cap}]" if cap else line)
            cost, scored, said = TURN_TEXTS.get(t.speaker, t.text, cap, count)
            costs.append(cost + 1)  # and its newline
            tok.append(scored)
            content.append(said)
    costs = np.asarray(costs, dtype=int)
    header_costs = np.asarray([TURN_TEXTS.cost(header_line(s.time), count) for s in sessions], dtype=int) + 2
    full = render([(s.time, [turn_line(t.speaker, t.text) for t in s.turns]) for s in sessions if s.turns])
    sess_docs: list[list[str]] = [[] for _ in sessions]
    for si, w in zip(session_of, tok):
        sess_docs[si].extend(w)
    emb = embed(score_texts) if score_texts else np.zeros((0, 384), dtype=np.float32)
    sess_emb = np.zeros((len(sessions), emb.shape[1]), dtype=np.float32)
    so = np.asarray(session_of, dtype=int)
    if len(so):
        np.add.at(sess_emb, so, emb)
    sess_emb /= np.linalg.norm(sess_emb, axis=1, keepdims=True) + 1e-9
    faiss_index = None
    if len(lines) >= FAISS_MIN_TURNS:
        import faiss

        faiss_index = faiss.IndexFlatIP(emb.shape[1])
        faiss_index.add(np.ascontiguousarray(emb, dtype=np.float32))
    return HistoryIndex(key=key, session_of=so, position=np.asarray(position, dtype=int), lines=lines,
                        score_texts=score_texts, costs=costs, header_costs=header_costs,
                        tokens_in=count(full) if full else 0, times=[parse_time(s.time) for s in sessions],
                        turn_bm25=_bm25(tok), session_bm25=_bm25(sess_docs), emb=emb, session_emb=sess_emb,
                        faiss_index=faiss_index, norm_texts=[" ".join(line.lower().split()) for line in lines],
                        speakers=[t.speaker for s in sessions for t in s.turns], informative=informativeness(content),
                        opens_session=np.asarray(position, dtype=int) == 0, turn_words=[frozenset(t) for t in tok])


class IndexCache:
    """A few recently used history indexes, by content hash."""

    def __init__(self, size: int = 8):
        self.size = size
        self._data: OrderedDict[str, HistoryIndex] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> HistoryIndex | None:
        with self._lock:
            idx = self._data.get(key)
            if idx is not None:
                self._data.move_to_end(key)
            return idx

    def put(self, idx: HistoryIndex) -> None:
        with self._lock:
            self._data[idx.key] = idx
            self._data.move_to_end(idx.key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
