"""Table pruning after ATF (adaptive table filtering): question-aware column and row filtering, no LLM.

parse (columns+rows | records | CSV | Markdown) -> describe columns (type, examples) -> score
columns (BM25 of header+description, MiniLM of question vs description, question conditions
in the cells, answer-type prior, row key) and cluster them with k-means -> score rows (condition
matches, BM25, static embeddings for all rows and MiniLM for the best candidates) -> choose the
sub-table under the budget (or the adaptive minimal one) -> render. Kept cells are verbatim and
kept rows keep their order. Budgets count the ``header | ...`` rendering (see table_render).
"""
from __future__ import annotations

import dataclasses
import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ctxprune.contract import Stats, Unit
from ctxprune.gc_pause import gc_paused
from ctxprune.pruners.base import Pruner
from ctxprune.pruners import table_calibrate as cal
from ctxprune.pruners.table_calibrate import column_features, row_features
from ctxprune.pruners.table_columns import (ColumnInfo, ColumnWeights, column_doc, column_parts, column_scores,
                                            describe_all, kept_cluster,
                                            row_key_column)
from ctxprune.pruners.table_describe_llm import Described, LLMDescriber
from ctxprune.pruners.table_parse import Table, TableInput, TableOut, TableRequest, TableResult, cell_text, parse_table
from ctxprune.pruners.table_render import pipe_text, render
from ctxprune.pruners.table_rows import (QuestionShape, asked_items, blank_in_rows, condition_matrix, cue_words, edge_rows,
                                         extreme_rows, kinship, norm_text, question_shape, row_text, spread_neighbours,
                                         value_codes, whole_column_cue, without_operands)
from ctxprune.pruners.table_sparse import bm25_vectorised
from ctxprune.pruners.table_select import SubTable, fill_table, softmax_weights, top_up
from ctxprune.scoring import minmax
from ctxprune.select import adaptive_cut


@dataclass(frozen=True)
class TableWeights:
    """How row signals fuse and how scores become weights; tuned on the tables dev split (docs/table.md)."""

    cond: float = 0.5
    sparse: float = 0.25
    dense: float = 0.25
    dense_top: int = 16  # rows MiniLM re-scores (static embeddings score all rows)
    large: int = 2000  # above this many rows, BM25 runs vectorised (table_sparse)
    gc_pause_cells: int = 20_000  # above this many cells the cyclic GC is paused for the request
    exact_cells: int = 50_000  # above this many cells, token counts are estimated from per-column samples
    listed_rows: int = 1000  # dropped rows listed as units (the rest are counted in stats.extra)
    col_temp: float = 0.3
    cluster_boost: float = 1.5
    row_temp: float = 0.05
    flat_share: float = 0.6  # weight of the uniform part of q for whole-column questions
    calibrated: float = 0.3  # share of table_calibrate's (normalised) probabilities mixed into p and q
    extreme: float = 0.3  # superlatives: rows at the top / bottom of the question's numeric column
    cell_cap: float = 1.35  # a ratio budget keeps at most cell_cap x ratio of the input's cells (tokens mostly bind)
    edge: float = 0.3  # "first" / "last" questions: the first / last row of the table
    edge_count: bool = True  # ... the first / last k rows when the question counts them ("top two": edge_count)
    position: float = 0.1  # prior for earlier rows (tables put winners, firsts and totals' subjects on top)
    dense_floor: float = 0.2  # smallest cosine range the row embedding scores are scaled over (_spread)
    twins: bool = True  # a repeated column name is kept only with its first namesake (table_select.with_twins)
    kin_q: float = 1.5  # rows sharing (non-numeric) values with the best row: q + kin_q x median q x share of equal cells
    calibrated_p: float = -1.0  # share of the calibrated model in the column weights; < 0: the same as for rows (lam)
    tie_q: float = 0.5  # rows matching the question's conditions as well as the best row: q at least this share of the best's
    neighbour_q: float = 0.3  # before / after / next questions: a row's q is at least this share of its neighbours'
    top_up: int = 24  # exact counts spent adding left-out rows / columns into the budget's remainder (0: off)
    blank_p: float = 0.2  # p of a column whose cells in the best rows (by q) are all placeholders is scaled by this
    blank_rows: int = 2  # how many of the best rows blank_p looks at (1: only the best row)
    asks_rows: int = 2  # ... unless that leaves fewer rows than this (or than the narrower answer kept)
    asks_cols: int = 1  # a question asking for n >= 2 things (table_rows.asked_items) keeps >= n + asks_cols columns (< 0: off)


