"""HotpotQA (rag/) adapter: supporting-sentence recall, rendered as ``title: text`` lines."""
from __future__ import annotations

from ctxprune.textproc import normalize

DATA_DIR = "rag"
KIND = "passages"


def request(ex: dict, budget: dict | None) -> dict:
    ps = [{"id": f"p{i}", "title": p["title"], "text": " ".join(s.strip() for s in p["sentences"])}
          for i, p in enumerate(ex["context"]["passages"])]
    return {"query": ex["query"], "passages": ps, "budget": budget}


def render(ex: dict, response: dict) -> str:
    return "\n".join(f"{p.get('title') or ''}: {p['text']}" for p in response["passages"])


def full(ex: dict) -> str:
    return "\n".join(f"{p['title']}: " + " ".join(s.strip() for s in p["sentences"]) for p in ex["context"]["passages"])


def _recall_text(ex: dict, text: str) -> float:
    t = normalize(text)
    sents = {(p["title"], i): s for p in ex["context"]["passages"] for i, s in enumerate(p["sentences"])}
    gold = ex["gold"]["supporting_facts"]
    return sum(normalize(sents[(title, i)]) in t for title, i in gold) / len(gold)


def recall(ex: dict, response: dict) -> float:
    return _recall_text(ex, render(ex, response))


def baseline_units(ex: dict) -> list[tuple[tuple[int, int], str]]:
    return [((pi, si), f"{p['title']}. {s.strip()}") for pi, p in enumerate(ex["context"]["passages"])
            for si, s in enumerate(p["sentences"])]


def render_units(ex: dict, kept: set) -> str:
    parts = []
    for pi, p in enumerate(ex["context"]["passages"]):
        ss = [s.strip() for si, s in enumerate(p["sentences"]) if (pi, si) in kept]
        if ss:
            parts.append(f"{p['title']}: " + " ".join(ss))
    return "\n".join(parts)


def recall_units(ex: dict, kept: set) -> float:
    return _recall_text(ex, render_units(ex, kept))


def query(ex: dict) -> str:
    return ex["query"]
