"""Counted edge questions ("top two", "first and second", "last three") point at the first / last k rows."""
from ctxprune.pruners.table_rows import edge_count, edge_rows


def test_edge_count_reads_counts():
    assert edge_count("Who were the top two contenders in the 2009 election?") == (2, 0)
    assert edge_count("Who placed first and second, respectively, and what were their scores?") == (2, 0)
    assert edge_count("who finished first, second and third?") == (3, 0)
    assert edge_count("What were the last two Broadway roles she played?") == (0, 2)
    assert edge_count("which were the bottom 3 nations?") == (0, 3)
    assert edge_count("top 3 and bottom 2") == (3, 2)


def test_edge_count_ignores_ordinals_ranks_and_plain_edges():
    assert edge_count("who has the top 2nd score?") == (0, 0)  # an ordinal, not a count
    assert edge_count("Did he come into the top 10 in the World Championships?") == (0, 0)  # a rank, not rows
    assert edge_count("what is the first nickname?") == (0, 0)
    assert edge_count("who came second?") == (0, 0)


def test_edge_rows_marks_k_rows():
    assert edge_rows("Who were the top two contenders?", 5).tolist() == [1, 1, 0, 0, 0]
    assert edge_rows("who finished first, second and third?", 6).tolist() == [1, 1, 1, 0, 0, 0]
    assert edge_rows("the last two roles", 4).tolist() == [0, 0, 1, 1]
    assert edge_rows("the top three", 2).tolist() == [1, 0]  # never the whole table
    assert edge_rows("Who were the top two contenders?", 5, counted=False).tolist() == [1, 0, 0, 0, 0]
    assert edge_rows("what is the first nickname?", 3).tolist() == [1, 0, 0]
