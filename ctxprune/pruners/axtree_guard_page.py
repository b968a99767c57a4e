"""The injection guard over a page: which nodes go, and what is reported (the texts are judged by ``axtree_guard``).

A flagged node and its subtree are removed; a small dialog-like wrapper around it goes too, and so does a heading
right before it that addresses the agent. A flagged node whose subtree is a large part of the page (a root whose name
repeats the page) is not removed: its line is shortened to bid and role. The learned stages (``model_flags``) add
their flags to the rules'.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from ctxprune.pruners.axtree_guard import (MENTION, SPEAKS_TO_AGENT, PageText, Verdict, gated, judge, judge_echo,
                                           judge_window, masked_through)
from ctxprune.pruners.axtree_guard_echo import echoing
from ctxprune.pruners.axtree_guard_model import (DENSE_MAX_WORDS, MIN_WORDS, AgentTextModel, DenseAgentTextHead,
                                                 sentence_packs)
from ctxprune.pruners.axtree_parse import Node, broken_name_runs, broken_name_text, subtree

log = logging.getLogger(__name__)
_F = re.I


def node_text(n: Node) -> str:
    return n.name or n.props


DIALOG_ROLES = frozenset("dialog alertdialog alert banner complementary region generic group section status note log "
                         "marquee paragraph div contentinfo form article figure tooltip".split())


@dataclass
class Removal:
    bid: str | None
    text: str
    reason: str
    lines: list[int]
    shortened: bool = False


_DISMISS = re.compile(r"^(?:ok|okay|close|dismiss|got it|continue|proceed|confirm|accept|cancel|yes|no|x|×|later|"
                      r"not now|allow|agree|i agree|submit|verify|go|next)$", _F)


def _only_message(nodes: list[Node], p: int, inner: set[int]) -> bool:
    """The wrapper holds nothing but the message: nameless nodes, dismiss/confirm buttons, agent-directed text."""
    for j in subtree(nodes, p):
        if j == p or j in inner:
            continue
        n = nodes[j]
        text = node_text(n).strip()
        if not text:
            continue
        if _DISMISS.match(text):
            continue
        if any(c.startswith(SPEAKS_TO_AGENT) for c in judge_window(text).cues):
            continue
        return False
    return True


def _wrapper(nodes: list[Node], i: int, max_lines: int) -> int:
    """Climb from a flagged node to the largest small dialog-like wrapper that holds only the message."""
    top = i
    p = nodes[top].parent
    while p is not None and nodes[p].role.lower() in DIALOG_ROLES:
        size = len(subtree(nodes, p))
        if size > max_lines or size > 0.3 * len(nodes) or not _only_message(nodes, p, set(subtree(nodes, top))):
            break
        top = p
        p = nodes[p].parent
    return top


def model_flags(texts: list[str], model: AgentTextModel | None, skip: set[int],
                dense: DenseAgentTextHead | None = None, ruled: set[int] | None = None) -> dict[int, str]:
    """Lines the learned models flag (5+ words), with their cue (``learned:p`` or ``minilm:p``).

    Cascade: every candidate text gets the cheap wordllama heads; of the texts they do not flag (nor the rules,
    ``ruled``), only the ``dense.k`` most suspicious distinct ones whose cheap probability reaches ``dense.floor``
    get a MiniLM embedding and the sentence head's verdict, so the dense cost per page is bounded."""
    if model is None or not model.available:
        return {}
    cand = [i for i, t in enumerate(texts) if i not in skip and len(t.split()) >= MIN_WORDS]
    if not cand:
        return {}
    try:
        p = model.proba([texts[i] for i in cand])
    except Exception:  # the learned opinion is extra: without it the rules still guard the page
        log.exception("axtree guard model failed; rules only for this request")
        return {}
    thr = model.threshold
    out = {i: f"learned:{q:.3f}" for i, q in zip(cand, p) if q >= thr and not MENTION.search(texts[i])}
    if dense is None or not dense.available:
        return out
    w = dense.weights
    ruled = ruled or set()
    best: dict[str, float] = {}
    for i, q in zip(cand, p):
        if q < thr and q >= w.floor and i not in ruled:
            t = texts[i]
            n = len(t.split())
            if not w.min_words <= n <= getattr(dense, "max_words", DENSE_MAX_WORDS) or n > DENSE_MAX_WORDS and not sentence_packs(t):
                continue
            if q > best.get(t, -1.0):
                best[t] = q
    top = sorted(best, key=lambda t: (-best[t], t))[:w.k]
    if not top:
        return out
    try:
        read = probes(top, model, best) if getattr(dense, "reads_sentences", False) else {t: [t] for t in top}
        flat = list(dict.fromkeys(part for parts in read.values() for part in parts))
        seen = dict(zip(flat, dense.proba(flat)))
        pd = [max((seen[part] for part in read[t]), default=0.0) for t in top]
    except Exception:
        log.exception("axtree guard MiniLM head failed; cheap path only for this request")
        return out
    hit = {t: q for t, q in zip(top, pd) if q >= dense.threshold and not MENTION.search(t)}
    if hit:
        for i in cand:
            if i not in out and i not in ruled and texts[i] in hit:
                out[i] = f"{getattr(dense, 'cue', 'minilm')}:{hit[texts[i]]:.3f}"
    return out


