"""AxTree pruning after FocusAgent: goal-guided line retrieval over the accessibility tree, plus an injection guard.

parse (BrowserGym/WebArena text or nested JSON) -> guard (remove content that speaks to the
agent) -> score (sparse + static/dense relevance to the goal and previous actions, role prior,
structure) -> select (best-first under the budget, ancestors kept, pruned runs as markers) ->
render. Kept lines are never rewritten, except ancestors kept only for structure, which may be
shortened to ``[bid] role``. If pruning fails or would not shrink the tree, the (guarded) tree
is returned unchanged and ``stats.extra["fallback"]`` says why.
"""
from __future__ import annotations

import hashlib
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ctxprune.contract import NonBlankStr, PruneRequest, PruneResult, Stats, Unit
from ctxprune.gc_pause import gc_paused
from ctxprune.models import intra_op_threads
from ctxprune.pruners.axtree_guard import judge
from ctxprune.pruners.axtree_guard_page import Removal, find_injections
from ctxprune.pruners.axtree_guard_process import shared_guard_process
from ctxprune.pruners.axtree_guard_ft import FT_PATH as GUARD_FT_PATH
from ctxprune.pruners.axtree_guard_ft import FineTunedAgentTextHead
from ctxprune.pruners.axtree_guard_model import DENSE_PATH as GUARD_DENSE_PATH
from ctxprune.pruners.axtree_guard_model import MODEL_PATH as GUARD_LR_PATH
from ctxprune.pruners.axtree_guard_model import AgentTextModel, DenseAgentTextHead
from ctxprune.pruners.axtree_rank import MODEL_PATH as RANK_PATH
from ctxprune.pruners.axtree_parse import Node, must_keep_lines, parse_json, parse_text, short_line
from ctxprune.pruners.axtree_score import AxScorer, clear_words_cache
from ctxprune.pruners.axtree_select import FULL, Selection, Selector, fit, place_markers, pruned_runs, render
from ctxprune.pruners.base import Pruner
from ctxprune.select import adaptive_cut
from ctxprune.tokens import LineTally

log = logging.getLogger(__name__)

MAX_TREE_CHARS = 4_000_000
MAX_JSON_NODES = 50_000
MAX_JSON_DEPTH = 256
CHILD_TIMEOUT_S = 20.0  # a request waits this long for the guard child, then guards here (a silent child is restarted)
LINE_CACHE = 200_000  # token counts of shortened lines kept between requests
# a 5k-line tree allocates ~100k short-lived objects after parsing, which set off collections that walk what the
# request keeps alive (10-60 ms of a cold 5k-line request on a loaded host): the cyclic GC waits for the request
GC_PAUSE_LINES = 2_000


def _settle(speculated: Future | None) -> tuple[list[str] | None, np.ndarray | None]:
    """Wait for the speculative scoring and take its line texts and scores; a failure costs only the time
    (``score`` computes, embeds, and raises, itself, after the guard)."""
    if speculated is None:
        return None, None
    if speculated.exception() is not None:
        log.warning("axtree speculative scoring failed (scored after the guard)", exc_info=speculated.exception())
        return None, None
    return speculated.result()


def _split(removals: list[Removal]) -> tuple[list[Removal], set[int], set[int]]:
    """(removals, removed lines, lines whose text the guard blanked to bid + role)."""
    removed = {j for r in removals if not r.shortened for j in r.lines}
    blanked = {j for r in removals if r.shortened for j in r.lines}
    return removals, removed, blanked


@lru_cache(maxsize=16)
def file_digest(path) -> str:
    """A short content hash of a weight file ("missing" when there is none: the feature is off)."""
    try:
        data = Path(path).read_bytes() if isinstance(path, str) else path.read_bytes()
        return hashlib.sha1(data).hexdigest()[:12]
    except OSError:
        return "missing"


class _Fits(Exception):
    """The whole tree is within the budget: nothing to prune."""


