"""Table pruner, session 7: columns blank in the question's best rows lose column weight (``blank_p``)."""
from __future__ import annotations

import dataclasses

import numpy as np

from ctxprune.pruners.table import Scores, TablePruner, TableWeights
from ctxprune.pruners.table_columns import ColumnInfo
from ctxprune.pruners.table_rows import blank_in_rows, question_shape

ROWS = [["2013", "Short Term 12", "Jessica", "-"],
        ["2016", "Ice Age: Collision Course", "Gavin's mom", ""],
        ["2016", "Closure", "Ana", "Short film"],
        ["2018", "Half Magic", "Candy", "n/a"]]


def test_blank_in_rows_marks_columns_whose_cells_there_are_all_placeholders():
    assert blank_in_rows(ROWS, [0, 1], 4).tolist() == [False, False, False, True]  # "-" and ""
    assert blank_in_rows(ROWS, [1, 2], 4).tolist() == [False, False, False, False]  # "Short film" is not blank
    assert blank_in_rows(ROWS, [3], 4).tolist() == [False, False, False, True]  # "n/a"


def test_blank_in_rows_marks_nothing_when_every_column_or_no_row_is_blank():
    empty = [["-", ""], ["", "N/A"]]
    assert not blank_in_rows(empty, [0, 1], 2).any()
    assert not blank_in_rows(ROWS, [], 4).any()


def _scores(row: np.ndarray) -> Scores:
    cols = [ColumnInfo(j, f"c{j}", "category", f"c{j}: category", 1.0) for j in range(4)]
    return Scores(cols, np.array([1.0, 0.9, 0.8, 0.85]), np.array([True, True, False, True]), 1, row,
                  question_shape("What films did Stephanie Beatriz appear in during 2016?"), None, None, None, None,
                  ROWS)


def _pruner(**w) -> TablePruner:
    pr = TablePruner.__new__(TablePruner)
    pr.weights = dataclasses.replace(TableWeights(), **w)
    return pr


def test_a_column_blank_in_the_best_rows_loses_weight_and_the_others_keep_theirs():
    sc = _scores(np.array([0.9, 1.0, 0.2, 0.1]))  # rows 1 and 0 best: column 3 is blank in both
    p_off, _ = _pruner(blank_p=1.0).weights_pq(sc)
    p_on, _ = _pruner().weights_pq(sc)
    assert TableWeights().blank_p < 1.0
    assert np.allclose(p_on[:3], p_off[:3])
    assert np.isclose(p_on[3], TableWeights().blank_p * p_off[3])
    assert np.argsort(-p_off).tolist()[:3] != np.argsort(-p_on).tolist()[:3]  # it no longer ranks before column 2


def test_a_column_filled_in_one_of_the_best_rows_keeps_its_weight():
    sc = _scores(np.array([0.1, 1.0, 0.9, 0.2]))  # rows 1 and 2 best: "Short film" fills column 3 in row 2
    p_off, _ = _pruner(blank_p=1.0).weights_pq(sc)
    p_on, _ = _pruner().weights_pq(sc)
    assert np.allclose(p_on, p_off)
    p_one, _ = _pruner(blank_rows=1).weights_pq(sc)  # only the best row (1), where column 3 is blank
    assert p_one[3] < p_off[3]
