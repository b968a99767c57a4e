"""Micro-batching: concurrent callers share model calls, each gets its own rows, errors reach every caller."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from ctxprune.batching import MicroBatcher, container_cpus


def test_a_lone_call_runs_at_once_and_returns_its_rows():
    calls = []
    b = MicroBatcher(lambda xs: (calls.append(list(xs)), [x * 2 for x in xs])[1])
    assert b([1, 2, 3]) == [2, 4, 6]
    assert calls == [[1, 2, 3]]


def test_concurrent_callers_are_served_by_fewer_model_calls_with_their_own_rows():
    calls = []

    def slow(xs):
        calls.append(len(xs))
        time.sleep(0.05)  # a model call: others arrive meanwhile
        return np.array([[x, -x] for x in xs])

    b = MicroBatcher(slow, max_items=1000)
    with ThreadPoolExecutor(16) as pool:
        futs = [pool.submit(b, [10 * i + j for j in range(3)]) for i in range(32)]
        out = [f.result(timeout=30) for f in futs]
    for i, rows in enumerate(out):
        assert rows[:, 0].tolist() == [10 * i + j for j in range(3)]
    assert sum(calls) == 96
    assert len(calls) < 32, f"no batching happened: {calls}"
    assert max(calls) > 3


def test_max_items_caps_one_model_call():
    calls = []

    def slow(xs):
        calls.append(len(xs))
        time.sleep(0.02)
        return list(xs)

    b = MicroBatcher(slow, max_items=8)
    with ThreadPoolExecutor(12) as pool:
        assert [f.result(timeout=30) for f in [pool.submit(b, [i] * 4) for i in range(24)]] == [[i] * 4 for i in range(24)]
    assert max(calls) <= 8


def test_an_error_reaches_every_caller_of_that_batch_and_the_batcher_recovers():
    gate = threading.Event()
    fail = {"on": True}

    def fn(xs):
        gate.wait(5)
        if fail["on"]:
            raise RuntimeError("model broke")
        return list(xs)

    b = MicroBatcher(fn)
    with ThreadPoolExecutor(4) as pool:
        futs = [pool.submit(b, [i]) for i in range(4)]
        time.sleep(0.1)
        gate.set()
        for f in futs:
            with pytest.raises(RuntimeError, match="model broke"):
                f.result(timeout=10)
    fail["on"] = False
    assert b([7]) == [7]


def test_container_cpus_is_positive_and_not_above_the_machine():
    import os

    assert 1 <= container_cpus() <= (os.cpu_count() or 1)


def test_lane_splitter_runs_parts_at_once_and_keeps_row_order():
    from ctxprune.batching import LaneSplitter

    threads = set()

    def fn(xs):
        threads.add(threading.get_ident())
        time.sleep(0.02)
        return np.array([[len(x), 0.0] for x in xs])

    lanes = LaneSplitter(fn, 2)
    items = ["a" * n for n in (5, 1, 30, 7, 2, 9, 40, 3, 11, 4)]
    out = lanes(items)
    assert out[:, 0].tolist() == [len(x) for x in items]
    assert len(threads) == 2  # two parts, two threads
    parts = lanes.split(items)
    assert sorted(i for p in parts for i in p) == list(range(len(items)))
    assert max(len(items[i]) for i in parts[0]) <= min(len(items[i]) for i in parts[1])  # short texts pad together


def test_lane_splitter_keeps_small_batches_whole():
    from ctxprune.batching import LaneSplitter

    calls = []
    lanes = LaneSplitter(lambda xs: (calls.append(len(xs)), np.zeros((len(xs), 2)))[1], 2, min_part=4)
    assert lanes(["x"] * 7).shape == (7, 2)
    assert calls == [7]
