"""Columns after ATF: typed descriptions, sparse + dense relevance fused, k-means clustering of the scores.

A column is described from its header, its inferred type (number, date, money, category, free
text, identifier) and a few example values. Its relevance to the question fuses BM25 of
``header + description`` (sparse), the cosine of question and description embeddings (dense),
the question's conditions found among its cells (from the row module) and an answer-type prior
("when" -> dates, "how many" -> numbers, "who" -> names). The fused scores are clustered with
k-means (k chosen by silhouette); every cluster whose centre clears an adaptive threshold is kept.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ctxprune.pruners.table_parse import Table
from ctxprune.scoring import minmax
from ctxprune.textproc import words

_NUM = re.compile(r"^[-+−]?[$€£¥]?\s*\d[\d,]*(\.\d+)?\s*(%|[a-z]{0,3})?$", re.I)
_MONEY = re.compile(r"[$€£¥]|\b(usd|eur|gbp|dollars?|euros?|million|billion)\b", re.I)
_DATE = re.compile(r"^(1[0-9]{3}|20[0-9]{2})([-–/ ].*)?$|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d"
                   r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|^(1[0-9]{3}|20[0-9]{2})[-–](1[0-9]{3}|20[0-9]{2}|[0-9]{2})$", re.I)
_DATE_HEAD = re.compile(r"\b(year|date|season|born|died|founded|established|opened|time|period|era)\b", re.I)


@dataclass
class ColumnInfo:
    index: int
    name: str
    kind: str  # number | date | money | category | free text | identifier | empty
    description: str
    unique_share: float


def infer_type(name: str, values: list[str]) -> tuple[str, float]:
    vals = [v.strip() for v in values if v and v.strip()]
    if not vals:
        return "empty", 0.0
    n = len(vals)
    uniq = len(set(vals)) / n
    date = sum(bool(_DATE.search(v)) for v in vals) / n
    num = sum(bool(_NUM.match(v)) for v in vals) / n
    money = sum(bool(_MONEY.search(v)) for v in vals) / n
    avg_len = sum(len(v) for v in vals) / n
    if money >= 0.5 and num + money >= 0.8:
        return "money", uniq
    if date >= 0.6 or (_DATE_HEAD.search(name) and date >= 0.3):
        return "date", uniq
    if num >= 0.7:
        return "number", uniq
    if avg_len > 40:
        return "free text", uniq
    if uniq >= 0.9 and n >= 3:
        return "identifier", uniq
    return "category", uniq


def describe(table: Table, j: int, max_examples: int = 3, sample: int = 1000) -> ColumnInfo:
    values = [r[j] for r in table.text[:sample]]  # the type shows in the first thousand cells
    kind, uniq = infer_type(table.names[j], values)
    seen, examples = set(), []
    for v in values:
        v = v.strip()
        if v and v not in seen:
            seen.add(v)
            examples.append(v[:60])
        if len(examples) == max_examples:
            break
    desc = f"{table.names[j]}: {kind}" + (f", e.g. {', '.join(examples)}" if examples else "")
    return ColumnInfo(j, table.names[j], kind, desc, uniq)


def describe_all(table: Table) -> list[ColumnInfo]:
    return [describe(table, j) for j in range(table.n_cols)]


def row_key_column(cols: list[ColumnInfo]) -> int:
    """The column that names a row: the first identifier-like text column, else the first column."""
    for c in cols:
        if c.kind in ("identifier",):
            return c.index
    for c in cols:
        if c.kind in ("category", "free text") and c.unique_share >= 0.6:
            return c.index
    return 0


_ANSWER_TYPE = [
    (re.compile(r"\b(when|what year|which year|what date|how long ago|what season)\b", re.I), ("date",)),
    (re.compile(r"\b(how many|how much|what number|total|average|difference|percentage|score)\b", re.I),
     ("number", "money")),
    (re.compile(r"\b(who|whom|whose|which (player|team|person|driver|athlete|country|club|film|song))\b", re.I),
     ("identifier", "category")),
]


def answer_type_prior(query: str, cols: list[ColumnInfo]) -> np.ndarray:
    kinds: tuple[str, ...] = ()
    for pat, ks in _ANSWER_TYPE:
        if pat.search(query):
            kinds += ks
    return np.array([1.0 if c.kind in kinds else 0.0 for c in cols])


_WH_TARGET = re.compile(
    r"\b(?:which|what|whose|name\s+(?:the|a|an|one|two|three|all|each|every)|list\s+(?:the|all))\s+"
    r"(?:(?:is|was|were|are|did|does|do|has|had)\s+)?(?:the\s+|a\s+|an\s+)?((?:[\w'/.-]+\s*){1,3})", re.I)
_TARGET_STOP = re.compile(r"^(of|in|on|at|for|from|with|by|to|did|does|do|was|were|is|are|has|had|have|that|who|"
                          r"which|when|after|before|than|and|or|as|got|had|came|won|made|played)$", re.I)
_WORK_WORDS = set(words("film movie movies show series song single album book novel track work programme program"))
_TITLE_WORDS = set(words("title"))
_WH_PLACE = re.compile(r"\bwhere\b", re.I)
_PLACE_WORDS = {"venue", "location", "place", "city", "site", "country", "stadium", "ground", "town", "state"}
_WH_PERSON = re.compile(r"\bwho(?:m|se)?\b", re.I)
_PERSON_WORDS = {"name", "player", "driver", "rider", "athlete", "artist", "candidate", "winner", "coach", "manager",
                 "director", "incumbent", "member", "character", "actor", "singer", "writer", "author", "person",
                 "representative", "nominee", "recipient", "performer", "swimmer", "runner", "cyclist", "skater",
                 "wrestler", "boxer", "pilot", "owner", "leader", "president", "captain", "composer", "producer"}


def answer_target(query: str, cols: list[ColumnInfo]) -> np.ndarray:
    """1 for a column whose header names what the question asks for: the words after "which" / "what" /
    "name the" ("which school has the lowest ratio" -> School Name; "in what year" -> Year), or a
    place column for "where". Tells the answer column from the condition columns the question also
    names ("lowest student/teacher ratio"), which header_match and BM25 cannot. A work asked for ("what
    films", "which song") also targets a ``Title`` column (on dev: gold in all 20 questions where it fired).
    """
    target: set[str] = set()
    for m in _WH_TARGET.finditer(query):
        for t in m.group(1).split():
            if _TARGET_STOP.match(t):
                break
            target.update(words(t))
    if target & _WORK_WORDS:  # "which films", "what song": a title names a work
        target |= _TITLE_WORDS
    if _WH_PLACE.search(query):
        target |= _PLACE_WORDS
    if _WH_PERSON.search(query):
        target |= _PERSON_WORDS
    out = np.zeros(len(cols))
    if target:
        for c in cols:
            h = set(words(c.name))
            out[c.index] = 1.0 if h & target else 0.0
    return out


def header_match(query: str, cols: list[ColumnInfo]) -> np.ndarray:
    """Share of a header's content words that occur in the question."""
    q = set(words(query))
    out = []
    for c in cols:
        h = words(c.name)
        out.append(sum(t in q for t in h) / len(h) if h else 0.0)
    return np.array(out)


@dataclass(frozen=True)
class ColumnWeights:
    sparse: float = 0.25  # BM25 of header + description
    dense: float = 0.3  # question vs description embedding
    header: float = 0.25  # header words named in the question
    values: float = 0.25  # question conditions matched in the column's cells
    answer_type: float = 0.15
    key: float = 0.15  # the row-identifier column
    target: float = 0.6  # the header names what the question asks for (answer_target)


def column_parts(query: str, cols: list[ColumnInfo], sparse: np.ndarray, dense: np.ndarray,
                 value_hits: np.ndarray, key: int) -> dict[str, np.ndarray]:
    """Each column signal in [0, 1]: the inputs of the fused score and of the calibrated model."""
    n = len(cols)
    key_v = np.zeros(n)
    if n:
        key_v[key] = 1.0
    return {"sparse": minmax(sparse), "dense": minmax(dense), "header": header_match(query, cols),
            "values": np.clip(value_hits, 0, 1), "answer_type": answer_type_prior(query, cols), "key": key_v,
            "target": answer_target(query, cols)}


def column_scores(query: str, title: str, cols: list[ColumnInfo], sparse: np.ndarray, dense: np.ndarray,
                  value_hits: np.ndarray, key: int, w: ColumnWeights = ColumnWeights()) -> np.ndarray:
    """Fused relevance per column; sparse and dense are raw scorer outputs, value_hits in [0, 1]."""
    x = column_parts(query, cols, sparse, dense, value_hits, key)
    fused = (w.sparse * x["sparse"] + w.dense * x["dense"] + w.header * x["header"] + w.values * x["values"]
             + w.answer_type * x["answer_type"] + w.key * x["key"] + w.target * x["target"])
    empty = np.array([c.kind == "empty" for c in cols])
    fused[empty] *= 0.2
    return fused


def kept_cluster(scores: np.ndarray, seed: int = 0) -> np.ndarray:
    """ATF's adaptive column choice: k-means on the scores, keep clusters whose centre clears the threshold.

    k in {2, 3} is picked by silhouette; the threshold is the mean of the scores pulled towards the
    best one, so a lone standout column is kept alone and a flat profile keeps more.
    """
    n = len(scores)
    if n <= 2:
        return np.ones(n, dtype=bool)
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    x = np.asarray(scores, dtype=float).reshape(-1, 1)
    if float(x.max() - x.min()) < 1e-9:
        return np.ones(n, dtype=bool)
    best, best_s = None, -2.0
    for k in (2, 3):
        if k >= n:
            break
        km = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(x)
        if len(set(km.labels_)) < 2:
            continue
        s = silhouette_score(x, km.labels_)
        if s > best_s:
            best, best_s = km, s
    if best is None:
        return np.ones(n, dtype=bool)
    centres = best.cluster_centers_.ravel()
    thr = 0.5 * (float(x.mean()) + float(x.max())) - 0.5 * float(x.std())
    keep_c = {c for c, v in enumerate(centres) if v >= thr} or {int(np.argmax(centres))}
    return np.array([lab in keep_c for lab in best.labels_])


def column_doc(c: ColumnInfo, values: list[str], max_values: int = 200) -> str:
    """Text BM25 reads for a column: header, description and (distinct) values."""
    common = [v for v, _ in Counter(v for v in values if v).most_common(max_values)]
    return f"{c.name} {c.name} {c.description} " + " ".join(common)
