"""Choosing AxTree lines under a token budget and rendering them with pruned-run markers.

Lines are taken best-first. Taking a line also takes its ancestors (so the output is a valid
tree) and, for a small element, its bid-bearing descendants (the nameless ``generic``/``img``
inside a link is often what the agent clicks). Ancestors taken only for the structure are
shortened to ``[bid] role`` when that saves tokens. Each run of pruned lines becomes one marker
line, whose cost is counted while choosing (a line inside a pruned run splits it in two).
"""
from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ctxprune.pruners.axtree_parse import Node, ancestors, short_line, subtree

FULL, SHORT = "full", "short"


@dataclass
class Selection:
    mode: dict[int, str] = field(default_factory=dict)  # kept line -> full | short
    reason: dict[int, str] = field(default_factory=dict)
    exceeded: bool = False


def marker(nodes: list[Node], run: list[int], with_bids: bool, max_bids: int = 40) -> str:
    indent = nodes[run[0]].indent
    text = f"{indent}... {len(run)} line{'s' if len(run) != 1 else ''} pruned"
    if with_bids:
        bids = [nodes[j].bid for j in run if nodes[j].bid]
        if bids:
            more = f" +{len(bids) - max_bids}" if len(bids) > max_bids else ""
            text += " (bids: " + " ".join(bids[:max_bids]) + more + ")"
    return text + " ..."


def pruned_runs(nodes: list[Node], mode: dict[int, str], skip: set[int] | None = None) -> list[list[int]]:
    """Maximal runs of consecutive pruned lines (lines in ``skip`` are gone without trace)."""
    runs: list[list[int]] = []
    run: list[int] = []
    for n in nodes:
        if n.index in mode:
            if run:
                runs.append(run)
            run = []
        elif skip is None or n.index not in skip:
            run.append(n.index)
    if run:
        runs.append(run)
    return runs


def render(nodes: list[Node], mode: dict[int, str], *, markers: bool = True, marker_bids: bool = False,
           skip: set[int] | None = None, marked: set[int] | None = None) -> str:
    """Kept lines verbatim (structural ancestors maybe shortened), pruned runs as marker lines.

    ``marked``: the first lines of the runs that get a marker (None: every run).
    """
    out: list[str] = []
    run: list[int] = []

    def close() -> None:
        if run and markers and (marked is None or run[0] in marked):
            out.append(marker(nodes, run, marker_bids))

    for n in nodes:
        if n.index in mode:
            close()
            run = []
            out.append(n.line if mode[n.index] == FULL else short_line(n))
        elif skip is None or n.index not in skip:
            run.append(n.index)
    close()
    return "\n".join(out)


def place_markers(nodes: list[Node], mode: dict[int, str], allowance: int, count: Callable[[str], int], *,
                  marker_bids: bool = False, skip: set[int] | None = None) -> set[int]:
    """Runs that get a marker within ``allowance`` tokens: the longest runs first (they say the most)."""
    runs = sorted(pruned_runs(nodes, mode, skip), key=lambda r: (-len(r), r[0]))
    marked: set[int] = set()
    costs: dict[str, int] = {}  # runs of the same length at the same indent have the same marker
    cheapest = count(marker(nodes[:1], [0], False).lstrip()) + 1 if nodes else 1
    for run in runs:
        if allowance < cheapest:
            break
        text = marker(nodes, run, marker_bids)
        cost = costs.get(text)
        if cost is None:
            cost = costs[text] = count(text) + 1
        if cost <= allowance:
            marked.add(run[0])
            allowance -= cost
    return marked