def _approx_cells(t: TableInput) -> int:
    """Cells of the input before parsing (text shapes: ~8 characters a cell)."""
    if t.columns is not None:
        return len(t.rows or []) * len(t.columns)
    if t.records is not None:
        return len(t.records) * (len(t.records[0]) if t.records else 0)
    return len(t.csv or t.markdown or "") // 8


def _spread(x: np.ndarray, floor: float) -> np.ndarray:
    """Min-max scaling whose range is at least ``floor``: cosines a hair apart stay close instead of 0 and 1."""
    x = np.asarray(x, dtype=float)
    if x.size == 0:
        return x
    return (x - x.min()) / max(float(x.max() - x.min()), floor, 1e-12)


def first_namesakes(names: list) -> np.ndarray:
    """For each column, the first column of the same (case / space / unicode-folded) name; unnamed ones are their own."""
    first: dict[str, int] = {}
    out = np.arange(len(names))
    for j, n in enumerate(names):
        if n is None or not str(n).strip():
            continue
        key = " ".join(unicodedata.normalize("NFKC", str(n)).lower().split())
        out[j] = first.setdefault(key, j)
    return out




@dataclass
class Scores:
    cols: list[ColumnInfo]
    col: np.ndarray
    cluster: np.ndarray
    key: int
    row: np.ndarray
    shape: QuestionShape
    col_x: np.ndarray | None = None  # calibrated-model features (table_calibrate)
    row_x: np.ndarray | None = None
    described: Described | None = None  # the LLM describer's outcome, when it is on (table_describe_llm)
    codes: np.ndarray | None = None  # (rows, columns) value codes (table_rows.value_codes), for kinship
    text: list[list[str]] | None = None  # the table's text cells (for blank_p)


def _cells_holding(table: Table, words: list[str]) -> set[str]:
    """The distinct cell texts that contain one of ``words`` (case-blind substrings), found by one regex pass over
    the joined distinct cells instead of a Python loop over every cell (10k x 20 distinct cells: ~100 -> ~35 ms)."""
    blob = "\x00".join(set(itertools.chain.from_iterable(table.text)))
    low = blob.lower()  # searched case-sensitively when lowering keeps every offset (re.I is ~4x slower)
    pattern = re.compile("|".join(re.escape(w.lower()) for w in words), 0 if len(low) == len(blob) else re.I)
    found = set()
    for m in pattern.finditer(low if len(low) == len(blob) else blob):
        end = blob.find("\x00", m.end())
        found.add(blob[blob.rfind("\x00", 0, m.start()) + 1: len(blob) if end < 0 else end])
    return found


