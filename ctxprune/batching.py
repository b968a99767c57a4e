"""Micro-batching of concurrent model calls, and the CPU count torch should use.

``MicroBatcher(fn)`` wraps a batch function ``fn(list[item]) -> sequence of results`` (one result
per item, e.g. texts -> embedding rows). Threads call ``batcher(items)``; when the model is idle a
call runs at once (no added latency), and calls that arrive while a batch is running queue up and
are served together by one model call. One leader at a time runs the model, so concurrent
requests never oversubscribe the CPU with parallel torch calls.
"""
from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from ctxprune.metrics import BATCH_CALLERS, BATCH_ITEMS


@dataclass
class _Job:
    items: list[Any]
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False  # set when this waiting caller is handed the leader role
    result: Any = None
    error: BaseException | None = None


class MicroBatcher:
    def __init__(self, fn: Callable[[list[Any]], Sequence[Any]], max_items: int = 256, wait_ms: float = 0.0):
        self._fn = fn
        self.max_items = max(1, max_items)
        self.wait_s = max(0.0, wait_ms) / 1000
        self._lock = threading.Lock()
        self._queue: list[_Job] = []
        self._busy = False

    def __call__(self, items: list[Any]):
        job = _Job(list(items))
        with self._lock:
            self._queue.append(job)
            leader = not self._busy
            if leader:
                self._busy = True
        if not leader:
            job.done.wait()
            if not job.lead:
                return self._outcome(job)
            job.lead = False  # woken as the next leader: its job is still queued, unserved
            job.done.clear()
        # this thread leads: run batches until its own job is served, then hand over
        while not job.done.is_set():
            if self.wait_s:
                time.sleep(self.wait_s)
            self._run_one_batch()
        with self._lock:
            if self._queue:
                nxt = self._queue[0]
                nxt.lead = True
                nxt.done.set()  # wakes it as the next leader (its result is still None)
            else:
                self._busy = False
        return self._outcome(job)

    @staticmethod
    def _outcome(job: _Job):
        if job.error is not None:
            raise job.error
        return job.result

    def _take(self) -> list[_Job]:
        with self._lock:
            taken, n = [], 0
            while self._queue and (not taken or n + len(self._queue[0].items) <= self.max_items):
                j = self._queue.pop(0)
                taken.append(j)
                n += len(j.items)
            return taken

    def _run_one_batch(self) -> None:
        jobs = self._take()
        if not jobs:
            return
        flat = [x for j in jobs for x in j.items]
        BATCH_CALLERS.observe(len(jobs))
        BATCH_ITEMS.observe(len(flat))
        try:
            out = self._fn(flat)
        except BaseException as exc:  # every caller of the batch sees the error
            for j in jobs:
                j.error = exc
                j.done.set()
            return
        start = 0
        for j in jobs:
            j.result = out[start:start + len(j.items)]
            start += len(j.items)
            j.done.set()


class LaneSplitter:
    """Runs one batch as ``lanes`` parts at once, each on its own thread (the runtime releases the GIL).

    Small encoder batches scale badly over intra-op threads; the same cores used as independent
    lanes with one thread each encode more texts per second, and a lone request still uses every
    core. Items are sorted by length and cut into parts of about equal total length, so the lanes
    finish together.
    """

    def __init__(self, fn: Callable[[list[Any]], Sequence[Any]], lanes: int, min_part: int = 4):
        self._fn = fn
        self.lanes = max(1, lanes)
        self.min_part = max(1, min_part)
        self._pool = ThreadPoolExecutor(max_workers=self.lanes - 1, thread_name_prefix="ctxprune-lane") if self.lanes > 1 else None

    def __call__(self, items: list[Any]) -> np.ndarray:
        parts = self.split(items)
        if len(parts) == 1:
            return np.asarray(self._fn(items))
        futures = [self._pool.submit(self._fn, [items[i] for i in idx]) for idx in parts[1:]]
        first = np.asarray(self._fn([items[i] for i in parts[0]]))
        out = np.empty((len(items), *first.shape[1:]), dtype=first.dtype)
        out[parts[0]] = first
        for idx, fut in zip(parts[1:], futures):
            out[idx] = np.asarray(fut.result())
        return out

    def split(self, items: list[Any]) -> list[list[int]]:
        """Index lists, one per lane that gets at least ``min_part`` items."""
        k = min(self.lanes, len(items) // self.min_part)
        if k <= 1:
            return [list(range(len(items)))]
        order = sorted(range(len(items)), key=lambda i: len(str(items[i])))
        cost = np.cumsum([len(str(items[i])) + 8 for i in order], dtype=float)
        lane_of = np.minimum((k * (cost - 1e-9) / cost[-1]).astype(int), k - 1)
        parts = [[order[j] for j in np.flatnonzero(lane_of == lane)] for lane in range(k)]
        return [p for p in parts if p]


def container_cpus() -> int:
    """CPUs this process may use: the affinity mask, capped by a cgroup v2/v1 CPU quota."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    quota = _cgroup_quota()
    if quota:
        n = min(n, max(1, int(quota + 0.999)))
    return max(1, n)


def _cgroup_quota() -> float | None:
    try:
        text = open("/sys/fs/cgroup/cpu.max").read().split()
        if text and text[0] != "max":
            return int(text[0]) / int(text[1])
    except (OSError, ValueError, IndexError):
        pass
    try:
        q = int(open("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read())
        p = int(open("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read())
        if q > 0 and p > 0:
            return q / p
    except (OSError, ValueError):
        pass
    return None


def as_matrix(rows: Any, dim: int) -> np.ndarray:
    arr = np.asarray(rows, dtype=np.float32)
    return arr.reshape(-1, dim) if arr.size else np.zeros((0, dim), dtype=np.float32)
