"""Table pruner: parsing, scoring pieces, selection and rendering on small hand-made tables."""
from __future__ import annotations

import json

import numpy as np
import pytest

from ctxprune.errors import InvalidRequest
from ctxprune.pruners import table_calibrate as cal
from ctxprune.pruners import table_columns as tc
from ctxprune.pruners.table_parse import TableInput, TableRequest, parse_table
from ctxprune.pruners.table_render import json_text, markdown, pipe_text, render
from ctxprune.pruners.table_rows import (condition_matrix, edge_rows, extreme_rows, question_shape, spread_neighbours,
                                        to_number, without_operands)
from ctxprune.pruners.table_select import fill_table, softmax_weights

COLS = ["Year", "Title", "Role", "Notes"]
ROWS = [["2014", "Kingsman: The Secret Service", "Roxanne Morton", ""],
        ["2015", "Unity", "Narrator", "Documentary"],
        ["2016", "The Huntsman: Winter's War", "Pippa", ""],
        ["2017", "Kingsman: The Golden Circle", "Roxanne Morton", "Cameo"],
        ["2019", "Red Joan", "Young Joan", ""]]


# ---------------------------------------------------------------- parsing
def test_columns_rows_records_csv_markdown_parse_to_the_same_table():
    shapes = [
        {"columns": COLS, "rows": ROWS},
        {"records": [dict(zip(COLS, r)) for r in ROWS]},
        {"csv": "\n".join(",".join(f'"{c}"' for c in r) for r in [COLS, *ROWS])},
        {"markdown": markdown(COLS, ROWS)},
    ]
    for s in shapes:
        t = parse_table(TableInput.model_validate(s))
        assert [str(c) for c in t.columns] == COLS, s
        assert [[("" if v is None else v) for v in r] for r in t.rows] == ROWS, s


def test_markdown_with_escaped_pipes_and_no_outer_bars():
    t = parse_table(TableInput(markdown="a | b\n--|--\nx \\| y | 2\n"))
    assert t.columns == ["a", "b"] and t.rows == [["x | y", "2"]]


def test_ragged_short_rows_are_padded_and_long_rows_rejected():
    t = parse_table(TableInput(columns=["a", "b", "c"], rows=[[1], [1, 2, 3]]))
    assert t.rows[0] == [1, None, None]
    with pytest.raises(ValueError, match="rows\\[0\\] has 3 cells"):
        TableInput(columns=["a", "b"], rows=[[1, 2, 3]])
    with pytest.raises(InvalidRequest) as e:
        parse_table(TableInput(csv="a,b\n1,2,3\n"))
    assert e.value.field == "table.csv"


def test_empty_and_duplicate_column_names_and_non_string_cells():
    t = parse_table(TableInput(columns=["", "x", "x", None], rows=[[1, 2.5, True, None]]))
    assert t.names == ["column 1", "x", "x", "column 4"]
    assert t.columns == ["", "x", "x", None]
    assert t.rows == [[1, 2.5, True, None]] and t.text == [["1", "2.5", "True", ""]]


def test_exactly_one_shape_and_size_limits():
    with pytest.raises(ValueError, match="exactly one"):
        TableInput(columns=["a"], rows=[["1"]], csv="a\n1")
    with pytest.raises(ValueError, match="needs 'columns'"):
        TableInput(rows=[["1"]])
    with pytest.raises(ValueError, match="over the limit"):
        TableInput(columns=[str(i) for i in range(400)], rows=[["x"]] * 3000)


def test_text_tables_over_the_size_limit_name_their_field():
    with pytest.raises(InvalidRequest) as e:
        parse_table(TableInput(csv="a\n" + "1\n" * 50_001))
    assert e.value.field == "table.csv"
    with pytest.raises(InvalidRequest) as e:
        parse_table(TableInput(markdown="|" + "|".join(f"c{i}" for i in range(501)) + "|\n|1|"))
    assert e.value.field == "table.markdown"


# ---------------------------------------------------------------- columns
def test_type_inference():
    assert tc.infer_type("Year", ["2001", "2002", "2010"])[0] == "date"
    assert tc.infer_type("Points", ["12", "7", "1,200"])[0] == "number"
    assert tc.infer_type("Budget", ["$12 million", "$7 million"])[0] == "money"
    assert tc.infer_type("Party", ["Labour", "Tory", "Labour", "Labour"])[0] == "category"
    assert tc.infer_type("Name", ["Ann Lee", "Bo Chan", "Cy Dunn"])[0] == "identifier"
    assert tc.infer_type("Notes", ["a very long free text sentence that describes something at length"])[0] == "free text"
    assert tc.infer_type("X", ["", " "])[0] == "empty"


