"""Rows after ATF: the question's conditions matched against cells, fused with sparse and dense row scores.

Conditions are the entities, phrases, numbers and dates the question names. Each distinct cell
value of each column is checked once (vectorised over unique values, so a 10k-row table costs
one pass per column): an exact whole-phrase match of the normalised cell in the question, a
partial match of its rarer words, and a numeric comparison ("after 2005", "more than 3").
Superlative, counting and ordering questions need whole columns, which ``question_shape`` flags.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

import numpy as np

from ctxprune.textproc import STOPWORDS, words

_PUNCT = re.compile(r"[^\w%$€£.]+|(?<!\d)\.|\.(?!\d)", re.UNICODE)
_NUMBER = re.compile(r"[-+−]?\d[\d,]*(?:\.\d+)?")
_WHOLE = re.compile(
    r"\b(most|least|highest|lowest|largest|smallest|biggest|greatest|fewest|longest|shortest|oldest|youngest|newest|"
    r"earliest|latest|first|last|top|bottom|best|worst|max(imum)?|min(imum)?|how many|number of|count|total|"
    r"average|mean|sum|majority|all|every|each|only|more|less|fewer|higher|lower|greater|larger|smaller|"
    r"longer|shorter|difference|compare[ds]?|rank(ed|ing)?)\b|\b\w+est\b", re.I)
_NEIGHBOUR = re.compile(r"\b(before|after|next|previous|preceding|following|above|below|prior|then|succeeded|"
                        r"preceded|followed)\b", re.I)
_CMP = re.compile(r"\b(more than|over|above|greater than|at least|after|since|later than|less than|under|below|"
                  r"fewer than|at most|before|earlier than|prior to)\s+(?:the\s+)?(?:year\s+)?([-+]?\d[\d,]*(?:\.\d+)?)",
                  re.I)
_N = r"([-+]?\d[\d,]*(?:\.\d+)?)"
_RANGE = re.compile(r"\b(?:between\s+(?:the\s+)?(?:years?\s+)?" + _N + r"\s*(?:and|to|-|–)\s+(?:the\s+)?(?:years?\s+)?" + _N +
                    r"|(?:from\s+(?:the\s+)?(?:years?\s+)?)?" + _N + r"\s+(?:to|until|till|through|thru)\s+(?:the\s+)?"
                    r"(?:years?\s+)?" + _N + r")\b", re.I)
_TEMPORAL = {"after", "since", "later than", "before", "earlier than", "prior to"}
_GT = {"more than", "over", "above", "greater than", "at least", "after", "since", "later than"}


def norm_text(s: str) -> str:
    """Case/unicode-folded, punctuation to spaces, single spaces, padded (for whole-phrase search)."""
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower().replace("−", "-")
    return " " + re.sub(r"\s+", " ", _PUNCT.sub(" ", s)).strip() + " "


def to_number(s: str) -> float | None:
    m = _NUMBER.search(s.replace("−", "-"))
    if not m or len(m.group(0).replace(",", "")) < len(re.sub(r"[^\d.]", "", s)) * 0.5:
        return None
    try:
        return float(m.group(0).replace(",", "").replace("−", "-"))
    except ValueError:
        return None


@dataclass
class QuestionShape:
    whole_column: bool  # superlative / counting / comparison: the answer needs the whole column
    neighbours: bool  # "before", "after", "next": rows next to a matched row matter
    numbers: list[float]
    comparisons: list[tuple[bool, float]]  # (greater?, value)
    temporal: bool = False  # the comparisons are about time ("after 2005", "before 1990"): date columns only
    names: tuple[str, ...] = ()  # multi-word proper names of the question, normalised ("steve zissis")
    ranges: list[tuple[float, float]] = field(default_factory=list)  # "from 2012 to 2015", "between 10 and 20"
    seasons: frozenset[tuple[int, int]] = frozenset()  # "2014-2015", "2013/14" as (2014, 2015), (2013, 2014)


# words that end in "-est" without being superlatives ("\w+est" in _WHOLE would read "a guest role" as one)
_NOT_SUPERLATIVE = frozenset("""guest west midwest northwest southwest contest interest request quest conquest inquest
bequest forest protest harvest test attest detest rest unrest arrest nest chest vest pest zest jest crest suggest
invest digest manifest honest dishonest modest tempest behest priest everest budapest bucharest brest ernest
forrest""".split())


def cue_words(query: str) -> list[str]:
    """The question's whole-column cue words (``_WHOLE``), lower-cased, without non-superlative "-est" words."""
    return [w for w in (m.group(0).lower() for m in _WHOLE.finditer(query)) if w not in _NOT_SUPERLATIVE]