class Selector:
    def __init__(self, nodes: list[Node], full_cost: list[int], short_cost: list[int], marker_cost: int,
                 markers: bool = True, bundle_lines: int = 6, lazy: bool = False, banned: set[int] | None = None):
        self.nodes, self.full, self.short = nodes, full_cost, short_cost
        self.mc = marker_cost if markers else 0
        self.bundle_lines = bundle_lines
        self.lazy = lazy
        self.banned = banned or set()  # lines that must never be output (removed by the guard)
        self.size = [1] * len(nodes)  # subtree sizes, bottom-up
        for n in reversed(nodes):
            if n.parent is not None:
                self.size[n.parent] += self.size[n.index]

    # ------------------------------------------------------------ incremental cost
    def _run_delta(self, keys: list[int], i: int) -> int:
        pos = bisect_left(keys, i)
        left = keys[pos - 1] if pos > 0 else -1
        right = keys[pos] if pos < len(keys) else len(self.nodes)
        if right - left - 1 == 1:
            return -1
        return 0 if i in (left + 1, right - 1) else 1

    def _structural_mode(self, i: int) -> str:
        return SHORT if self.full[i] - self.short[i] > 4 else FULL

    def _needed(self, i: int) -> list[tuple[int, str]]:
        """Lines to add for ``i``: its ancestors (shortened where that saves tokens), itself, its small subtree."""
        need = [(a, self._structural_mode(a)) for a in reversed(ancestors(self.nodes, i))]
        need.append((i, FULL))
        if self.nodes[i].children and self.size[i] <= self.bundle_lines:
            sub = subtree(self.nodes, i)
            if sub:
                need += [(j, FULL) for j in sub if j != i and self.nodes[j].bid and j not in self.banned]
        return need

    def _try(self, sel: Selection, keys: list[int], need: list[tuple[int, str]], used: int, limit: int | None,
             reason: str, force: bool, focus: int) -> tuple[int, bool]:
        added: list[tuple[int, str | None]] = []  # (index, previous mode) for rollback
        delta = 0
        for j, m in need:
            prev = sel.mode.get(j)
            if prev == FULL or prev == m:
                continue
            if prev is None:
                delta += self.full[j] if m == FULL else self.short[j]
                delta += self._run_delta(keys, j) * self.mc
                insort(keys, j)
            else:  # short -> full
                delta += self.full[j] - self.short[j]
            sel.mode[j] = m
            added.append((j, prev))
        if force or limit is None or used + delta <= limit:
            for j, _ in added:
                sel.reason[j] = reason if j == focus else ("ancestor" if j < focus else "container child")
            return used + delta, True
        for j, prev in reversed(added):
            if prev is None:
                del sel.mode[j]
                keys.pop(bisect_left(keys, j))
            else:
                sel.mode[j] = prev
        return used, False

    # ------------------------------------------------------------ greedy fill
    def select(self, scores, must: set[int], limit: int | None, power: float = 1.0,
               skip: set[int] | None = None) -> Selection:
        sel = Selection()
        keys: list[int] = []
        used = self.mc  # an empty output is one marker
        for i in sorted(must):
            used, _ = self._try(sel, keys, self._needed(i), used, limit, "must-keep", force=True, focus=i)
            sel.reason[i] = "must-keep"
        sel.exceeded = limit is not None and used > limit
        self.extend(sel, scores, limit, used, power, skip)
        return sel

    def _own_cost(self, sel: Selection, i: int) -> int:
        """Tokens that keeping line ``i`` in full adds at the least (its ancestors and markers aside)."""
        return self.full[i] - self.short[i] if sel.mode.get(i) == SHORT else self.full[i]

    def _marginal(self, sel: Selection, keys: list[int], need: list[tuple[int, str]]) -> int:
        """Tokens that taking ``need`` would add now, markers included (nothing is changed)."""
        delta, tmp = 0, list(keys)
        for j, m in need:
            prev = sel.mode.get(j)
            if prev == FULL or prev == m:
                continue
            if prev is None:
                delta += (self.full[j] if m == FULL else self.short[j]) + self._run_delta(tmp, j) * self.mc
                insort(tmp, j)
            else:
                delta += self.full[j] - self.short[j]
        return delta

    def extend(self, sel: Selection, scores, limit: int | None, used: int, power: float = 1.0,
               skip: set[int] | None = None) -> int:
        """Lazy greedy by score per marginal token (a line next to kept lines costs no new marker)."""
        keys = sorted(sel.mode)
        skip = skip or set()
        made: dict[int, list[tuple[int, str]]] = {}

        def need(i: int) -> list[tuple[int, str]]:
            if i not in made:
                made[i] = self._needed(i)
            return made[i]

        def prio(i: int) -> float:
            cost = self._marginal(sel, keys, need(i)) if self.lazy else self.full[i]
            return (float(scores[i]) + 0.05) / max(1, cost) ** power

        alive = [i for i in range(len(self.nodes)) if i not in skip and sel.mode.get(i) != FULL]
        if limit is not None:  # a line whose own text no longer fits cannot be taken (a top-up pass has little left)
            room = limit - used + self.mc
            alive = [i for i in alive if self._own_cost(sel, i) <= room]
        if self.lazy:
            heap = [(-prio(i), i) for i in alive]
        else:  # the same priorities as prio(), for all lines at once
            s = np.asarray(scores, dtype=float)[alive]
            cost = np.maximum(1, np.asarray(self.full, dtype=float)[alive]) ** power
            heap = list(zip((-(s + 0.05) / cost).tolist(), alive))
        heapq.heapify(heap)
        while heap:
            neg, i = heapq.heappop(heap)
            if sel.mode.get(i) == FULL:
                continue
            if self.lazy:  # otherwise a line's priority is its own cost's and never changes: nothing goes stale
                p = prio(i)
                if heap and p < -heap[0][0] - 1e-12:  # stale: its cost went up since it was queued
                    heapq.heappush(heap, (-p, i))
                    continue
            if limit is not None and self._own_cost(sel, i) - self.mc > limit - used:  # cannot fit, now or later
                if limit - used < 3:
                    break
                continue
            why = "relevant" if self.nodes[i].interactive or not self.nodes[i].children else "relevant container"
            used, ok = self._try(sel, keys, need(i), used, limit, why, force=False, focus=i)
            if ok and self.lazy:  # neighbours may now be cheaper (no new marker): queue them again
                for j in (i - 1, i + 1):
                    if 0 <= j < len(self.nodes) and j not in skip and sel.mode.get(j) != FULL:
                        heapq.heappush(heap, (-prio(j), j))
            elif limit is not None and limit - used < 3:
                break
        return used


def fit(nodes: list[Node], sel: Selection, scores, must: set[int], limit: int, count: Callable[[str], int],
        **render_kw) -> tuple[str, int]:
    """Render; while the exact count is over the limit, drop the weakest kept leaf (and ancestors left empty)."""
    text = render(nodes, sel.mode, **render_kw)
    tokens = count(text)
    while tokens > limit:
        kept_children = {i: 0 for i in sel.mode}
        for i in sel.mode:
            p = nodes[i].parent
            if p is not None and p in kept_children:
                kept_children[p] += 1
        leaves = [i for i, k in kept_children.items() if k == 0 and i not in must]
        if not leaves:
            sel.exceeded = True
            break
        drop = min(leaves, key=lambda i: scores[i])
        del sel.mode[drop]
        p = nodes[drop].parent
        while p is not None and sel.mode.get(p) == SHORT and not any(c in sel.mode for c in nodes[p].children):
            del sel.mode[p]
            p = nodes[p].parent
        text = render(nodes, sel.mode, **render_kw)
        tokens = count(text)
    return text, tokens