def test_description_names_header_type_and_examples():
    t = parse_table(TableInput(columns=COLS, rows=ROWS))
    d = tc.describe(t, 0)
    assert d.description.startswith("Year: date, e.g. 2014, 2015, 2016")


def test_kept_cluster_keeps_the_standout_columns():
    keep = tc.kept_cluster(np.array([0.9, 0.85, 0.1, 0.12, 0.08, 0.11]))
    assert keep.tolist() == [True, True, False, False, False, False]
    assert tc.kept_cluster(np.array([0.5, 0.5, 0.5])).all()


def test_header_match_and_answer_type_prior():
    cols = tc.describe_all(parse_table(TableInput(columns=COLS, rows=ROWS)))
    assert tc.header_match("which role did she play", cols).tolist() == [0, 0, 1, 0]
    assert tc.answer_type_prior("In what year did she play Pippa?", cols)[0] == 1.0


def test_answer_target_names_the_asked_column_not_the_condition_column():
    cols = tc.describe_all(parse_table(TableInput(
        columns=["School Name", "FTE Teachers", "Student/teacher ratio", "Venue"], rows=[["A", "3", "10", "x"]] * 3)))
    assert tc.answer_target("which school has the lowest student/teacher ratio?", cols).tolist() == [1, 0, 0, 0]
    assert tc.answer_target("where did they play?", cols).tolist() == [0, 0, 0, 1]
    assert tc.answer_target("who won?", cols).tolist() == [1, 0, 0, 0]  # "who": a name-like header
    years = tc.describe_all(parse_table(TableInput(columns=COLS, rows=ROWS)))
    assert not tc.answer_target("who played Pippa?", years).any()  # no person header: the answer-type prior's job
    assert tc.answer_target("in what years did she play Roxanne Morton?", years).tolist() == [1, 0, 0, 0]


def test_calibrated_column_model_prefers_the_named_and_key_columns():
    t = parse_table(TableInput(columns=COLS, rows=ROWS))
    cols = tc.describe_all(t)
    q = "Which role did she play in Red Joan?"
    fused = np.array([0.1, 0.6, 0.9, 0.0])
    parts = tc.column_parts(q, cols, np.array([0.1, 0.5, 1.0, 0.0]), np.array([0.2, 0.4, 0.9, 0.1]),
                            np.array([0.0, 1.0, 0.0, 0.0]), key=1)
    parts.update(fused=fused, cluster=np.array([0.0, 1.0, 1.0, 0.0]))
    x = cal.column_features(q, cols, parts, question_shape(q))
    assert x.shape == (4, len(cal.COLUMN_FEATURES))
    p = cal.logistic(x, cal.COLUMN_COEF, cal.COLUMN_BIAS)
    assert ((p > 0) & (p < 1)).all()
    assert p[2] > p[0] and p[2] > p[3] and p[1] > p[3]  # Role (named) and Title (key) over Year and Notes


def test_calibrated_row_model_prefers_condition_matches():
    cond = np.array([0.0, 1.0, 0.0, 0.5])
    x = cal.row_features("Which role did she play in Red Joan?", cond, np.array([0.1, 0.9, 0.2, 0.5]),
                         np.array([0.3, 0.8, 0.2, 0.4]), np.array([0.1, 1.0, 0.0, 0.5]), question_shape("x"))
    assert x.shape == (4, len(cal.ROW_FEATURES))
    q = cal.logistic(x, cal.ROW_COEF, cal.ROW_BIAS)
    assert q.argmax() == 1 and q[3] > q[2]
    assert cal.logistic(np.zeros((0, len(cal.ROW_FEATURES))), cal.ROW_COEF, cal.ROW_BIAS).shape == (0,)


