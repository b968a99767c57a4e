"""AutoWebBench (axtree/) adapter: target-bid recall, the output being the returned AxTree text."""
from __future__ import annotations

import json

DATA_DIR = "axtree"
KIND = "axtree"
CAVEAT = ("ctxprune's line ranker (a random forest) is fit on all dev pages, so its dev recall here is in-sample; "
          "held-out estimates (site-grouped 5-fold CV, docs/axtree.md): 0.857 at r=0.3, 0.944 at r=0.5.")


def request(ex: dict, budget: dict | None) -> dict:
    return {"goal": ex["query"], "axtree": "\n".join(ex["context"]["axtree_lines"]), "budget": budget}


def render(ex: dict, response: dict) -> str:
    return response["axtree"]


def full(ex: dict) -> str:
    return "\n".join(ex["context"]["axtree_lines"])


def _recall_text(ex: dict, text: str) -> float:
    gold = ex["gold"]["target_bids"]
    return sum(f"[{b}]" in text for b in gold) / len(gold)


def recall(ex: dict, response: dict) -> float:
    return _recall_text(ex, render(ex, response))


def baseline_units(ex: dict) -> list[tuple[int, str]]:
    return list(enumerate(ex["context"]["axtree_lines"]))


def render_units(ex: dict, kept: set) -> str:
    return "\n".join(line for i, line in enumerate(ex["context"]["axtree_lines"]) if i in kept)


def recall_units(ex: dict, kept: set) -> float:
    return _recall_text(ex, render_units(ex, kept))


def query(ex: dict) -> str:
    return ex["query"]


def dev_half(path: str, half: str) -> list[dict]:
    """Dev steps 0-124 ("A", tuned on), 125-250 ("B", checked) or "all": contiguous, so a task's steps stay on one side."""
    rows = [json.loads(line) for line in open(path)]
    mid = len(rows) // 2
    return {"A": rows[:mid], "B": rows[mid:], "all": rows}[half]


def stacked_tree(rows: list[dict], start: int, n_lines: int) -> tuple[str, str]:
    """A large tree for latency benchmarks: dev pages from ``start`` on, each one level down under one root (bids
    made unique per page), until it has ``n_lines`` lines; and the goal of one of its pages."""
    lines, i = ["[root] RootWebArea 'Portal'"], start
    while len(lines) < n_lines:
        ex = rows[i % len(rows)]
        lines.append(f"\t[pg{i}] region 'Page {i}'")
        lines += ["\t\t" + ln.replace("[", f"[p{i}_", 1) if ln.lstrip().startswith("[") else "\t\t" + ln
                  for ln in ex["context"]["axtree_lines"]]
        i += 1
    return "\n".join(lines), rows[(start + 3) % len(rows)]["query"]