def whole_column_cue(query: str, named: tuple[str, ...] = ()) -> bool:
    """A superlative / counting / comparison word in the question (``_WHOLE``), not counting "-est" words that
    are no superlatives (guest, west, contest, forest, ...) nor a cue inside a cell value the question
    names whole (``named``: normalised, padded; "as Max Hardy", a ``Majority`` row)."""
    return any(not any(f" {w} " in v for v in named) for w in cue_words(query))


def question_shape(query: str) -> QuestionShape:
    nums = [float(m.group(0).replace(",", "")) for m in _NUMBER.finditer(query.replace("−", "-"))
            if m.group(0).replace(",", "").lstrip("+-").replace(".", "", 1).isdigit()]
    found = list(_CMP.finditer(query))
    cmps = [(m.group(1).lower() in _GT, float(m.group(2).replace(",", ""))) for m in found]
    operands = {x for _, x in cmps}
    nums = [x for x in nums if x not in operands]  # "after 2005": 2005 itself is no answer row
    temporal = bool(found) and all(m.group(1).lower() in _TEMPORAL for m in found)
    return QuestionShape(whole_column_cue(query), bool(_NEIGHBOUR.search(query)), nums, cmps, temporal,
                         proper_names(query), question_ranges(query), seasons(query))


_SEASON = re.compile(r"(?<!\d)((?:1[89]|20)\d\d)\s*[-–—/]\s*(\d{4}|\d{2})(?!\d)")


def seasons(text: str) -> frozenset[tuple[int, int]]:
    """Sports seasons written in any of the usual forms ("2014-2015", "2014–15", "2014/15") as (start, end) years."""
    out = set()
    for m in _SEASON.finditer(text):
        a, b = int(m.group(1)), m.group(2)
        end = int(b) if len(b) == 4 else a - a % 100 + int(b) + (100 if int(b) < a % 100 else 0)
        if end == a + 1:
            out.add((a, end))
    return frozenset(out)


def question_ranges(query: str) -> list[tuple[float, float]]:
    """Closed intervals the question names: "from 2012 to 2015", "between 1970 and 1987", "10 to 20"."""
    out = []
    for m in _RANGE.finditer(query.replace("−", "-")):
        lo, hi = (float(g.replace(",", "")) for g in m.groups() if g is not None)
        if lo < hi:
            out.append((lo, hi))
    return out


_CAP_RUN = re.compile(r"(?:\b[A-Z][\w'.-]*(?:\s+|$)){2,}")


def proper_names(query: str) -> tuple[str, ...]:
    """Runs of two or more capitalised words ("Steve Zissis", "Milton Keynes Dons"), question words and
    other stop words at their start dropped ("Did Lou Costello" -> "lou costello")."""
    out = []
    for m in _CAP_RUN.finditer(query):
        ws = m.group(0).split()
        while ws and ws[0].lower() in STOPWORDS:
            ws = ws[1:]
        if len(ws) >= 2:
            out.append(norm_text(" ".join(ws)))
    return tuple(out)


def without_operands(query: str) -> str:
    """The question with comparison operands removed ("after 2020" -> "after"): for text scorers, which
    would otherwise favour rows holding the literal 2020. Range ends ("from 2012 to 2015") stay: removing
    them from the text scorers measured worse (docs/table.md)."""
    return _CMP.sub(lambda m: m.group(1), query)


def _is_trivial(v: str) -> bool:
    t = v.strip()
    return len(t) < 2 or t in STOPWORDS or t in ("", "-", "—", "n/a", "none", "null")


