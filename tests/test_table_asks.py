"""Table pruner, round 9: a question asking for several things keeps at least that many columns plus one."""
from __future__ import annotations

import dataclasses

from ctxprune.pruners.table import TablePruner, TableWeights
from ctxprune.pruners.table_rows import asked_items

COLS = ["Year", "Title", "Role", "Notes"]
ROWS = [["2010", "Blue Harbor", "Nurse Kelly", "Television film"], ["2011", "Night Shift", "Angelique Domenguez", "3 episodes"],
        ["2012", "The Long Road", "Maria", ""], ["2013", "Orange Fields", "Angelique Domenguez", "Recurring role"],
        ["2014", "Second Street", "Detective Ruiz", "Main role"], ["2015", "City Lights", "Angelique Domenguez", "Guest"],
        ["2016", "Winter Song", "Carla", ""], ["2017", "Dark Water", "Lena", "Short film"],
        ["2018", "Home Again", "Rosa", "2 episodes"], ["2019", "The Crossing", "Teresa", ""],
        ["2020", "Last Light", "Ana", "Voice"]]
QUERY = "What year and in which film did Jessica Pimentel first play the character Angelique Domenguez?"


def test_asked_items_counts_coordinated_and_prepositional_interrogatives():
    assert asked_items(QUERY) == 2
    assert asked_items("When and where is Cage Rage Contenders 6?") == 2
    assert asked_items("Who won the 1969 Turkish general election and how many seats did they win?") == 2
    assert asked_items("What was Montgomery's personal best in what event at an NCAA championship?") == 2
    assert asked_items("How many goals did he score, how many games did he play, and what year did he leave?") == 3


def test_relative_pronouns_and_single_questions_are_one_ask():
    assert asked_items("which player who scored the most goals joined in 2004?") == 1
    assert asked_items("what was the year when the club won the cup?") == 1
    assert asked_items("How many flats do the keys of F and B major have?") == 1
    assert asked_items("the total number of wins") == 0


def test_the_column_floor_is_asks_plus_one_and_only_for_several_asks():
    pr = TablePruner.__new__(TablePruner)
    pr.weights = TableWeights()
    assert pr._min_cols(QUERY) == 3
    assert pr._min_cols("Who directed the film in 2014?") == 1
    pr.weights = dataclasses.replace(TableWeights(), asks_cols=-1)
    assert pr._min_cols(QUERY) == 1


def _prune(engine, **w):
    pr = engine.pruner("table")
    old = pr.weights
    pr.weights = dataclasses.replace(old, **w)
    try:
        return engine.prune("table", {"query": QUERY, "table": {"title": "Jessica Pimentel filmography", "columns": COLS,
                                                                 "rows": ROWS}, "budget": {"ratio": 0.35}},
                            use_cache=False)
    finally:
        pr.weights = old


def test_a_two_part_question_keeps_the_asked_columns_and_the_matching_rows(engine):
    before = _prune(engine, asks_cols=-1)  # "first" reads as whole-column: one narrow column of every row
    assert len(before.table.columns) < 3
    after = _prune(engine)
    assert {"Year", "Title", "Role"} <= set(after.table.columns)
    assert 1 in after.kept_rows  # the first row with the character
    assert after.stats.tokens_out <= after.stats.budget_tokens
    assert len(after.table.columns) * len(after.kept_rows) <= int(1.35 * 0.35 * len(COLS) * len(ROWS))
    assert after.kept_rows == sorted(after.kept_rows)


def test_fill_table_drops_a_column_floor_no_row_fits():
    import numpy as np
    from ctxprune.pruners.table_select import fill_table
    cells = np.array([[2, 2, 9], [2, 2, 9]])
    head = np.array([1, 1, 1])
    none = np.zeros(3, dtype=bool), np.zeros(2, dtype=bool)
    sub = fill_table(np.array([0.5, 0.3, 0.2]), np.array([0.6, 0.4]), cells, head, 12, *none, min_cols=3)
    assert sub.rows and len(sub.columns) < 3  # three columns leave no room for a row: no floor then
    assert len(fill_table(np.array([0.5, 0.3, 0.2]), np.array([0.6, 0.4]), cells, head, 40, *none,
                          min_cols=3).columns) == 3