class TablePruner(Pruner):
    kind = "table"
    method = "atf-columns-rows"
    request_model = TableRequest
    result_model = TableResult
    scorers = ("bm25", "static", "dense")
    weights = TableWeights()
    column_weights = ColumnWeights()

    @cached_property
    def describer(self) -> LLMDescriber | None:
        """The optional LLM column describer (None unless CTXPRUNE_TABLE_DESCRIBER_URL is set)."""
        return LLMDescriber.from_settings(self.settings, self.cache)

    def model_ids(self) -> list[str]:
        return super().model_ids() + ([self.describer.model_id] if self.describer else [])

    # ---------------------------------------------------------------- score
    def score(self, query: str, table: Table, scorer: str | None = None) -> Scores:
        cols = describe_all(table)
        described = self.describer.describe(table, cols) if self.describer else None
        cols = described.cols if described else cols
        key = row_key_column(cols)
        shape = question_shape(query)
        if shape.whole_column and table.n_rows:
            shape = self._cue_in_named_cell(query, table, shape)
        by_col = [[r[j] for r in table.text] for j in range(table.n_cols)]
        if scorer:  # one named scorer for columns and rows: the baselines
            s = self.hub.get(scorer)
            col = minmax(s.score(query, [c.description for c in cols]))
            row = minmax(s.score(query, self._row_texts(table)))
            return Scores(cols, col, kept_cluster(col), key, row, shape, described=described)
        kinds = [c.kind for c in cols]
        cond = condition_matrix(query, by_col, shape, kinds) if table.n_rows else np.zeros((0, table.n_cols))
        value_hits = cond.max(axis=0) if table.n_rows else np.zeros(table.n_cols)
        docs = [column_doc(c, by_col[c.index]) for c in cols]
        sparse = self.hub.get("bm25").score(query, docs)
        dense = self.hub.get("dense").score(query, [f"{table.title}. {c.description}" if table.title else c.description
                                                    for c in cols])
        col = column_scores(query, table.title, cols, sparse, dense, value_hits, key, self.column_weights)
        cluster = kept_cluster(col)
        parts = column_parts(query, cols, sparse, dense, value_hits, key)
        parts.update(fused=minmax(col), cluster=cluster.astype(float))
        col_x = column_features(query, cols, parts, shape)
        row, row_x = self._row_scores(query, table, cond, shape, (cols, col))
        codes = value_codes(table.text, table.n_cols, [c.kind in ("number", "money") for c in cols]) \
            if self.weights.kin_q else None
        return Scores(cols, col, cluster, key, row, shape, col_x, row_x, described, codes, table.text)

    @staticmethod
    def _cue_in_named_cell(query: str, table: Table, shape: QuestionShape) -> QuestionShape:
        """Not whole-column when every cue word stands inside a cell value the question names whole ("which
        shows did she play in as Erin Silver, Max Hardy and Joy Meachum": ``max`` is part of a name there; "what
        percentage of a majority" where a row is labelled ``Majority``): the cue names a row, not a ranking."""
        cues = cue_words(query)
        if not cues:
            return shape
        nq = norm_text(query)
        named = {n for n in map(norm_text, _cells_holding(table, cues)) if n in nq}
        if named and not whole_column_cue(query, tuple(named)):
            return dataclasses.replace(shape, whole_column=False)
        return shape

    @staticmethod
    def _row_texts(table: Table) -> list[str]:
        return [row_text(table.names, r) for r in table.text]

    @staticmethod
    def _target_values(table: Table, cols: tuple[list[ColumnInfo], np.ndarray] | None) -> list[str] | None:
        """Cells of the best-scored numeric / date / money column (what a superlative ranks by), if any."""
        if cols is None:
            return None
        infos, score = cols
        cand = [c.index for c in infos if c.kind in ("number", "money", "date")]
        if not cand:
            return None
        j = max(cand, key=lambda k: score[k])
        return [r[j] for r in table.text]

    def _row_scores(self, query: str, table: Table, cond: np.ndarray, shape: QuestionShape,
                    cols: tuple[list[ColumnInfo], np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Fused row scores and the calibrated row model's features."""
        w = self.weights
        if table.n_rows == 0:
            return np.zeros(0), row_features(query, *(np.zeros(0),) * 4, shape)
        texts = self._row_texts(table)
        c = np.minimum(cond.sum(axis=1), 2.0) / 2.0
        text_q = without_operands(query) if shape.comparisons else query
        sparse = minmax(self.hub.get("bm25").score(text_q, texts) if len(texts) <= w.large
                        else bm25_vectorised(text_q, texts))
        fast = _spread(self.hub.get("static").score(query, texts), w.dense_floor)
        pre = w.cond * c + w.sparse * sparse + w.dense * fast
        top = np.argsort(-pre)[: w.dense_top]
        dense = fast.copy()
        if len(top):
            d = self.hub.get("dense").score(query, [texts[i] for i in top])
            dense[top] = 0.5 * fast[top] + 0.5 * (_spread(d, w.dense_floor) if len(top) > 1 else np.ones(1))
        out = w.cond * c + w.sparse * sparse + w.dense * dense
        if shape.whole_column and (w.extreme or w.edge):
            out = out + w.extreme * extreme_rows(query, self._target_values(table, cols), table.n_rows)
            out = out + w.edge * edge_rows(query, table.n_rows, w.edge_count)
        if w.position and len(out) > 1:
            out = out + w.position * (1.0 - np.arange(len(out)) / (len(out) - 1))
        if shape.neighbours:
            out = spread_neighbours(out)
        return out, row_features(query, c, sparse, dense, minmax(out), shape)

    # ---------------------------------------------------------------- select
    def weights_pq(self, sc: Scores) -> tuple[np.ndarray, np.ndarray]:
        """Column weights p and row weights q; a mix of the softmax and the calibrated (logistic) ones."""
        w = self.weights
        p, q = self._softmax_pq(sc)
        lam = w.calibrated if cal.COLUMN_COEF and sc.col_x is not None and sc.row_x is not None else 0.0
        if lam > 0 and len(p) and len(q):
            pc = cal.logistic(sc.col_x, cal.COLUMN_COEF, cal.COLUMN_BIAS)
            qc = cal.logistic(sc.row_x, cal.ROW_COEF, cal.ROW_BIAS)
            lp = w.calibrated_p if w.calibrated_p >= 0 else lam
            p = (1 - lp) * p / p.sum() + lp * pc / pc.sum()
            q = (1 - lam) * q / q.sum() + lam * qc / qc.sum()
        if w.tie_q and sc.row_x is not None and len(q) > 1:
            best = sc.row_x[:, 1] > 0  # rows whose condition match equals the best one's (table_calibrate best_cond)
            if 1 < best.sum() < len(q):
                q = q.copy()
                q[best] = np.maximum(q[best], w.tie_q * float(q[best].max()))
        if w.neighbour_q and sc.shape.neighbours and len(q) > 1:
            q = spread_neighbours(q / q.sum(), w.neighbour_q)
        if w.kin_q and sc.codes is not None and len(q) > 2:
            top = int(np.argmax(q))
            q = q + w.kin_q * float(np.median(q)) * kinship(sc.codes, top)
        if w.blank_p != 1.0 and sc.text and len(p) > 1 and len(q):  # a column blank where the answer is cannot hold it
            p = p * np.where(blank_in_rows(sc.text, np.argsort(-q, kind="stable")[: w.blank_rows], len(p)),
                             w.blank_p, 1.0)
        return p, q

    def _softmax_pq(self, sc: Scores) -> tuple[np.ndarray, np.ndarray]:
        w = self.weights
        p = softmax_weights(sc.col, w.col_temp) * np.where(sc.cluster, w.cluster_boost, 1.0)
        q = softmax_weights(sc.row, w.row_temp)
        if sc.shape.whole_column and len(q):
            q = (1 - w.flat_share) * q + w.flat_share / len(q)
        return p, q

    def adaptive(self, sc: Scores, n_rows: int) -> SubTable:
        cols = sorted(set(np.flatnonzero(sc.cluster).tolist()) | {sc.key})
        if n_rows == 0:
            return SubTable(cols, [], 0.0)
        if sc.shape.whole_column:
            return SubTable(cols, list(range(n_rows)), 0.0)
        k = adaptive_cut(sc.row, mass=0.85, min_keep=min(2, n_rows), max_share=0.5)
        rows = np.argsort(-sc.row)[:k]
        return SubTable(cols, sorted(rows.tolist()), 0.0)

    def _cell_tokens(self, table: Table) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
        """Tokens of every cell as the budget counts it, once per distinct value.

        A cell is counted as it stands after a separator, ``" " + value`` (``a | 1998`` is ``a``,
        `` |``, `` ``, ``199``, ``8``: a number pays for its space); the second matrix is what the
        cell costs more there than at the start of a line (the first kept column), so a row of
        columns ``cols`` costs ``sum(cells[cols]) - lead[first] + len(cols)`` (separators, newline).
        Counting values alone undercounted tables of numbers by up to a quarter and overcounted
        others, which the exact recount then paid for in dropped rows. Header names likewise.
        Past ``exact_cells`` cells, each column's tokens-per-character is measured on a sample of
        its distinct values and the rest estimated from their length (lead 0); the last value says so.
        """
        out = np.zeros((table.n_rows, table.n_cols), dtype=np.int32)
        lead = np.zeros((table.n_rows, table.n_cols), dtype=np.int32)
        estimate = table.n_rows * table.n_cols > self.weights.exact_cells
        count = self.counter.count
        for j in range(table.n_cols):
            vals = [cell_text(r[j]) for r in table.rows]
            uniq = list(dict.fromkeys(vals))
            if estimate and len(uniq) > 300:
                sample = uniq[:: max(1, len(uniq) // 300)]
                per_char = sum(count(" " + v) for v in sample) / max(1, sum(len(v) + 1 for v in sample))
                cnt = {v: max(1, int(np.ceil((len(v) + 1) * per_char))) for v in uniq}  # ceil: err on the safe side
                out[:, j] = [cnt[v] for v in vals]
            else:
                cnt = {v: (count(" " + v), count(v)) for v in uniq}
                both = np.array([cnt[v] for v in vals], dtype=np.int32).reshape(-1, 2)
                out[:, j] = both[:, 0]
                lead[:, j] = both[:, 0] - both[:, 1]
        names = [str(c) for c in table.columns]
        head = np.array([count(" " + c) for c in names], dtype=np.int32)
        head_lead = head - np.array([count(c) for c in names], dtype=np.int32)
        return out, lead, head, head_lead, estimate

    def _count_table(self, cols: list, rows: list[list], estimate: tuple[np.ndarray, np.ndarray] | None) -> int:
        """Tokens of the ``header | ...`` rendering; from the cell counts when the table is too large to encode."""
        if estimate is None:
            return self.counter.count(pipe_text(cols, rows))
        cells, head = estimate  # counted after a separator: at most one token a line too many
        k = cells.shape[1]
        return int(head.sum() + (k - 1) + cells.sum() + cells.shape[0] * k)

    # ---------------------------------------------------------------- run
    def run(self, req: TableRequest) -> TableResult:
        with gc_paused(_approx_cells(req.table) >= self.weights.gc_pause_cells):
            return self._run(req)

    def _run(self, req: TableRequest) -> TableResult:
        table = parse_table(req.table)
        cells, lead, head, head_lead, estimated = self._cell_tokens(table)
        tokens_in = self._count_table(table.columns, table.rows, (cells, head) if estimated else None)
        limit = req.budget.limit(tokens_in) if req.budget else None
        sc = self.score(req.query, table, req.scorer)
        must_cols, must_rows = self._must_keep(table, req.keep)
        exceeded = False
        est = (cells, head) if estimated else None
        if limit is None:
            sub = self.adaptive(sc, table.n_rows)
            cols = sorted(set(sub.columns) | set(np.flatnonzero(must_cols).tolist()))
            rows = sorted(set(sub.rows) | set(np.flatnonzero(must_rows).tolist()))
            out_cols, out_rows, tokens_out = self._project(table, cols, rows, est)
        else:
            p, q = self.weights_pq(sc)
            share = self.weights.cell_cap * req.budget.ratio if req.budget.ratio else None
            max_cells = int(share * table.n_rows * table.n_cols) if share else None
            twins = first_namesakes(table.columns) if self.weights.twins else None
            sub = fill_table(p, q, cells, head, limit, must_cols, must_rows, max_cells=max_cells, lead=lead,
                             head_lead=head_lead, twins=twins)
            cols, rows, out_cols, out_rows, tokens_out, exceeded = self._finish(
                table, sc, sub, p, q, cells, head, limit, must_rows, max_cells, twins, est)
            floor = min(self._min_cols(req.query), table.n_cols)
            if len(cols) < floor:  # fewer columns than the question asks for things: the widest-enough prefix
                wide = fill_table(p, q, cells, head, limit, must_cols, must_rows, max_cells=max_cells, lead=lead,
                                  head_lead=head_lead, twins=twins, min_cols=floor)
                if len(wide.columns) >= floor and len(wide.rows) >= min(self.weights.asks_rows, len(rows)) \
                        and not wide.exceeded:
                    cols, rows, out_cols, out_rows, tokens_out, exceeded = self._finish(
                        table, sc, wide, p, q, cells, head, limit, must_rows, max_cells, twins, est)
        return self._result(req, table, sc, cols, rows, out_cols, out_rows, tokens_in, tokens_out, limit,
                            exceeded, must_cols, must_rows, estimated)

    def _min_cols(self, query: str) -> int:
        """The fewest columns a sub-table may keep: n + ``asks_cols`` for a question asking for n >= 2 things ("What
        year and in which film ...", "When and where ...": one column per asked item, plus the row key that names
        the rows), else 1."""
        n = asked_items(query) if self.weights.asks_cols >= 0 else 0
        return n + self.weights.asks_cols if n >= 2 else 1

    def _finish(self, table: Table, sc: Scores, sub: SubTable, p: np.ndarray, q: np.ndarray, cells: np.ndarray,
                head: np.ndarray, limit: int, must_rows: np.ndarray, max_cells: int | None, twins: np.ndarray | None,
                est: tuple[np.ndarray, np.ndarray] | None) -> tuple[list[int], list[int], list, list[list], int, bool]:
        """A chosen sub-table recounted exactly (the worst rows dropped while joins overrun ``limit``), then topped up."""
        exceeded = sub.exceeded
        cols, rows = sorted(sub.columns), sorted(sub.rows)
        out_cols, out_rows, tokens_out = self._project(table, cols, rows, est)
        while tokens_out > limit and rows:  # joins may cost a token more than estimated
            removable = sorted((i for i in rows if not must_rows[i]), key=lambda i: sc.row[i])
            if not removable or len(rows) == 1:
                exceeded = True
                break
            over, drop = tokens_out - limit, set()
            for i in removable:  # the worst rows whose cost covers the excess
                drop.add(i)
                over -= int(cells[i, cols].sum()) + len(cols)
                if over <= 0 or len(drop) == len(rows) - 1:
                    break
            rows = [i for i in rows if i not in drop]
            out_cols, out_rows, tokens_out = self._project(table, cols, rows, est)
        if self.weights.top_up and est is None and not exceeded:
            def count(cs: list[int], rs: list[int]) -> int:
                return self._project(table, cs, rs)[2]
            cols, rows, tokens_out = top_up(p, q, cols, rows, tokens_out, limit, count, cells, head, max_cells,
                                            tries=self.weights.top_up, twins=twins)
            out_cols, out_rows, _ = self._project(table, cols, rows)
        return cols, rows, out_cols, out_rows, tokens_out, exceeded

    def _project(self, table: Table, cols: list[int], rows: list[int],
                 est: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[list, list[list], int]:
        out_cols = [table.columns[j] for j in cols]
        out_rows = [[table.rows[i][j] for j in cols] for i in rows]
        if est is not None and len(rows) * len(cols) > self.weights.exact_cells:
            return out_cols, out_rows, self._count_table(out_cols, out_rows, (est[0][np.ix_(rows, cols)], est[1][cols]))
        return out_cols, out_rows, self.counter.count(pipe_text(out_cols, out_rows))

    @staticmethod
    def _must_keep(table: Table, keep: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Columns and rows holding a must-keep string (in a header or a cell) survive with it."""
        mc = np.zeros(table.n_cols, dtype=bool)
        mr = np.zeros(table.n_rows, dtype=bool)
        for k in keep:
            for j, name in enumerate(table.columns):
                if name is not None and k in str(name):
                    mc[j] = True
            for i, r in enumerate(table.text):
                for j, v in enumerate(r):
                    if k in v:
                        mc[j] = mr[i] = True
        return mc, mr

    def _result(self, req: TableRequest, table: Table, sc: Scores, cols: list[int], rows: list[int], out_cols: list,
                out_rows: list[list], tokens_in: int, tokens_out: int, limit: int | None, exceeded: bool,
                must_cols: np.ndarray, must_rows: np.ndarray, tokens_estimated: bool = False) -> TableResult:
        kc, kr = set(cols), set(rows)

        def col_unit(j: int, reason: str) -> Unit:
            c = sc.cols[j]
            return Unit(id=f"column:{j}", text=c.description, score=round(float(sc.col[j]), 4), reason=reason,
                        group="columns")

        def row_unit(i: int, reason: str) -> Unit:
            return Unit(id=f"row:{i}", text=" | ".join(cell_text(v) for v in table.rows[i]),
                        score=round(float(sc.row[i]), 4), reason=reason, group="rows")

        def col_reason(j: int) -> str:
            if must_cols[j]:
                return "must-keep"
            return "relevant column cluster" if sc.cluster[j] else ("row key" if j == sc.key else "budget allowed")

        def row_reason(i: int) -> str:
            if must_rows[i]:
                return "must-keep"
            return "whole column needed (superlative/count)" if sc.shape.whole_column else "matches the question"

        why = "below the adaptive cut" if limit is None else "did not fit the budget"
        kept = [col_unit(j, col_reason(j)) for j in cols] + [row_unit(i, row_reason(i)) for i in rows]
        dropped = [col_unit(j, "column " + why) for j in range(table.n_cols) if j not in kc]
        gone = [i for i in range(table.n_rows) if i not in kr]
        gone = sorted(gone, key=lambda i: -sc.row[i])
        dropped += [row_unit(i, why) for i in gone[: self.weights.listed_rows]]
        types = [sc.cols[j].kind for j in cols]
        stats = Stats(tokens_in=tokens_in, tokens_out=tokens_out, tokenizer=self.counter.name, budget_tokens=limit,
                      budget_exceeded=bool(exceeded or (limit is not None and tokens_out > limit)),
                      ratio=round(tokens_out / max(tokens_in, 1), 4), method=self.method,
                      scorer=req.scorer or "bm25+minilm columns, conditions+bm25+static/minilm rows",
                      extra={"cells_in": table.n_rows * table.n_cols, "cells_out": len(cols) * len(rows),
                             "whole_column": sc.shape.whole_column,
                             "column_descriptions": sc.described.note if sc.described else "generated",
                             "rendered_tokens": None, "tokens_estimated": bool(tokens_estimated),
                             "dropped_rows_not_listed": max(0, table.n_rows - len(rows) - self.weights.listed_rows)})
        text = render(req.format, out_cols, out_rows, table.title, types=types)
        stats.extra["rendered_tokens"] = self.counter.count(text) if len(text) < 400_000 else None
        result = TableResult(table=TableOut(title=table.title or None, columns=out_cols, rows=out_rows),
                             kept_columns=cols, kept_rows=rows, rendered=text, format=req.format,
                             kept=kept, dropped=dropped, stats=stats)
        result._cacheable = sc.described is None or sc.described.cacheable  # no cached fallback after an LLM failure
        return result