def _prefilter(qwords: set[str], digits: bool) -> re.Pattern | None:
    """A regex that any cell worth checking matches: it starts a question word (or holds a digit)."""
    alts = sorted((re.escape(w) for w in qwords if len(w) > 1), key=len, reverse=True)
    if digits:
        alts.append(r"\d")
    return re.compile(r"(?<!\w)(?:" + "|".join(alts) + ")", re.I) if alts else None


def match_column(qnorm: str, qwords: set[str], shape: QuestionShape, values: list[str]) -> np.ndarray:
    """Condition match of every cell of one column in [0, 1], computed once per distinct value.

    Only distinct values that share a word start with the question (or hold a digit when the
    question has numbers) are examined, so a 10k-row column costs one regex pass.
    """
    uniq: dict[str, int] = {}
    codes = np.fromiter((uniq.setdefault(v, len(uniq)) for v in values), dtype=np.int64, count=len(values))
    keys = list(uniq)
    score = np.zeros(len(keys))
    pat = _prefilter(qwords, bool(shape.numbers or shape.comparisons or shape.ranges))
    if pat is None or not keys:
        return score[codes] if keys else np.zeros(0)
    counts = np.bincount(codes, minlength=len(keys))
    wpat = _prefilter(qwords, False)
    cand = [u for u, k in enumerate(keys) if wpat is not None and wpat.search(k)]
    if shape.numbers or shape.comparisons or shape.ranges:  # values sharing no word with the question: numeric test only
        seen = set(cand)
        for u, k in enumerate(keys):
            if u not in seen and pat.search(k):
                score[u] = _match_number(k, shape)
    toks = {u: set(words(keys[u])) for u in cand}
    df: dict[str, int] = {}  # cells of this column holding a question word: a word in every cell is no condition
    for u in cand:
        for w in toks[u] & qwords:
            df[w] = df.get(w, 0) + int(counts[u])
    n = max(len(values), 1)
    for u in cand:
        score[u] = _match_value(keys[u], toks[u], qnorm, qwords, shape, df, n)
        if n >= 3 and counts[u] > COMMON_SHARE * n:  # "Won" in most rows of Result: a weak condition
            score[u] *= COMMON_FACTOR
    return score[codes]


def _match_number(k: str, shape: QuestionShape) -> float:
    try:
        num, plain = float(k.replace(",", "")), True
    except ValueError:
        num, plain = to_number(k), False
    if num is None:
        return 0.0
    if plain and any(abs(num - x) < 1e-9 for x in shape.numbers):
        return 0.9
    if _in_range(num, shape):
        return IN_RANGE if plain else 0.5 * IN_RANGE
    return 0.5 if any((num > x) if gt else (num < x) for gt, x in shape.comparisons) else 0.0


COMMON_SHARE, COMMON_FACTOR = 0.5, 0.5  # a value the question names that fills over half its column: half a match
SEASON_MATCH = 1.0  # a season cell ("2014–15") the question names in another form ("2014-2015")
IN_RANGE = 0.9  # a number inside a range the question names ("from 2012 to 2015"), as much as an equal one


def _in_range(num: float, shape: QuestionShape) -> bool:
    return any(lo <= num <= hi for lo, hi in shape.ranges)


_PART_OF_NAME = 0.5  # a cell that is only part of a name the question gives ("Steve" of "Steve Zissis")


def _match_value(k: str, t: set[str], qnorm: str, qwords: set[str], shape: QuestionShape,
                 df: dict[str, int], n: int) -> float:
    kn = norm_text(k)
    if _is_trivial(kn):
        return 0.0
    if shape.seasons and SEASON_MATCH and len(k) <= 12 and seasons(k) & shape.seasons:  # "2014–15" for "2014-2015"
        return SEASON_MATCH
    if len(kn) > 3 and kn in qnorm and not kn.strip().isdigit():
        if any(kn != nm and kn in nm for nm in shape.names):  # "Steve" of "Steve Zissis": part of a name
            return _PART_OF_NAME
        return 1.0
    num = to_number(k) if shape.numbers or shape.comparisons or shape.ranges else None
    if num is not None:
        plain = kn.strip().replace(" ", "").replace(".", "").isdigit()
        if any(abs(num - x) < 1e-9 for x in shape.numbers) and plain:
            return 0.9
        if _in_range(num, shape):
            return IN_RANGE if plain else 0.5 * IN_RANGE
        if any((num > x) if gt else (num < x) for gt, x in shape.comparisons):
            return 0.5
    hit = [w for w in t if w in qwords and df.get(w, n) < 0.5 * n + 1]
    if not hit:
        return 0.0
    return 0.7 * sum(1.0 / (1.0 + np.log1p(df[w])) for w in hit) / len(t) + 0.2 * (len(hit) == len(t))