class AxNode(BaseModel):
    """One node of the nested JSON form."""

    model_config = ConfigDict(extra="ignore")

    role: str = Field("generic", max_length=200)
    name: str | None = Field(None, max_length=200_000)
    bid: str | None = Field(None, max_length=200, pattern=r"^[^\[\]\s]*$")
    properties: dict[str, Any] | None = None
    children: list["AxNode"] = Field(default_factory=list, max_length=MAX_JSON_NODES)


class Injection(BaseModel):
    bid: str | None
    text: str
    reason: str


class AxTreeRequest(PruneRequest):
    goal: NonBlankStr = Field(..., max_length=20_000, description="the task the agent pursues")
    axtree: str | AxNode = Field(..., description="AXTree text (one node per line) or the nested JSON form")
    previous_actions: list[str] = Field(default_factory=list, max_length=500)
    guard: bool = Field(True, description="remove content that speaks to the agent (prompt injection)")
    markers: bool = Field(True, description="collapse each pruned run into a '... N lines pruned ...' line")
    marker_bids: bool = Field(False, description="list the bids of each pruned run in its marker")
    marker_share: float = Field(0.05, ge=0.0, le=0.5,
                                description="share of a token budget reserved for marker lines: lines are chosen "
                                            "within the rest, then the longest pruned runs get markers in what the "
                                            "lines left; other runs are left out silently (no budget: every run)")

    @field_validator("previous_actions")
    @classmethod
    def _actions_short(cls, v: list[str]) -> list[str]:
        for i, a in enumerate(v):
            if len(a) > 20_000:
                raise ValueError(f"previous_actions[{i}] is longer than 20000 characters")
        return v

    @field_validator("axtree")
    @classmethod
    def _tree_size(cls, v: str | AxNode) -> str | AxNode:
        if isinstance(v, str):
            if len(v) > MAX_TREE_CHARS:
                raise ValueError(f"axtree text is longer than {MAX_TREE_CHARS} characters")
            if not v.strip():
                raise ValueError("axtree is empty")
            return v
        count, todo = 0, [(v, 0)]
        while todo:
            node, depth = todo.pop()
            count += 1
            if count > MAX_JSON_NODES or depth > MAX_JSON_DEPTH:
                raise ValueError(f"axtree JSON exceeds {MAX_JSON_NODES} nodes or depth {MAX_JSON_DEPTH}")
            todo.extend((c, depth + 1) for c in node.children)
        return v


class AxTreeResult(PruneResult):
    axtree: str
    kept_bids: list[str]
    removed_injections: list[Injection] = Field(default_factory=list)


