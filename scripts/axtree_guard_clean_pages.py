"""Clean page-like text from the other kinds' dev sets, grouped into pages, for the guard's false-alarm checks.

A "page" is what one request would show the guard: a Wikipedia question's passages (rag), one chat session
(memory), one table (tables), 15 consecutive paragraphs of a long prompt's context (longprompt; the instruction
head and query tail, which address a model, are left out). ``part`` 0 is the first half of each file's records, 1 the
second half (memory: by conversation, so no conversation is in both); tables and longprompt, sorted by source
data set, alternate instead (part 0 = even records, 1 = odd), so both parts hold every domain. The guard trainers used rag / memory part 0 as
negatives (``axtree_guard_data.other_texts(0)``); nothing has used tables or longprompt.
"""
from __future__ import annotations

import json

ROOT = "../shared/evaldata"
PARAS_PER_PAGE = 15


def _half(recs: list, part: int) -> list:
    return recs[:len(recs) // 2] if part == 0 else recs[len(recs) // 2:]


def _alternate(recs: list, part: int) -> list:
    """Every other record: these files are sorted by source data set, so halves would split the domains."""
    return recs[part::2]


def _read(kind: str) -> list[dict]:
    return [json.loads(line) for line in open(f"{ROOT}/{kind}/dev.jsonl")]


def rag_pages(part: int) -> list[tuple[str, list[str]]]:
    out = []
    for r in _half(_read("rag"), part):
        ps = r["context"]["passages"]
        texts = [s.strip() for p in ps for s in p["sentences"]] + [p["title"] for p in ps]
        texts += ["".join(p["sentences"]).strip() for p in ps]  # the passage as one paragraph too
        out.append((f"rag:{r['id']}", texts))
    return out


def memory_pages(part: int) -> list[tuple[str, list[str]]]:
    seen, out = set(), []
    for r in _half(_read("memory"), part):
        conv = r["id"].rsplit("-q", 1)[0]
        for ses in r["context"]["sessions"]:
            key = (conv, ses["session_id"])
            if key not in seen:
                seen.add(key)
                out.append((f"memory:{conv}:{ses['session_id']}", [t[2].strip() for t in ses["turns"] if t[2]]))
    return out


def table_pages(part: int) -> list[tuple[str, list[str]]]:
    out = []
    for r in _alternate(_read("tables"), part):
        c = r["context"]
        texts = [" ".join(map(str, c["header"]))] + [" ".join(map(str, row)) for row in c["rows"]]
        out.append((f"tables:{r['id']}", ([c["title"]] if c.get("title") else []) + texts))
    return out


def longprompt_pages(part: int) -> list[tuple[str, list[str]]]:
    out = []
    for r in _alternate(_read("longprompt"), part):
        paras = [p.strip() for p in r["context"]["context"].split("\n") if p.strip()]
        for s in range(0, len(paras), PARAS_PER_PAGE):
            out.append((f"longprompt:{r['id']}:{s // PARAS_PER_PAGE}", paras[s:s + PARAS_PER_PAGE]))
    return out


SOURCES = {"rag": rag_pages, "memory": memory_pages, "tables": table_pages, "longprompt": longprompt_pages}


def clean_pages(part: int, sources=tuple(SOURCES)) -> dict[str, list[tuple[str, list[str]]]]:
    return {name: SOURCES[name](part) for name in sources}
