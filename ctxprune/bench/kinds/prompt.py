"""LongBench long prompts (longprompt/) adapter: does a gold answer string survive in the returned context?

Only English extractive-QA records whose answer (4+ characters) occurs in the context are scored,
as the acceptance client does; the kept ratio counts the returned ``context`` only.
"""
from __future__ import annotations

import re

from ctxprune.textproc import normalize

DATA_DIR = "longprompt"
KIND = "prompt"
QA_TASKS = {"2wikimqa", "hotpotqa", "musique", "multifieldqa_en", "narrativeqa", "qasper", "triviaqa",
            "passage_retrieval_en"}
_SENT = re.compile(r"(?<=[.!?。！？])\s+|\n+")


def answers(ex: dict) -> list[str]:
    task = ex["meta"].get("task", "")
    if task not in QA_TASKS and not task.startswith("leval_"):
        return []
    ctx = normalize(ex["context"]["context"])
    return [a for a in ex["answers"] if len(normalize(a)) >= 4 and normalize(a) not in ("yes", "no") and normalize(a) in ctx]


def scored(ex: dict) -> bool:
    """The records the acceptance client scores: English, with an answer present in the context."""
    return ex["meta"].get("language") == "en" and bool(answers(ex))


def request(ex: dict, budget: dict | None) -> dict:
    c = ex["context"]
    return {"instruction": c["instruction_head"], "context": c["context"], "question": c["query_tail"], "budget": budget}


def render(ex: dict, response: dict) -> str:
    return response["context"]


def full(ex: dict) -> str:
    return ex["context"]["context"]


def _recall_text(ex: dict, text: str) -> float | None:
    ans = answers(ex)
    if not ans:
        return None
    t = normalize(text)
    return float(any(normalize(a) in t for a in ans))


def recall(ex: dict, response: dict) -> float | None:
    return _recall_text(ex, render(ex, response))


def baseline_units(ex: dict) -> list[tuple[int, str]]:
    pieces = [p for p in _SENT.split(ex["context"]["context"]) if p and p.strip()]
    return list(enumerate(pieces))


def render_units(ex: dict, kept: set) -> str:
    return " ".join(p for i, p in baseline_units(ex) if i in kept)


def recall_units(ex: dict, kept: set) -> float | None:
    return _recall_text(ex, render_units(ex, kept))


def query(ex: dict) -> str:
    return ex["query"]