def test_gc_is_paused_only_for_large_tables_and_restored():
    import gc

    from ctxprune.gc_pause import gc_paused as _gc_paused
    from ctxprune.pruners.table import _approx_cells

    assert gc.isenabled()
    with _gc_paused(True):
        assert not gc.isenabled()
    assert gc.isenabled()
    with _gc_paused(False):
        assert gc.isenabled()
    with pytest.raises(RuntimeError), _gc_paused(True):
        raise RuntimeError("boom")
    assert gc.isenabled()
    # overlapping large requests (two threads): the collector stays off until the last one ends
    first, second = _gc_paused(True), _gc_paused(True)
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()
    assert _approx_cells(TableInput(columns=COLS, rows=ROWS)) == 20
    assert _approx_cells(TableInput(records=[{"a": 1, "b": 2}] * 3)) == 6
    assert _approx_cells(TableInput(csv="a,b\n1,2\n")) == 1


# ---------------------------------------------------------------- rows
def test_conditions_exact_partial_numeric():
    q = "What role did Cookson play in Red Joan and what did she do after 2016?"
    shape = question_shape(q)
    assert shape.comparisons == [(True, 2016.0)] and shape.neighbours
    by_col = [[r[j] for r in ROWS] for j in range(4)]
    m = condition_matrix(q, by_col, shape)
    assert m[4, 1] == 1.0  # "Red Joan" exact
    assert m[3, 0] == 0.5 and m[4, 0] == 0.5 and m[0, 0] == 0.0  # years after 2016
    partial = condition_matrix("who did she play in the huntsman", by_col, question_shape("x"))
    assert 0 < partial[2, 1] < 1.0 and partial[0, 1] == 0.0


def test_a_cell_that_is_only_part_of_a_named_person_is_a_weaker_condition():
    q = "Which films did Steve Zissis appear in 2008?"
    assert question_shape(q).names == (" steve zissis ",)
    m = condition_matrix(q, [["Steve", "Steve Zissis", "Chad"]], question_shape(q))
    assert m[0, 0] == 0.5 and m[1, 0] == 1.0 and m[2, 0] == 0.0


def test_comparisons_apply_to_columns_of_their_kind():
    shape = question_shape("Which players from Oslo joined after 2020?")
    assert shape.temporal and shape.comparisons == [(True, 2020.0)] and shape.numbers == []
    by_col = [["Oslo", "Oslo", "Lima"], ["2021", "2020", "2022"], ["$90,000", "$5,000", "$7,000"]]
    m = condition_matrix("Which players from Oslo joined after 2020?", by_col, shape, ["category", "date", "money"])
    assert m[:, 1].tolist() == [0.5, 0.0, 0.5]  # 2020 itself is not after 2020
    assert not m[:, 2].any()  # salaries are not dates
    money = question_shape("who earned more than 6,000?")
    assert not money.temporal
    m = condition_matrix("who earned more than 6,000?", by_col, money, ["category", "date", "money"])
    assert m[:, 2].tolist() == [0.5, 0.0, 0.5]
    assert condition_matrix("who earned more than 6,000?", by_col, money)[:, 2].tolist() == [0.5, 0.0, 0.5]
    assert without_operands("Which players joined after 2020 with more than 3 goals?") == \
        "Which players joined after with more than goals?"


def test_ranges_match_every_year_inside_on_date_columns():
    q = "What movies did Peter Hughes act between 1970 to 1987?"
    shape = question_shape(q)
    assert shape.ranges == [(1970.0, 1987.0)]
    assert question_shape("films from 2012 to 2015").ranges == [(2012.0, 2015.0)]
    assert question_shape("in 2008, 2010 and 2012").ranges == []  # a list, not a range
    by_col = [["1962", "1970", "1981", "1987", "1996"], ["12", "1975", "1980", "3", "1"]]
    m = condition_matrix(q, by_col, shape, ["date", "number"])
    assert m[:, 0].tolist() == [0.0, 0.9, 0.9, 0.9, 0.0]
    assert not m[:, 1].any()  # a range of years is about dates, not counts
    goals = question_shape("who scored between 2 and 5 goals")
    assert goals.ranges == [(2.0, 5.0)]
    assert condition_matrix("who scored between 2 and 5 goals", [["1", "3", "5", "7"]], goals,
                            ["number"])[:, 0].tolist() == [0.0, 0.9, 0.9, 0.0]


def test_seasons_match_across_their_spellings():
    q = "How did he do in the 2014-2015 season?"
    assert question_shape(q).seasons == frozenset({(2014, 2015)})
    m = condition_matrix(q, [["2013–14", "2014–15", "2015–16", "2014/15"]], question_shape(q))
    assert m[:, 0].tolist() == [0.0, 1.0, m[2, 0], 1.0] and m[2, 0] < 0.5


