import numpy as np

from ctxprune.select import Candidate, adaptive_cut, fill_budget


def test_fill_budget_is_best_first_and_skips_what_does_not_fit():
    cands = [Candidate(0, 0.9, 10), Candidate(1, 0.8, 50), Candidate(2, 0.5, 5), Candidate(3, 0.1, 5)]
    chosen, exceeded = fill_budget(cands, 20)
    assert chosen == [0, 2, 3] and not exceeded


def test_must_keep_wins_over_the_budget_and_says_so():
    cands = [Candidate(0, 0.9, 10), Candidate(1, 0.0, 30, must_keep=True)]
    chosen, exceeded = fill_budget(cands, 20)
    assert 1 in chosen and exceeded


def test_group_header_is_paid_once():
    cands = [Candidate(0, 0.9, 5, group="a"), Candidate(1, 0.8, 5, group="a"), Candidate(2, 0.7, 5, group="b")]
    chosen, _ = fill_budget(cands, 18, group_cost={"a": 3, "b": 3})
    assert chosen == [0, 1]  # 3+5+5 = 13; group b would cost 8 more


def test_never_empty_even_when_the_best_unit_alone_is_too_big():
    chosen, exceeded = fill_budget([Candidate(0, 1.0, 100)], 10)
    assert chosen == [0] and exceeded


def test_adaptive_cut_stops_at_a_sharp_drop():
    scores = np.array([0.95, 0.93, 0.9, 0.2, 0.18, 0.15, 0.1, 0.05, 0.02, 0.0])
    assert adaptive_cut(scores, min_keep=1) == 3


def test_adaptive_cut_never_zero_and_bounded():
    assert adaptive_cut(np.array([0.5]), min_keep=1) == 1
    flat = np.ones(10)
    assert 1 <= adaptive_cut(flat, max_share=0.5) <= 5