class AxTreePruner(Pruner):
    kind = "axtree"
    method = "focusagent-lines"
    request_model = AxTreeRequest
    result_model = AxTreeResult
    scorers = ("bm25", "static", "dense")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scorer = AxScorer(self.hub)
        self.guard_model = AgentTextModel(lambda texts: self.hub.get("static").embed(texts))
        # the MiniLM second stage for the few most suspicious texts the cheap path let pass (settings: axtree_guard_minilm)
        self.guard_dense = (DenseAgentTextHead(lambda texts: self.hub.get("dense").embed(texts),
                                               lambda: self.hub.get("dense").model_id)
                            if getattr(self.settings, "axtree_guard_minilm", False) else None)
        # or the fine-tuned classifier in its place (settings: axtree_guard_ft; loads on first use)
        ft_dtype = getattr(self.settings, "axtree_guard_ft_dtype", "auto")
        if getattr(self.settings, "axtree_guard_ft", False):
            self.guard_dense = FineTunedAgentTextHead(precision=ft_dtype)
        # the guard in a child process beside the scoring (settings: axtree_guard_process); the in-process guard
        # above stays for when the child is not ready or is gone. The MiniLM sentence head runs in-process only.
        in_child = getattr(self.settings, "axtree_guard_process", False) and not isinstance(self.guard_dense, DenseAgentTextHead)
        self.guard_process = shared_guard_process(self.guard_dense is not None, ft_dtype) if in_child else None
        self._line_tokens: dict[str, int] = {}
        # Counting the tree's tokens (tiktoken) and tokenising its lines for the static embeddings (HF tokenizers)
        # run in native code that releases the GIL, so they overlap the guard, which is Python. Two tasks for each
        # request the service runs at once (pool_size), so no request queues behind another's (threads start lazily).
        self._overlap = ThreadPoolExecutor(max_workers=2 * getattr(self.settings, "pool_size", 4),
                                           thread_name_prefix="ctxprune-axtree")

    def warm_up(self) -> None:
        super().warm_up()
        # with the guard's child up, this process's copy of the fine-tuned stage (~150 MB) loads only if it is needed
        # (the child died); otherwise it reads the base model and the tuned layers now
        in_child = self.guard_process is not None and self.guard_process.start(wait=True)
        if isinstance(self.guard_dense, FineTunedAgentTextHead) and not in_child:
            self.guard_dense.warm_up()

    def model_ids(self) -> list[str]:
        """The packaged ranker and guard weights by content, so a retrained file never serves old cached results."""
        files = [self.scorer.w.ranker or RANK_PATH, GUARD_LR_PATH]
        stage = "none"
        child = self.guard_process.stage if self.guard_process is not None else None
        if child is not None:  # what the child runs (asking this process's copy would load it)
            stage = child
            if child != "none":
                files.append(GUARD_FT_PATH)
        elif self.guard_dense is not None and self.guard_dense.available:
            ft = isinstance(self.guard_dense, FineTunedAgentTextHead)
            files.append(GUARD_FT_PATH if ft else GUARD_DENSE_PATH)
            stage = f"ft-{self.guard_dense.precision}" if ft else "minilm"
        return [*super().model_ids(), f"guard-stage-{stage}", *map(file_digest, files)]

    # ---------------------------------------------------------------- parse + guard
    @staticmethod
    def parse(tree: str | AxNode | dict) -> list[Node]:
        if isinstance(tree, str):
            return parse_text(tree)
        return parse_json(tree if isinstance(tree, dict) else tree.model_dump(exclude_none=True))

    @staticmethod
    def must_keep(nodes: list[Node], keep: list[str]) -> set[int]:
        return must_keep_lines(nodes, keep)

    def apply_guard(self, nodes: list[Node], must: set[int], goal: str | None = None) -> tuple[list[Removal], set[int], set[int]]:
        """(removals, removed lines, lines whose text the guard blanked to bid + role)."""
        return _split(find_injections(nodes, protected=must, model=self.guard_model, dense=self.guard_dense, goal=goal))

    def _submit_guard(self, req: AxTreeRequest, tree: str | dict) -> Future | None:
        """The guard child's future for this request (None: guard here; off, not ready, or gone)."""
        if not req.guard or self.guard_process is None:
            return None
        try:
            return self.guard_process.submit(tree, req.keep, req.goal)
        except Exception:  # the child is an optimisation: the request guards in-process
            log.exception("axtree guard process: submit failed")
            return None

    def _child_removals(self, job: Future, n_nodes: int) -> list[Removal] | None:
        """The child's removals, or None (then the caller guards in-process)."""
        try:
            n_child, removals = job.result(timeout=CHILD_TIMEOUT_S)
        except FutureTimeout:
            stuck = self.guard_process.restart_if_stuck(CHILD_TIMEOUT_S)
            log.error("axtree guard process gave no answer in %.0f s (%s); guarding in-process", CHILD_TIMEOUT_S,
                      "silent: restarted" if stuck else "busy with other trees")
            return None
        except Exception as exc:
            log.warning("axtree guard process failed for this request (%s); guarding in-process", exc)
            return None
        if n_child != n_nodes:  # the same parser on the same text: cannot happen unless the two codes differ
            log.error("axtree guard process parsed %d lines, the request %d; guarding in-process", n_child, n_nodes)
            return None
        return removals

    def _count_each(self, texts: list[str]) -> list[int]:
        """Token count per text (shortened ancestor lines); a text seen before (the same page one step later) is counted once."""
        seen = self._line_tokens
        if len(seen) > LINE_CACHE:
            seen.clear()
        count = self.counter.count
        out = []
        for t in texts:
            n = seen.get(t)  # get/set, never check-then-read: another thread may clear the cache in between
            if n is None:
                n = count(t)
                if len(t) <= 2_000:
                    seen[t] = n
            out.append(n)
        return out

    def _score_unguarded(self, req: AxTreeRequest, nodes: list[Node]) -> tuple[list[str], np.ndarray]:
        """The lines' texts and scores as if the guard removed nothing (embedding them caches them for a rescore)."""
        with intra_op_threads(1):  # beside the guard (see _run)
            texts = self.scorer.prefetch(nodes)
            return texts, self.scorer.score(req.goal, req.previous_actions, nodes, exclude=set(), texts=texts)[0]

    def clear_local(self) -> None:
        """Forget the per-line caches (token counts, words, guard verdicts): benchmarks of the cold path."""
        self._line_tokens.clear()
        clear_words_cache()
        judge.cache_clear()
        self.guard_model.clear()
        if self.guard_dense is not None:
            self.guard_dense.clear()
        if self.guard_process is not None:
            self.guard_process.clear()

    # ---------------------------------------------------------------- run
    def run(self, req: AxTreeRequest) -> AxTreeResult:
        tree = req.axtree if isinstance(req.axtree, str) else req.axtree.model_dump(exclude_none=True)
        job = self._submit_guard(req, tree)  # the child parses and guards the tree while this process parses and scores it
        nodes = self.parse(tree)
        with gc_paused(len(nodes) >= GC_PAUSE_LINES):
            return self._run(req, nodes, job)

    def _run(self, req: AxTreeRequest, nodes: list[Node], job: Future | None = None) -> AxTreeResult:
        must = self.must_keep(nodes, req.keep)  # before the submits: nothing may raise between a submit and its wait
        counted = self._overlap.submit(self.counter.count_lines, [n.line for n in nodes])
        removals = texts = scored = None
        if job is not None:
            try:
                texts, scored = self._score_unguarded(req, nodes)
            except Exception:  # scored again below, where a failure is handled
                log.exception("axtree scoring beside the guard process failed")
            removals = self._child_removals(job, len(nodes))
        in_child = removals is not None
        if removals is None and req.guard:
            # guarding here: the lines are embedded and scored beside it as if it removes nothing (what it finds on
            # nearly every page); when it does remove lines, they are scored again without them (the same result)
            speculated = self._overlap.submit(self._score_unguarded, req, nodes) if scored is None else None
            try:
                # the guard and the speculative scoring share the cores: torch (the guard's fine-tuned stage, the
                # scoring's dense model) runs one intra-op thread in each (paired A/B in docs/axtree.md, session 15)
                with intra_op_threads(1 if speculated is not None else None):
                    removals = self.apply_guard(nodes, must, req.goal)[0]
            finally:  # the nodes are changed below: the speculative scoring must be done reading them
                if speculated is not None:
                    texts, scored = _settle(speculated)
        removals, removed, blanked = _split(removals or [])
        if removals:
            scored = None
        if blanked:  # blanked names change the texts (and their nameless children's): score works them out again
            texts = None
        tokens_in, line_tokens = counted.result()
        limit = req.budget.limit(tokens_in) if req.budget else None
        for j in blanked:  # the text of a large container that carried an attack is dropped, its children stay
            nodes[j].line, nodes[j].name, nodes[j].props = short_line(nodes[j]), "", ""
            line_tokens[j] = self.counter.count(nodes[j].line + "\n")
        try:
            if limit is not None and limit >= tokens_in:
                raise _Fits()
            sel, scores, text, tokens_out = self._prune(req, nodes, removed, must, limit, line_tokens, texts, scored)
            fallback = None
            if tokens_out >= tokens_in and limit is not None:
                fallback = "pruning would not shrink the tree"
            elif not sel.mode:  # an empty tree helps no agent: give the whole tree and say the budget is too small
                fallback = "no line fits the budget"
        except _Fits:
            fallback, scores = "the tree fits the budget", np.zeros(len(nodes))
        except Exception as exc:  # a tree we cannot handle is returned as it came, and we say so
            log.exception("axtree pruning failed")
            fallback, sel, scores = f"pruning failed: {type(exc).__name__}", None, np.zeros(len(nodes))
        if fallback:
            sel = Selection(mode={n.index: FULL for n in nodes if n.index not in removed},
                            reason={n.index: "unchanged (fallback)" for n in nodes})
            text = "\n".join(n.line for n in nodes if n.index not in removed)
            tokens_out = self.counter.count(text)
        result = self._result(req, nodes, sel, scores, text, tokens_in, tokens_out, limit, removals, removed, fallback,
                              line_tokens)
        if req.guard:
            result.stats.extra["guard_process"] = in_child
        return result

    def _prune(self, req: AxTreeRequest, nodes: list[Node], removed: set[int], must: set[int], limit: int | None,
               line_tokens: list[int], texts: list[str] | None = None,
               scored: np.ndarray | None = None) -> tuple[Selection, np.ndarray, str, int]:
        # renderings are measured from the lines' counts while fitting; the chosen text is counted whole below
        count = LineTally(self.counter, {n.line: line_tokens[n.index] for n in nodes[:-1]})
        scores = scored if scored is not None else self.scorer.score(req.goal, req.previous_actions, nodes,
                                                                     exclude=removed, texts=texts)[0]
        full_cost = line_tokens  # each line's share of the whole tree's tokens, its newline included
        # only a line with children is ever kept shortened (as an ancestor): count only those
        parents = [n for n in nodes if n.children]
        short_cost = list(full_cost)
        for n, c in zip(parents, self._count_each([short_line(n) for n in parents])):
            short_cost[n.index] = min(c + 1, full_cost[n.index])
        selector = Selector(nodes, full_cost, short_cost, 0, markers=False, banned=removed)
        power = self.scorer.w.cost_power
        if limit is None:
            return self._adaptive(req, nodes, removed, must, scores, selector, power)
        # lines first, within the budget less the markers' share; then markers, longest runs first
        line_limit = limit - (int(req.marker_share * limit) if req.markers else 0)
        sel = selector.select(scores, must, line_limit, power, skip=removed)
        text, tokens = fit(nodes, sel, scores, must, line_limit, count, markers=False, skip=removed)
        if not req.markers:
            if line_limit - tokens > 2:  # the estimates were cautious: spend what is left, then fit again
                selector.extend(sel, scores, line_limit, tokens, power, skip=removed)
                text, tokens = fit(nodes, sel, scores, must, line_limit, count, markers=False, skip=removed)
            return self._exact(nodes, sel, scores, must, removed, limit, text)
        # what the lines left is spent after the markers are placed (one top-up pass for both)
        marked_text, marked_tokens, marked = self._with_markers(req, nodes, sel, removed, limit, tokens, text, count)
        spare = limit - marked_tokens
        if spare > 2:  # what the lines and markers left (all of it when no marker fits) goes to more lines
            selector.extend(sel, scores, tokens + spare, tokens, power, skip=removed)
            text, tokens = fit(nodes, sel, scores, must, tokens + spare, count, markers=False, skip=removed)
            marked_text, marked_tokens, _ = self._with_markers(req, nodes, sel, removed, limit, tokens, text, count,
                                                               marked)
        return self._exact(nodes, sel, scores, must, removed, limit, marked_text)

    def _exact(self, nodes: list[Node], sel: Selection, scores: np.ndarray, must: set[int], removed: set[int],
               limit: int, text: str) -> tuple[Selection, np.ndarray, str, int]:
        """The chosen text counted whole; should the line tally have fallen short, refit without markers."""
        tokens = self.counter.count(text)
        if tokens > limit:
            text, tokens = fit(nodes, sel, scores, must, limit, self.counter.count, markers=False, skip=removed)
        return sel, scores, text, tokens

    def _with_markers(self, req: AxTreeRequest, nodes: list[Node], sel: Selection, removed: set[int], limit: int,
                      tokens: int, bare: str, count: Callable[[str], int],
                      marked: set[int] | None = None) -> tuple[str, int, set[int]]:
        """Markers for the longest pruned runs within what the lines left of the budget.

        ``marked`` (run starts chosen before) is kept where those runs still start a run.
        """
        kw = dict(marker_bids=req.marker_bids, skip=removed)
        if marked is None:
            marked = place_markers(nodes, sel.mode, limit - tokens, count, **kw)
        run_len = {run[0]: len(run) for run in pruned_runs(nodes, sel.mode, removed)}
        marked = {i for i in marked if i in run_len}
        while marked:
            text = render(nodes, sel.mode, marked=marked, **kw)
            out = count(text)
            if out <= limit:
                return text, out, marked
            marked.discard(min(marked, key=lambda i: (run_len[i], -i)))  # line-break merges can cost a token more
        return bare, tokens, set()

    def _adaptive(self, req, nodes, removed, must, scores, selector, power):
        """No budget: the lines above the adaptive cut (at most half), every pruned run as a marker."""
        alive_idx = [n.index for n in nodes if n.index not in removed]
        k = adaptive_cut(scores[alive_idx], mass=0.85, min_keep=min(3, len(alive_idx)), max_share=0.5)
        best = set(np.array(alive_idx)[np.argsort(-scores[alive_idx], kind="stable")[:k]].tolist())
        sel = selector.select(scores, must, None, power, skip=set(range(len(nodes))) - best)
        text = render(nodes, sel.mode, markers=req.markers, marker_bids=req.marker_bids, skip=removed)
        return sel, scores, text, self.counter.count(text)

    # ---------------------------------------------------------------- result
    def _result(self, req, nodes, sel, scores, text, tokens_in, tokens_out, limit, removals, removed, fallback,
                line_tokens):
        costs = line_tokens
        def unit(n: Node, reason: str) -> Unit:  # fields are well-typed here: skip validation (5k-line trees)
            score = float(scores[n.index])
            return Unit.trusted(id=n.bid or f"line{n.index}", text=n.line.strip(), tokens=costs[n.index], reason=reason,
                                score=round(score, 4) if score >= 0 else None,
                                group=nodes[n.parent].bid if n.parent is not None else None)

        kept = [unit(n, sel.reason.get(n.index, "kept") + (" (shortened)" if sel.mode[n.index] != FULL else ""))
                for n in nodes if n.index in sel.mode]
        dropped = [unit(n, "injection removed by the guard" if n.index in removed else
                        ("below the adaptive cut" if limit is None else "did not fit the budget"))
                   for n in nodes if n.index not in sel.mode]
        dropped.sort(key=lambda u: -(u.score or 0))
        kept_bids = [n.bid for n in nodes if n.index in sel.mode and n.bid]
        extra = {"lines_in": len(nodes), "lines_kept": len(sel.mode), "markers": req.markers,
                 "guard": req.guard, "injections_removed": len(removals)}
        if fallback:
            extra["fallback"] = fallback
        stats = Stats(tokens_in=tokens_in, tokens_out=tokens_out, tokenizer=self.counter.name, budget_tokens=limit,
                      budget_exceeded=bool(limit is not None and tokens_out > limit),
                      ratio=round(tokens_out / max(tokens_in, 1), 4), method=self.method,
                      scorer="bm25+wordllama" + ("+minilm(top)" if self.scorer.w.dense_top else "") + " + role prior + structure", extra=extra)
        inj = [Injection(bid=r.bid, text=r.text, reason=r.reason) for r in removals]
        return AxTreeResult(axtree=text, kept_bids=kept_bids, removed_injections=inj, kept=kept, dropped=dropped,
                            stats=stats)