def condition_matrix(query: str, columns_text: list[list[str]], shape: QuestionShape,
                     kinds: list[str] | None = None) -> np.ndarray:
    """(rows, columns) condition matches; columns_text[j] holds column j's cells.

    With column ``kinds`` (table_columns types), time comparisons ("after 2005") are tested on
    date columns only and magnitude ones ("more than 3") on number / money columns only, so a
    salary of $90,000 is not "after 2020".
    """
    qnorm = norm_text(query)
    operands = {x for _, x in shape.comparisons}
    qwords = {w for w in words(query) if not (w.isdigit() and float(w) in operands)}  # "after 2020" names no 2020 row
    if not columns_text:
        return np.zeros((0, 0))
    return np.stack([match_column(qnorm, qwords, _column_shape(shape, kinds[j] if kinds else None), col)
                     for j, col in enumerate(columns_text)], axis=1)


def _column_shape(shape: QuestionShape, kind: str | None) -> QuestionShape:
    if kind is None or not (shape.comparisons or shape.ranges):
        return shape
    out = shape
    if shape.comparisons and not (kind == "date" if shape.temporal else kind in ("number", "money", "date")):
        out = replace(out, comparisons=[])
    if shape.ranges:  # ranges of years on date columns, other ranges on numeric ones
        fit = [(lo, hi) for lo, hi in shape.ranges
               if (kind == "date" if 1000 <= lo and hi <= 2100 else kind in ("number", "money", "date"))]
        if len(fit) < len(shape.ranges):
            out = replace(out, ranges=fit)
    return out


def spread_neighbours(score: np.ndarray, factor: float = 0.8) -> np.ndarray:
    """Rows next to strongly matched rows inherit part of their score (for before/after/next questions)."""
    if len(score) < 2:
        return score
    prev = np.concatenate([[0.0], score[:-1]])
    nxt = np.concatenate([score[1:], [0.0]])
    return np.maximum(score, factor * np.maximum(prev, nxt))


def row_text(names: list[str], cells: list[str], title: str = "") -> str:
    body = "; ".join(f"{n}: {c}" for n, c in zip(names, cells) if c)
    return f"{title}. {body}" if title else body


_MAX_WORDS = re.compile(r"\b(most|highest|largest|biggest|greatest|longest|maximum|max|tallest|heaviest|latest|newest|"
                        r"best|top)\b", re.I)
_MIN_WORDS = re.compile(r"\b(least|lowest|smallest|fewest|shortest|minimum|min|earliest|oldest|worst)\b", re.I)
_FIRST = re.compile(r"\b(first|top|earliest|opening|initial)\b", re.I)
_LAST = re.compile(r"\b(last|bottom|final|latest|most recent)\b", re.I)


def extreme_rows(query: str, values: list[str] | None, n: int) -> np.ndarray:
    """Rows a superlative points at, in [0, 1]: the top / bottom of ``values`` (the question's numeric column)
    for "most" / "least" words.

    ``values`` (n cells, or None when the table has no numeric column: all zeros).
    """
    hi, lo = bool(_MAX_WORDS.search(query)), bool(_MIN_WORDS.search(query))
    out = np.zeros(n)
    if values is not None and (hi or lo):
        nums = np.array([np.nan if (x := to_number(v)) is None else x for v in values], dtype=float)
        ok = ~np.isnan(nums)
        if ok.sum() >= 2:
            rank = np.zeros(n)
            order = np.argsort(np.where(ok, nums, np.inf if lo and not hi else -np.inf))
            rank[order] = np.arange(n) / max(n - 1, 1)  # 0 = smallest
            if hi:
                out = np.maximum(out, np.where(ok, rank, 0.0) ** 4)
            if lo:
                out = np.maximum(out, np.where(ok, 1.0 - rank, 0.0) ** 4)
    return out


_COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "2": 2, "3": 3, "4": 4, "5": 5}
_EDGE_COUNT = re.compile(r"\b(?:(first|top|last|bottom)\s+(two|three|four|five|[2-5])(?!\w)"
                         r"|(first)\s*(?:,\s*second\s*,?\s*and\s+third|and\s+second)\b)", re.I)
_LAST_WORDS = {"last", "bottom"}


def edge_count(query: str) -> tuple[int, int]:
    """How many rows a counted edge question names at the top and at the bottom: "top two", "first three",
    "first and second" (2), "first, second and third" (3), "last two", "bottom 3"; (0, 0) when none (up to 5)."""
    top = bottom = 0
    for m in _EDGE_COUNT.finditer(query):
        if m.group(3):
            k, last = (3 if "third" in m.group(0).lower() else 2), False
        else:
            k, last = _COUNTS[m.group(2).lower()], m.group(1).lower() in _LAST_WORDS
        if last:
            bottom = max(bottom, k)
        else:
            top = max(top, k)
    return top, bottom


def edge_rows(query: str, n: int, counted: bool = True) -> np.ndarray:
    """1 on the first row for "first/top" questions, on the last row for "last/bottom" ones (table order); on the
    first / last k rows when the question counts them ("top two", "first and second", "last three": edge_count)."""
    out = np.zeros(n)
    if n >= 2:
        top, bottom = edge_count(query) if counted else (0, 0)
        if _FIRST.search(query):
            out[: max(1, min(top, n - 1))] = 1.0
        if _LAST.search(query):
            out[n - max(1, min(bottom, n - 1)):] = 1.0
    return out


_PLACEHOLDER = {"", "-", "—", "–", "n/a", "na", "none", "tbd", "tba", "?", "unknown", "null", "nan"}


def value_codes(text_rows: list[list[str]], n_cols: int, skip: list[bool] | None = None) -> np.ndarray:
    """(rows, columns) integer code of each cell's normalised value per column; placeholders and the columns
    ``skip`` marks (numbers: two rows with 0 goals share nothing that matters) are -1."""
    out = np.full((len(text_rows), n_cols), -1, dtype=np.int64)
    for j in range(n_cols):
        if skip is not None and skip[j]:
            continue
        seen: dict[str, int] = {}
        for i, r in enumerate(text_rows):
            v = " ".join(r[j].lower().split())
            if v not in _PLACEHOLDER:
                out[i, j] = seen.setdefault(v, len(seen))
    return out


def kinship(codes: np.ndarray, top: int) -> np.ndarray:
    """Per row, the share of columns whose value equals row ``top``'s (placeholders never count)."""
    if codes.size == 0:
        return np.zeros(codes.shape[0])
    ref = codes[top]
    return ((codes == ref) & (ref >= 0)).mean(axis=1)


def blank_in_rows(text_rows: list[list[str]], rows, n_cols: int) -> np.ndarray:
    """Per column, whether its cells in ``rows`` are all placeholders (empty, ``-``, ``n/a``, ...).

    A column blank where the question's best rows are cannot hold their answer; when every column
    is blank there, none is marked."""
    out = np.array([all(" ".join(text_rows[i][j].lower().split()) in _PLACEHOLDER for i in rows)
                    for j in range(n_cols)], dtype=bool)
    return out if len(rows) and not out.all() else np.zeros(n_cols, dtype=bool)


# an interrogative that opens a question or a coordinated / prepositional ask ("What year and in which film",
# "When and where", "how many goals ... and how many appearances"); a relative "who" / "which" / "when" after
# a noun ("the player who scored", "the year when") is no ask
_ASK = re.compile(r"(?:^|\band\s+|,\s*|\b(?:in|at|for|of|by|on|with|from|to|during|against|under|as)\s+)"
                  r"(what|which|who|whom|whose|when|where|why|how)\b", re.I)


def asked_items(query: str) -> int:
    """How many things the question asks for: interrogatives at its start or after "and", a comma or a preposition."""
    return len(_ASK.findall(query.strip()))