def test_a_value_filling_most_of_its_column_is_a_weaker_condition():
    q = "What awards were won by Martina Amati?"
    m = condition_matrix(q, [["Won", "Won", "Won", "Nominated"], ["BAFTA", "Unicef", "BAFTA", "BIFA"]],
                         question_shape(q))
    assert m[:, 0].tolist() == [0.5, 0.5, 0.5, 0.0]


def test_extreme_rows_point_at_the_top_or_bottom_of_the_numeric_column():
    vals = ["3", "10", "n/a", "7"]
    most = extreme_rows("who scored the most goals?", vals, 4)
    assert most.argmax() == 1 and most[1] == 1.0 and most[2] == 0.0
    least = extreme_rows("who scored the fewest goals?", vals, 4)
    assert least.argmax() == 0 and least[0] == 1.0
    assert not extreme_rows("who scored in 2010?", vals, 4).any()
    assert extreme_rows("who scored the most?", None, 3).tolist() == [0, 0, 0]


def test_edge_rows_follow_first_and_last():
    assert edge_rows("what is the first nickname?", 3).tolist() == [1, 0, 0]
    assert edge_rows("who was the last coach?", 3).tolist() == [0, 0, 1]
    assert not edge_rows("who was the coach in 1990?", 3).any()
    assert edge_rows("first?", 1).tolist() == [0]


def test_question_shape_flags_whole_column_questions():
    assert question_shape("which year had the most wins?").whole_column
    assert question_shape("how many films did she make?").whole_column
    assert not question_shape("what role did she play in Unity?").whole_column


def test_spread_neighbours_and_numbers():
    assert spread_neighbours(np.array([0, 0, 1.0, 0])).tolist() == [0, 0.8, 1.0, 0.8]
    assert to_number("1,200") == 1200 and to_number("$3.5") == 3.5 and to_number("abc") is None


# ---------------------------------------------------------------- selection
def test_fill_table_prefers_narrow_long_tables_for_flat_rows_and_wide_short_ones_for_peaked_rows():
    cells = np.full((20, 5), 2)
    head = np.full(5, 1)
    p = np.array([0.4, 0.3, 0.1, 0.1, 0.1])
    flat = fill_table(p, np.full(20, 0.05), cells, head, 70, np.zeros(5, bool), np.zeros(20, bool))
    peaked_q = np.r_[[0.45, 0.45], np.full(18, 0.1 / 18)]
    peaked = fill_table(p, peaked_q, cells, head, 70, np.zeros(5, bool), np.zeros(20, bool))
    assert len(flat.columns) < len(peaked.columns)
    assert len(flat.rows) > len(peaked.rows) and {0, 1} <= set(peaked.rows)
    for sub in (flat, peaked):
        k = len(sub.columns)
        assert head[sub.columns].sum() + k - 1 + len(sub.rows) * (2 * k + k) <= 70


def test_fill_table_must_keep_and_cell_cap():
    cells = np.full((10, 3), 3)
    must_c = np.array([False, False, True])
    must_r = np.zeros(10, bool)
    must_r[7] = True
    sub = fill_table(np.array([0.5, 0.3, 0.2]), softmax_weights(np.arange(10.0), 1.0), cells, np.ones(3), 1000,
                     must_c, must_r, max_cells=6)
    assert 2 in sub.columns and 7 in sub.rows
    assert len(sub.rows) * len(sub.columns) <= 6 or sub.rows == [7]


def test_top_up_adds_what_the_exact_count_leaves_room_for_and_never_exceeds_it():
    from ctxprune.pruners.table_select import top_up
    from ctxprune.tokens import get_counter
    cnt = get_counter()
    cols_txt, rows_txt = COLS, ROWS
    cells = np.array([[cnt.count(" " + v) for v in r] for r in rows_txt])
    head = np.array([cnt.count(" " + c) for c in cols_txt])

    def count(cs, rs):
        return cnt.count(pipe_text([cols_txt[j] for j in cs], [[rows_txt[i][j] for j in cs] for i in rs]))
    limit = count([0, 1], [0, 1, 2, 3])
    cols, rows, n = top_up(np.array([0.4, 0.3, 0.2, 0.1]), np.full(5, 0.2), [0, 1], [0, 1], count([0, 1], [0, 1]),
                           limit, count, cells, head)
    assert n == count(cols, rows) <= limit
    assert len(cols) * len(rows) > 4  # the remainder was used
    same = top_up(np.ones(4), np.ones(5), [0], [0], limit, limit, count, cells, head)
    assert same == ([0], [0], limit)  # nothing left: unchanged


