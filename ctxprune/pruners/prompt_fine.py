"""The fine stage of DSPC: drop the least important whole words of some sentences until a token
target holds.

A word's importance combines, over the LM tokens inside it: its self-information (surprisal
given the preceding text), the question-aware loss difference (how much more predictable the
question makes it: surprisal without the question minus surprisal with it), and a positional
prior (the start and end of a long context matter more than its middle). Protected words
(``prompt_spans``) are never dropped, so entities, numbers, identifiers and code stay whole.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ctxprune.pruners.prompt_spans import Word, words
from ctxprune.scoring.lm import PieceScores


@dataclass(frozen=True)
class FineWeights:
    surprisal: float = 1.0  # nats of self-information of the word
    question: float = 1.5  # nats of loss difference (plain - conditioned)
    position: float = 1.0  # bonus at the ends of the context, 0 in its middle


@dataclass
class Piece:
    """A sentence handed to the fine stage."""

    unit: int
    text: str
    position: float  # 0..1, where the sentence sits in the whole context


def word_importance(piece: Piece, ws: list[Word], sc: PieceScores, w: FineWeights) -> np.ndarray:
    """One importance value per word of the piece."""
    out = np.zeros(len(ws))
    if len(sc.plain) == 0:
        return out
    mids = (sc.offsets[:, 0] + sc.offsets[:, 1]) / 2.0
    diff = sc.plain - sc.conditioned
    pos = w.position * abs(2.0 * piece.position - 1.0) ** 2
    for i, wd in enumerate(ws):
        inside = (mids >= wd.start) & (mids < wd.end)
        if not inside.any():  # a word smaller than one LM token: take the token that covers it
            inside = (sc.offsets[:, 0] <= wd.start) & (sc.offsets[:, 1] > wd.start)
        out[i] = w.surprisal * sc.plain[inside].sum() + w.question * diff[inside].sum() + pos
    return out


def render_words(text: str, ws: list[Word], keep: np.ndarray) -> str:
    """The kept words in order, single-spaced (the original text when every word is kept)."""
    if keep.all():
        return text
    return " ".join(text[wd.start:wd.end] for wd, k in zip(ws, keep) if k)


def compress(pieces: list[Piece], scores: list[PieceScores], target_tokens: int, count, *,
             question_terms: set[str], keep_strings: list[str], weights: FineWeights = FineWeights(),
             max_drop: float = 0.7) -> tuple[dict[int, str], dict[int, float]]:
    """Texts of the pieces after dropping their least important droppable words until the sum of
    their token counts is at most ``target_tokens`` (or nothing droppable is left). At most
    ``max_drop`` of a piece's words go, so a sentence keeps its skeleton. Returns
    ({unit: compressed text}, {unit: share of its tokens kept})."""
    wl = [words(p.text, question_terms=question_terms, keep=keep_strings) for p in pieces]
    imp = [word_importance(p, ws, sc, weights) for p, ws, sc in zip(pieces, wl, scores)]
    costs = [np.array([count(" " + p.text[wd.start:wd.end]) for wd in ws]) for p, ws in zip(pieces, wl)]
    keep = [np.ones(len(ws), dtype=bool) for ws in wl]
    total = sum(count(p.text) for p in pieces)
    cands = [(imp[pi][wi], pi, wi) for pi, ws in enumerate(wl) for wi, wd in enumerate(ws) if not wd.protected]
    cands.sort()
    dropped = [0] * len(pieces)
    for _, pi, wi in cands:
        if total <= target_tokens:
            break
        if dropped[pi] + 1 > max_drop * len(wl[pi]):
            continue
        keep[pi][wi] = False
        dropped[pi] += 1
        total -= int(costs[pi][wi])
    texts, kept_share = {}, {}
    for p, ws, k in zip(pieces, wl, keep):
        texts[p.unit] = render_words(p.text, ws, k)
        kept_share[p.unit] = float(k.mean()) if len(k) else 1.0
    return texts, kept_share


def is_prose(text: str) -> bool:
    """Sentences worth thinning: mostly letters and spaces, not code, tables or CJK."""
    if re.search(r"[\u3000-\u9fff]", text):
        return False
    letters = sum(ch.isalpha() or ch == " " for ch in text)
    return len(text) >= 40 and letters / max(1, len(text)) > 0.8
