"""Table pruner, session 5: repeated column names and the row weights around the best row."""
from __future__ import annotations

import dataclasses

import numpy as np

from ctxprune.pruners.table import Scores, TablePruner, TableWeights, first_namesakes
from ctxprune.pruners.table_columns import ColumnInfo
from ctxprune.pruners.table_rows import kinship, question_shape, value_codes
from ctxprune.pruners.table_select import fill_table, top_up, with_twins


def test_first_namesakes_fold_case_and_spaces_and_leave_unnamed_columns_alone():
    assert first_namesakes(["League", "Club", "league ", "Total", None, None, "TOTAL"]).tolist() == [0, 1, 0, 3, 4, 5, 3]


def test_a_repeated_name_is_never_kept_without_its_first_namesake():
    assert with_twins([3, 0, 2], np.array([0, 1, 2, 1])) == [1, 3, 0, 2]
    # Club | League (apps) | League (goals): the goals column is the most likely, the apps one the least
    p = np.array([0.3, 0.05, 0.65])
    q = np.array([0.9, 0.05, 0.05])
    cells = np.full((3, 3), 2)
    head = np.full(3, 2)
    twins = first_namesakes(["Club", "League", "League"])
    alone = fill_table(p, q, cells, head, 8, np.zeros(3, bool), np.zeros(3, bool))
    assert alone.columns == [2]  # without the rule the goals column goes alone
    sub = fill_table(p, q, cells, head, 8, np.zeros(3, bool), np.zeros(3, bool), twins=twins)
    assert 2 not in sub.columns or 1 in sub.columns
    cols, rows, _ = top_up(p, q, [0], [0], 4, 100, lambda cs, rs: 2 * len(cs) * (len(rs) + 1), cells, head,
                           twins=twins)
    assert 2 not in cols or 1 in cols


def test_kinship_counts_shared_text_values_but_not_numbers_or_placeholders():
    rows = [["2016", "Closure", "-", "3"],
            ["2016", "Ice Age", "-", "3"],
            ["2013", "Short Term 12", "-", "3"]]
    codes = value_codes(rows, 4, [False, False, False, True])
    k = kinship(codes, 0)
    assert k.tolist() == [0.5, 0.25, 0.0]  # the year only; "-" and the equal numbers do not count


def _scores(n_rows: int, row: np.ndarray, query: str, codes: np.ndarray | None = None,
            best: np.ndarray | None = None) -> Scores:
    cols = [ColumnInfo(j, f"c{j}", "category", f"c{j}: category", 1.0) for j in range(2)]
    row_x = np.zeros((n_rows, 10))
    if best is not None:
        row_x[:, 1] = best
    return Scores(cols, np.array([1.0, 0.5]), np.array([True, False]), 0, row, question_shape(query), None, row_x,
                  None, codes)


def _pruner(**w) -> TablePruner:
    pr = TablePruner.__new__(TablePruner)
    pr.weights = dataclasses.replace(TableWeights(), **w)
    return pr


def test_rows_tied_with_the_best_match_and_neighbours_of_before_after_questions_get_weight():
    row = np.array([0.9, 0.5, 0.5, 0.1])
    sc = _scores(4, row, "which films in 2016", best=np.array([1, 0, 1, 0]))
    _, q_off = _pruner(tie_q=0.0, kin_q=0.0, neighbour_q=0.0).weights_pq(sc)
    _, q_on = _pruner(tie_q=0.5, kin_q=0.0, neighbour_q=0.0).weights_pq(sc)
    assert q_on[2] / q_on[0] >= 0.5 > q_off[2] / q_off[0]
    assert q_on[1] == q_off[1]  # not tied: unchanged
    nb = _scores(4, np.array([0.1, 0.9, 0.1, 0.1]), "who won the year before")
    _, q_nb = _pruner(tie_q=0.0, kin_q=0.0, neighbour_q=0.3).weights_pq(nb)
    assert q_nb[0] >= 0.3 * q_nb[1] and q_nb[2] >= 0.3 * q_nb[1]
    assert q_nb[3] < 0.3 * q_nb[1]


