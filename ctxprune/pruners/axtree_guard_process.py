"""The axtree injection guard in a process of its own (session 15), beside the line scoring of the same request.

The guard (rules, cheap heads, the fine-tuned stage) and the line scoring are both mostly Python. In one process
they take turns on the GIL, so running them in two threads saves little (a 5k-line tree: ~250 ms in two threads,
~280 ms one after the other). In a second process the guard runs on the other core for real: the request process
parses and scores while the guard process parses the same tree and judges it (docs/axtree.md, session 15).

Protocol: ``python -m ctxprune.pruners.axtree_guard_process`` reads pickled requests from stdin and writes pickled
replies to stdout, each one length-prefixed; one request at a time, in order. Requests: ``("guard", id, tree, keep,
goal)`` -> ``("ok", id, n_nodes, removals)``; ``("clear", id)`` and ``("ping", id)`` -> ``("ok", id)``; an error ->
``("error", id, message)``. The parent trusts the child (it starts it itself, from the installed package).

``GuardProcess`` is the parent's side: started in the background (``start``), it answers ``submit`` with a future,
or with ``None`` while it is not ready, after it died, or when it is off; the caller then runs the guard in its own
process, so a dead or slow child costs time, never a guard verdict.
"""
from __future__ import annotations

import logging
import os
import pickle
import struct
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

_HEADER = struct.Struct("!Q")
START_TIMEOUT_S = 180.0  # importing torch and loading the models in a new process, on a loaded host


def write_message(out: BinaryIO, message: tuple) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_HEADER.pack(len(data)) + data)
    out.flush()


def read_message(inp: BinaryIO) -> tuple | None:
    """The next message, or None at the end of the stream."""
    head = inp.read(_HEADER.size)
    if len(head) < _HEADER.size:
        return None
    size = _HEADER.unpack(head)[0]
    data = inp.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)


# ---------------------------------------------------------------------------------------------------- child side
class _Guard:
    """The guard's models as the pruner builds them, in the child."""

    def __init__(self, ft: bool, ft_dtype: str):
        from ctxprune.models import make_static_embedder
        from ctxprune.pruners.axtree_guard_ft import FineTunedAgentTextHead
        from ctxprune.pruners.axtree_guard_model import AgentTextModel

        self.static = make_static_embedder()
        self.model = AgentTextModel(self.static.embed)
        self.dense = FineTunedAgentTextHead(precision=ft_dtype) if ft else None
        if self.dense is not None:
            self.dense.warm_up()
        self.model.proba(["warm up the guard's cheap heads on a sentence of several words"])
        self.clear()

    def guard(self, tree, keep: list[str] | None, goal: str | None) -> tuple[int, list]:
        from ctxprune.gc_pause import gc_paused
        from ctxprune.pruners.axtree_guard_page import find_injections
        from ctxprune.pruners.axtree_parse import must_keep_lines, parse_json, parse_text

        nodes = parse_text(tree) if isinstance(tree, str) else parse_json(tree)
        must = must_keep_lines(nodes, keep)
        with gc_paused(True):
            removals = find_injections(nodes, protected=must, model=self.model, dense=self.dense, goal=goal)
        return len(nodes), removals

    def clear(self) -> None:
        from ctxprune.pruners.axtree_guard import judge

        judge.cache_clear()
        self.model.clear()
        self.static.clear_local()
        if self.dense is not None:
            self.dense.clear()


def serve(inp: BinaryIO, out: BinaryIO, ft: bool, ft_dtype: str) -> None:
    import gc

    import torch

    torch.set_num_threads(1)  # the request process computes on the other core meanwhile
    guard = _Guard(ft, ft_dtype)
    gc.collect()
    gc.freeze()  # the models stay out of full collections
    write_message(out, ("ready",))
    while (msg := read_message(inp)) is not None:
        kind, ident = msg[0], msg[1]
        try:
            if kind == "guard":
                write_message(out, ("ok", ident, *guard.guard(*msg[2:])))
            elif kind == "clear":
                guard.clear()
                write_message(out, ("ok", ident))
            elif kind == "ping":
                write_message(out, ("ok", ident))
            else:
                write_message(out, ("error", ident, f"unknown request {kind!r}"))
        except Exception as exc:  # one bad request must not end the process: the parent guards in-process
            log.exception("axtree guard process: request failed")
            write_message(out, ("error", ident, f"{type(exc).__name__}: {exc}"))


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    ft, ft_dtype = sys.argv[1] == "ft", sys.argv[2]
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but replies may reach the pipe
    serve(sys.stdin.buffer, out, ft, ft_dtype)