def test_row_embedding_scores_a_hair_apart_stay_close():
    from ctxprune.pruners.table import _spread
    near = _spread(np.array([0.50, 0.49, 0.48]), 0.2)
    assert near.max() - near.min() == pytest.approx(0.1)  # min-max would stretch these to 1 and 0
    far = _spread(np.array([0.9, 0.1, 0.5]), 0.2)
    assert far.tolist() == pytest.approx([1.0, 0.0, 0.5])  # a wide range is plain min-max


def test_cell_tokens_count_cells_as_they_stand_in_the_rendering():
    from ctxprune.pruners.table import TablePruner
    pr = TablePruner.__new__(TablePruner)
    from ctxprune.tokens import get_counter
    pr.counter = get_counter()
    rows = [["1998", "Smith", "12,345"], ["2001", "", "7"]]
    t = parse_table(TableInput(columns=["Year", "Name", "Votes"], rows=rows))
    cells, lead, head, head_lead, estimated = pr._cell_tokens(t)
    assert not estimated
    for cs in ([0, 1, 2], [1, 2], [2]):
        first = min(cs)
        est = head[cs].sum() - head_lead[first] + len(cs) - 1 + sum(
            cells[i, cs].sum() - lead[i, first] + len(cs) for i in range(2))
        exact = pr.counter.count(pipe_text([t.columns[j] for j in cs], [[r[j] for j in cs] for r in rows]))
        assert abs(est - exact) <= 1, (cs, est, exact)


# ---------------------------------------------------------------- rendering
def test_renderings_are_lossless_and_compact():
    cols, rows = ["a", "b|c"], [[1, None], ["x,y", 2.5]]
    assert pipe_text(cols, rows) == "a | b|c\n1 | None\nx,y | 2.5"
    md = render("markdown", cols, rows, "T")
    assert "| a | b\\|c |" in md and "| x,y | 2.5 |" in md
    assert render("csv", cols, rows) == 'a,b|c\n1,\n"x,y",2.5'
    assert render("compact", cols, rows, types=["number", "category"]).splitlines()[0] == "a:num,b|c:cat"
    parsed = json.loads(json_text(cols, rows, "T"))
    assert parsed == {"title": "T", "columns": cols, "rows": rows}


def test_json_rendering_is_smaller_than_records():
    from ctxprune.tokens import get_counter

    cnt = get_counter()
    records = json.dumps([dict(zip(COLS, r)) for r in ROWS])
    assert cnt.count(json_text(COLS, ROWS)) < 0.8 * cnt.count(records)


def test_request_validates_format_and_query():
    with pytest.raises(ValueError):
        TableRequest(query="q", table={"columns": ["a"], "rows": [["1"]]}, format="html")
    with pytest.raises(ValueError):
        TableRequest(query="  ", table={"columns": ["a"], "rows": [["1"]]})


def test_fill_table_keeps_a_must_column_whose_namesake_goes_first():
    # column 2 repeats column 0's name; the caller marked column 2 (say a 'keep' value under the second "League")
    p, q = np.array([0.1, 0.8, 0.05, 0.05]), np.full(6, 1 / 6)
    cells, head = np.full((6, 4), 2.0), np.full(4, 1.0)
    must = np.array([False, False, True, False])
    got = fill_table(p, q, cells, head, 10, must, np.zeros(6, bool), twins=np.array([0, 1, 0, 3]))
    assert 2 in got.columns and 0 in got.columns  # the must column, with the namesake it needs


def test_answer_target_reads_an_asked_work_as_the_title_column():
    cols = tc.describe_all(parse_table(TableInput(columns=["Year", "Title", "Role", "Notes"],
                                                  rows=[["2016", "Closure", "Ana", "-"]] * 3)))
    assert tc.answer_target("What films did Stephanie Beatriz appear in during 2016?", cols).tolist() == [0, 1, 0, 0]
    assert tc.answer_target("which song was released first?", cols).tolist() == [0, 1, 0, 0]
    assert tc.answer_target("What movies did he act in?", cols).tolist() == [0, 1, 0, 0]  # "movies" stems to movy
    assert tc.answer_target("In what movie did she play Ana, and what year was it?", cols).tolist() == [1, 1, 0, 0]
    assert not tc.answer_target("what role did she play in Closure?", cols)[1]  # a role is no work