def test_rows_sharing_values_with_the_best_row_come_before_unrelated_ones():
    rows = [["1976", "The Paradise Run"], ["1981", "Chariots of Fire"], ["1981", "Antony & Cleopatra"],
            ["1984", "The Sun Also Rises"]]
    sc = _scores(4, np.array([0.22, 0.9, 0.2, 0.21]), "in what movie did he play Eric Liddell",
                 codes=value_codes(rows, 2))
    _, q_off = _pruner(kin_q=0.0).weights_pq(sc)
    _, q_on = _pruner(kin_q=1.5).weights_pq(sc)
    assert np.argsort(-q_off).tolist()[:2] == [1, 0]
    assert np.argsort(-q_on).tolist()[:2] == [1, 2]  # the other 1981 row


def test_est_words_that_are_no_superlatives_do_not_make_a_question_whole_column():
    from ctxprune.pruners.table_rows import question_shape
    assert not question_shape("Who portrayed a guest role in Kalyana Samayal Saadham?").whole_column
    assert not question_shape("Which contest did the West Ham player win in 2004?").whole_column
    assert question_shape("Who was the guest with the longest appearance?").whole_column
    assert question_shape("which nation won the greatest number of medals?").whole_column
    assert question_shape("what was the best result of the west coast team?").whole_column


def test_a_cue_word_inside_a_cell_the_question_names_does_not_make_it_whole_column():
    from ctxprune.pruners.table_parse import TableRequest, parse_table
    from ctxprune.pruners.table_rows import whole_column_cue
    q = "Which shows did Jessica Stroup play in as Erin Silver, Max Hardy, and Joy Meachum?"
    assert whole_column_cue(q) and not whole_column_cue(q, (" max hardy ",))
    assert whole_column_cue("Who scored the most goals as Max Hardy?", (" max hardy ",))  # "most" still counts
    rows = [["2008", "90210", "Erin Silver"], ["2012", "Tron: Uprising", "Max Hardy"], ["2015", "Iron Fist", "Joy Meachum"]]
    t = parse_table(TableRequest.model_validate({"query": q, "table": {"columns": ["Year", "Title", "Role"],
                                                                      "rows": rows}}).table)
    pr = TablePruner  # a static method: no models needed
    assert not pr._cue_in_named_cell(q, t, question_shape(q)).whole_column
    other = "Which shows did Jessica Stroup play in with the max rating?"  # "max" names no cell here
    assert pr._cue_in_named_cell(other, t, question_shape(other)).whole_column
    # a one-word row label: the election table's "Majority" row
    votes = parse_table(TableRequest.model_validate({"query": "x", "table": {"columns": ["Party", "Votes"], "rows": [
        ["Labour", "20,000"], ["Conservative", "9,000"], ["Majority", "11,000"]]}}).table)
    q2 = "What percentage of a majority did Labour retain the seat with?"
    assert not pr._cue_in_named_cell(q2, votes, question_shape(q2)).whole_column
    q3 = "Which party had the most votes, and by what majority?"  # "most" is still a ranking
    assert pr._cue_in_named_cell(q3, votes, question_shape(q3)).whole_column


def test_cells_holding_finds_whole_distinct_cells_case_blind():
    from ctxprune.pruners.table import _cells_holding
    from ctxprune.pruners.table_parse import TableInput, parse_table

    table = parse_table(TableInput(columns=["Stat", "Value"], rows=[["Highest attendance", "41,000"],
                                                                    ["Most goals", "12"], ["Almost", "x"], ["Lowest", "3"]]))
    assert _cells_holding(table, ["highest", "most"]) == {"Highest attendance", "Most goals", "Almost"}
    assert _cells_holding(table, ["nothing"]) == set()