# --------------------------------------------------------------------------------------------------- parent side
class GuardProcess:
    """The parent's handle on one guard child: ``start`` (background), ``submit`` -> Future | None, ``clear``, ``close``."""

    def __init__(self, ft: bool, ft_dtype: str):
        self._args = ["ft" if ft else "no-ft", ft_dtype]
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._pending: dict[int, Future] = {}
        self._next = 0
        self._ready = threading.Event()
        self._starting = False
        self._last_reply = time.monotonic()
        self.failures = 0

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def start(self, wait: bool = False) -> bool:
        """Start the child unless it runs or is starting; with ``wait``, until it is ready (or failed)."""
        with self._lock:
            if not self._starting and not self._ready.is_set():
                self._starting = True
                threading.Thread(target=self._launch, name="ctxprune-guard-start", daemon=True).start()
        if wait:
            self._ready.wait(START_TIMEOUT_S)
        return self.ready

    def _launch(self) -> None:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])  # the folder that holds this ctxprune package
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        try:
            proc = subprocess.Popen([sys.executable, "-m", "ctxprune.pruners.axtree_guard_process", *self._args],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
            hello = read_message(proc.stdout)
            if hello != ("ready",):
                raise RuntimeError(f"the guard process did not start (exit code {proc.poll()})")
        except Exception:
            log.exception("axtree guard process off: the guard runs in the request process")
            with self._lock:
                self._starting = False
                self.failures += 1
            return
        with self._lock:
            self._proc = proc
            self._starting = False
            self._last_reply = time.monotonic()
            self._ready.set()
        threading.Thread(target=self._read, args=(proc,), name="ctxprune-guard-replies", daemon=True).start()

    def _read(self, proc: subprocess.Popen) -> None:
        while (msg := read_message(proc.stdout)) is not None:
            with self._lock:
                self._last_reply = time.monotonic()
                fut = self._pending.pop(msg[1], None)
            if fut is None:
                continue
            if msg[0] == "ok":
                fut.set_result(msg[2:])
            else:
                fut.set_exception(RuntimeError(f"axtree guard process: {msg[2]}"))
        self._lost(proc, "the guard process ended")

    def _lost(self, proc: subprocess.Popen, why: str) -> None:
        with self._lock:
            if self._proc is not proc:
                return
            self._proc = None
            self._ready.clear()
            pending, self._pending = self._pending, {}
            self.failures += 1
        log.warning("axtree guard process lost (%s, exit code %s); guarding in-process until it is back", why, proc.poll())
        for fut in pending.values():
            fut.set_exception(RuntimeError(why))
        proc.kill()
        self.start()  # in the background: requests guard in-process meanwhile

    def _send(self, *message) -> Future | None:
        with self._lock:
            proc = self._proc
            if proc is None:
                return None
            ident = self._next
            self._next += 1
            fut: Future = Future()
            self._pending[ident] = fut
            try:
                write_message(proc.stdin, (message[0], ident, *message[1:]))
            except (OSError, ValueError):  # the pipe broke: the child is gone
                self._pending.pop(ident, None)
                fut = None
        if fut is None:
            self._lost(proc, "the pipe to the guard process broke")
        return fut

    def submit(self, tree, keep: list[str] | None, goal: str | None) -> Future | None:
        """A future of ``(n_nodes, removals)`` for this tree, or None when the child is not ready."""
        if not self.ready:
            self.start()
            return None
        return self._send("guard", tree, keep, goal)

    def clear(self, timeout: float = 30.0) -> None:
        """Forget the child's per-text caches (cold-path benchmarks); waits for it."""
        fut = self._send("clear") if self.ready else None
        if fut is not None:
            fut.result(timeout)

    def cpu_seconds(self) -> float | None:
        """CPU time the child has used so far (Linux ``/proc``, 10 ms ticks), for benchmarks of a request's whole cost."""
        proc = self._proc
        if proc is None:
            return None
        try:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
        except (OSError, ValueError, IndexError):
            return None

    def restart_if_stuck(self, silent_s: float) -> bool:
        """Kill the child if it has work and has not replied for ``silent_s`` (busy with a queue of trees is not
        stuck); it is started again in the background (requests guard in-process meanwhile)."""
        with self._lock:
            proc = self._proc
            stuck = proc is not None and bool(self._pending) and time.monotonic() - self._last_reply >= silent_s
        if stuck:
            proc.kill()  # the reply reader sees the end of the pipe and starts a new child
        return stuck

    def close(self) -> None:
        with self._lock:
            proc, self._proc = self._proc, None
            self._ready.clear()
        if proc is not None:
            proc.stdin.close()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()


_SHARED: dict[tuple, GuardProcess] = {}
_SHARED_LOCK = threading.Lock()


def shared_guard_process(ft: bool, ft_dtype: str) -> GuardProcess:
    """One child per configuration for the whole process (engines built with the same settings share it)."""
    with _SHARED_LOCK:
        key = (ft, ft_dtype)
        if key not in _SHARED:
            _SHARED[key] = GuardProcess(ft, ft_dtype)
        return _SHARED[key]


if __name__ == "__main__":
    main()
