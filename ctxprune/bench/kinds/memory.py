"""LoCoMo (memory/) adapter: evidence-turn recall, rendered as ``[time]`` + ``speaker: text`` lines."""
from __future__ import annotations

from ctxprune.textproc import normalize

DATA_DIR = "memory"
KIND = "memory"


def request(ex: dict, budget: dict | None) -> dict:
    ss = [{"id": s["session_id"] if isinstance(s["session_id"], str) else str(s["session_id"]),
           "time": s["date_time"],
           "turns": [{"id": t[0], "speaker": t[1], "text": t[2]} for t in s["turns"]]}
          for s in ex["context"]["sessions"]]
    return {"query": ex["query"], "sessions": ss, "budget": budget}


def render(ex: dict, response: dict) -> str:
    parts = []
    for s in response["sessions"]:
        parts.append(f"[{s.get('time')}]\n" + "\n".join(f"{t.get('speaker')}: {t['text']}" for t in s["turns"]))
    return "\n\n".join(parts)


def _turns(ex: dict):
    for s in ex["context"]["sessions"]:
        for t in s["turns"]:
            yield s, t


def full(ex: dict) -> str:
    return render_units(ex, {t[0] for _, t in _turns(ex)})


def _recall_text(ex: dict, text: str) -> float | None:
    out = normalize(text)
    texts = {t[0]: t[2] for _, t in _turns(ex)}
    gold = [g for g in ex["gold"]["evidence_dia_ids"] if g in texts]
    if not gold:
        return None
    return sum(normalize(texts[g]) in out for g in gold) / len(gold)


def recall(ex: dict, response: dict) -> float | None:
    return _recall_text(ex, render(ex, response))


def baseline_units(ex: dict) -> list[tuple[str, str]]:
    return [(t[0], f"{t[1]}: {t[2]}") for _, t in _turns(ex)]


def render_units(ex: dict, kept: set) -> str:
    parts = []
    for s in ex["context"]["sessions"]:
        ts = [f"{t[1]}: {t[2]}" for t in s["turns"] if t[0] in kept]
        if ts:
            parts.append(f"[{s['date_time']}]\n" + "\n".join(ts))
    return "\n\n".join(parts)


def recall_units(ex: dict, kept: set) -> float | None:
    return _recall_text(ex, render_units(ex, kept))


def query(ex: dict) -> str:
    return ex["query"]