def probes(texts: list[str], model: AgentTextModel, cheap_p: dict[str, float] | None = None,
           extra: int = 2) -> dict[str, list[str]]:
    """What the fine-tuned stage reads of each text: the text itself (up to ``DENSE_MAX_WORDS``; it reads no
    further than its first 64 wordpieces) and, for a text of several sentences, the window of its sentences the cheap
    model finds most suspicious when it finds it more suspicious than the whole text (``cheap_p``; two windows for a
    longer text), so one injected sentence in a long review is read on its own: at most two forward-pass texts per
    text, whatever its length (a long text without sentences, e.g. a menu's link names, gets none), and no more than
    ``extra`` windows over all the texts, given in the order of ``texts`` (most suspicious first): the stage's cost per
    page stays within two texts of what it was."""
    out = {t: [t] if len(t.split()) <= DENSE_MAX_WORDS else [] for t in texts}
    packs = {t: sentence_packs(t) for t in texts}
    flat = sorted({p for ps in packs.values() for p in ps})
    if flat:
        cheap = dict(zip(flat, model.proba(flat)))
        whole = cheap_p if cheap_p is not None else dict(zip(texts, model.proba(texts)))
        for t in texts:
            ranked = sorted(packs[t], key=lambda p: (-cheap[p], p))
            add = [p for p in ranked[:1] if cheap[p] > whole[t]] if out[t] else ranked[:2]
            out[t] += add[:extra]
            extra -= len(add[:extra])
    return out  # a long text without sentences (a menu's link names) is not read: [] there


def find_injections(nodes: list[Node], protected: set[int] | None = None, max_wrapper: int = 12,
                    large_share: float = 0.3, model: AgentTextModel | None = None,
                    dense: DenseAgentTextHead | None = None, goal: str | None = None) -> list[Removal]:
    """Removals (whole subtrees) for every node whose own text is an attack (rules, or the models when given;
    with the ``goal``, a text that repeats it word for word and gives any order, see ``judge_echo``)."""
    protected = protected or set()
    n_lines = max(1, len(nodes))
    gone: set[int] = set()
    out: list[Removal] = []
    lines_text = [node_text(n) for n in nodes]
    # a name printed with raw newlines spans lines: the rules judge it whole on its first line (removed with all its
    # lines); the models keep reading line by line, as they were fit (whole, a shown chat transcript looks like one)
    broken = broken_name_runs(nodes)
    texts = list(lines_text)
    for i, rest in broken.items():
        texts[i] = broken_name_text(nodes, i, rest)
    page = PageText.of(texts)
    through = gated(texts, page)
    through |= masked_through(texts, through, page)
    # the rules' verdicts first (cached per text), so the MiniLM stage spends its K texts on what they let pass
    ruled = {i for i in through if i not in protected and judge(texts[i], gate=False) is not None} if dense else None
    learned = model_flags(lines_text, model, protected, dense, ruled)
    echo = echoing(texts, goal)
    for n in nodes:
        if n.index in gone or n.index in protected or (n.index not in through and n.index not in learned
                                                       and n.index not in echo):
            continue
        v = judge(texts[n.index], gate=False) if n.index in through else None
        if v is None and n.index in learned:
            v = Verdict(2.0, [learned[n.index]], lines_text[n.index][:500])
        if v is None and n.index in echo:
            v = judge_echo(texts[n.index])
        if v is None:
            continue
        own = subtree(nodes, n.index)
        if len(own) > max(max_wrapper, large_share * n_lines) or n.parent is None and len(own) > max_wrapper:
            out.append(Removal(n.bid, node_text(n)[:500], v.reason() + " (large container: text removed, children kept)",
                               [n.index], shortened=True))
            gone.add(n.index)
            continue
        top = _wrapper(nodes, n.index, max_wrapper)
        lines = [j for j in subtree(nodes, top) if j not in protected]
        if n.index in broken:
            lines = sorted(set(lines) | {j for j in broken[n.index] if j not in protected})
        prev = _leading_address(nodes, top)
        if prev is not None and prev not in protected:
            lines = sorted(set(lines) | set(subtree(nodes, prev)))
        t = nodes[top]
        out.append(Removal(t.bid if t.bid else n.bid, texts[n.index][:500], v.reason(), lines))
        gone.update(lines)
    return out


def _leading_address(nodes: list[Node], i: int) -> int | None:
    """A short sibling line right before ``i`` that addresses the agent (the banner's heading)."""
    j = i - 1
    if j < 0 or nodes[j].parent != nodes[i].parent or nodes[j].children:
        return None
    text = node_text(nodes[j])
    if len(text.split()) > 12:
        return None
    v = judge_window(text)
    return j if any(c.startswith(("address", "override")) for c in v.cues) else None
