"""The recall ceiling script (scripts/oracle_table.py): an exact row knapsack and an oracle that obeys the caps."""
from __future__ import annotations

import itertools
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
oracle_table = pytest.importorskip("oracle_table")


def _brute(values, costs, room, max_rows):
    best = 0
    for k in range(0, min(max_rows, len(values)) + 1):
        for s in itertools.combinations(range(len(values)), k):
            if sum(costs[i] for i in s) <= room:
                best = max(best, sum(values[i] for i in s))
    return best


def test_knapsack_is_exact_against_brute_force():
    rng = random.Random(7)
    for _ in range(200):
        n = rng.randint(0, 7)
        values = [rng.randint(0, 4) for _ in range(n)]
        costs = [rng.randint(1, 9) for _ in range(n)]
        room, max_rows = rng.randint(0, 25), rng.randint(0, 7)
        pick = oracle_table.knapsack(values, costs, room, max_rows)
        assert len(set(pick)) == len(pick) <= max(max_rows, 0)
        assert sum(costs[i] for i in pick) <= room
        assert sum(values[i] for i in pick) == _brute(values, costs, room, max_rows)


class _Count:
    """A stand-in tokenizer: one token per word or symbol."""

    def count(self, text: str) -> int:
        return len(text.replace("|", " | ").split()) + text.count("\n")


def _ex(gold):
    rows = [[f"v{i}{j}" for j in range(4)] for i in range(10)]
    return {"context": {"header": ["A", "B", "A", "D"], "rows": rows}, "gold": {"answer_cells": gold}}


def test_oracle_obeys_the_caps_and_credits_a_repeated_name_to_its_first_column_only():
    cnt = _Count()
    one = _ex([[3, 1]])
    assert oracle_table.oracle(one, 0.35, 1.35, True, cnt) == 1.0
    # gold in the second "A" can never count with the acceptance scorer
    assert oracle_table.oracle(_ex([[3, 2]]), 0.35, 1.35, True, cnt) == 0.0
    # two whole columns of gold: the whole table costs 7 + 10 x 8 = 87 "tokens", so 30 are allowed; two
    # columns cost 3 + 4 a row (6 rows: 12 of 20 gold cells), one column 1 + 2 a row (10 rows: 10 of 20)
    two = _ex([[i, j] for i in range(10) for j in (1, 3)])
    assert oracle_table.oracle(two, 1.0, None, False, cnt) == 1.0
    assert oracle_table.oracle(two, 0.35, 1.35, True, cnt) == pytest.approx(12 / 20)
    # the cell cap alone: at most int(1.0 x 0.35 x 40) = 14 cells, so 14 of 10 x 2 gold cells at best
    wide = _ex([[i, j] for i in range(10) for j in (0, 1)])
    assert oracle_table.oracle(wide, 0.35, 1.0, False, cnt) == pytest.approx(14 / 20)
