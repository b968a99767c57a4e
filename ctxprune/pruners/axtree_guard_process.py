"""The axtree injection guard in a process of its own (session 15), beside the line scoring of the same request.

The guard (rules, cheap heads, the fine-tuned stage) and the line scoring are both mostly Python. In one process
they take turns on the GIL, so running them in two threads saves little (a 5k-line tree: ~250 ms in two threads,
~280 ms one after the other). In a second process the guard runs on the other core for real: the request process
parses and scores while the guard process parses the same tree and judges it (docs/axtree.md, session 15).

Protocol: the child (``main`` of this module, started in isolated mode with the parent's package folder first on its
path) reads pickled requests from stdin and writes pickled replies to its own copy of stdout (file descriptor 1 goes
to stderr, so native libraries that print cannot corrupt the replies), each one length-prefixed; one request at a
time, in order. It first says ``("ready", info)`` (its stage and the digest of the source it runs: a child that runs
other code than the parent is not used). Requests: ``("guard", id, tree, keep, goal)`` -> ``("ok", id, n_nodes,
removals)``; ``("clear", id)`` and ``("ping", id)`` -> ``("ok", id)``; an error -> ``("error", id, message)``. The
parent trusts the child (it starts it itself, from its own package).

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
MAX_MESSAGE = 1 << 30  # a longer length header is not a message: the stream is corrupt
MAX_PENDING = 4  # trees queued in the child beyond this are guarded in the request's process instead
RETRY_S = (5.0, 30.0, 120.0, 600.0)  # waits before starting again after 1, 2, 3, 4+ failed starts


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
    if size > MAX_MESSAGE:
        raise ValueError(f"message of {size} bytes: the stream is corrupt")
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

    @property
    def stage(self) -> str:
        """The cascade's last stage as ``AxTreePruner.model_ids`` names it."""
        return f"ft-{self.dense.precision}" if self.dense is not None and self.dense.available else "none"

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

    from ctxprune.cache import code_digest

    torch.set_num_threads(1)  # the request process computes on the other core meanwhile
    guard = _Guard(ft, ft_dtype)
    gc.collect()
    gc.freeze()  # the models stay out of full collections
    write_message(out, ("ready", {"stage": guard.stage, "digest": code_digest()}))
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


def main(ft: str, ft_dtype: str) -> None:
    """The child's entry point (see ``GuardProcess._launch``): replies go to a private copy of file descriptor 1."""
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything else written to stdout, by Python or native code, lands on stderr
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.WARNING)
    try:
        serve(sys.stdin.buffer, replies, ft == "ft", ft_dtype)
    except BrokenPipeError:  # the parent is gone: nothing to answer
        pass


# --------------------------------------------------------------------------------------------------- parent side
class GuardProcess:
    """The parent's handle on one guard child: ``start`` (background), ``submit`` -> Future | None, ``clear``, ``close``.

    Locks: ``_lock`` guards the state (process, pending futures) and is never held while writing to the pipe;
    ``_write_lock`` orders writes. The reply reader takes only ``_lock``, so a writer blocked on a full pipe never stops
    replies from being read (the child, blocked writing a reply, would otherwise never read the rest of the request)."""

    def __init__(self, ft: bool, ft_dtype: str):
        self._args = ["ft" if ft else "no-ft", ft_dtype]
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._pending: dict[int, Future] = {}
        self._next = 0
        self._ready = threading.Event()
        self._settled = threading.Event()  # the last start finished, well or not
        self._settled.set()
        self._starting = False
        self._closed = False
        self._last_reply = time.monotonic()
        self._retry_at = 0.0
        self.info: dict = {}
        self.failures = 0
        self.failed_starts = 0

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    @property
    def stage(self) -> str | None:
        """The child's last guard stage ('ft-bfloat16', 'none', ...), None while it is not ready."""
        return self.info.get("stage") if self.ready else None

    def start(self, wait: bool = False) -> bool:
        """Start the child unless it runs, is starting, or failed to start too recently (backing off); with ``wait``,
        until this start has finished. True when the child is ready."""
        with self._lock:
            if (not self._starting and not self._ready.is_set() and not self._closed
                    and time.monotonic() >= self._retry_at):
                self._starting = True
                self._settled.clear()
                threading.Thread(target=self._launch, name="ctxprune-guard-start", daemon=True).start()
        if wait:
            self._settled.wait(START_TIMEOUT_S)
        return self.ready

    def _command(self) -> list[str]:
        # isolated mode: no PYTHON* variables, no working directory on the path; then this package's folder first,
        # so the child runs the code the parent runs, whatever the working directory holds
        root = str(Path(__file__).resolve().parents[2])
        code = ("import sys; root = sys.argv[1]; sys.path.insert(0, root) if root not in sys.path else None; "
                "from ctxprune.pruners.axtree_guard_process import main; main(sys.argv[2], sys.argv[3])")
        return [sys.executable, "-I", "-c", code, root, *self._args]

    def _launch(self) -> None:
        from ctxprune.cache import code_digest

        proc = None
        try:
            proc = subprocess.Popen(self._command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            hello = read_message(proc.stdout)
            if not (isinstance(hello, tuple) and len(hello) == 2 and hello[0] == "ready"):
                raise RuntimeError(f"the guard process did not start (exit code {proc.poll()})")
            if hello[1].get("digest") != code_digest():
                raise RuntimeError("the guard process runs other code than this process (the package changed on disk?)")
        except Exception:
            log.exception("axtree guard process off: the guard runs in the request process")
            self._kill(proc)
            with self._lock:
                self._starting = False
                self.failures += 1
                self.failed_starts += 1
                self._retry_at = time.monotonic() + RETRY_S[min(self.failed_starts, len(RETRY_S)) - 1]
            self._settled.set()
            return
        with self._lock:
            closed = self._closed
            if not closed:
                self._proc, self.info = proc, dict(hello[1])
                self._starting = False
                self.failed_starts = 0
                self._last_reply = time.monotonic()
                self._ready.set()
        if closed:
            self._kill(proc)
        else:
            threading.Thread(target=self._read, args=(proc,), name="ctxprune-guard-replies", daemon=True).start()
        self._settled.set()

    @staticmethod
    def _kill(proc: subprocess.Popen | None) -> None:
        if proc is None:
            return
        proc.kill()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            log.error("axtree guard process %s did not end after kill", proc.pid)
        for pipe in (proc.stdin, proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass

    def _read(self, proc: subprocess.Popen) -> None:
        why = "the guard process ended"
        try:
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
        except Exception as exc:  # a corrupt stream: the child cannot be trusted any more
            why = f"unreadable reply ({type(exc).__name__}: {exc})"
        finally:
            self._lost(proc, why)

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
        self._kill(proc)
        self.start()  # in the background: requests guard in-process meanwhile

    def _send(self, *message, limit: int | None = None) -> Future | None:
        with self._lock:
            proc = self._proc
            if proc is None or limit is not None and len(self._pending) >= limit:
                return None
            ident = self._next
            self._next += 1
            fut: Future = Future()
            self._pending[ident] = fut
        try:
            with self._write_lock:  # not under _lock: the reader must keep draining replies meanwhile
                write_message(proc.stdin, (message[0], ident, *message[1:]))
        except (OSError, ValueError):  # the pipe broke: the child is gone
            with self._lock:
                self._pending.pop(ident, None)
            self._lost(proc, "the pipe to the guard process broke")
            return None
        return fut

    def submit(self, tree, keep: list[str] | None, goal: str | None) -> Future | None:
        """A future of ``(n_nodes, removals)`` for this tree, or None when the child is not ready or already has
        ``MAX_PENDING`` trees queued (the request then guards in its own process)."""
        if not self.ready:
            self.start()
            return None
        return self._send("guard", tree, keep, goal, limit=MAX_PENDING)

    def clear(self, timeout: float = 30.0) -> None:
        """Forget the child's per-text caches (cold-path benchmarks); waits for it (a failure is logged)."""
        fut = self._send("clear") if self.ready else None
        if fut is None:
            return
        try:
            fut.result(timeout)
        except Exception as exc:
            log.warning("axtree guard process: clear failed (%s)", exc)

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
        """Stop the child (a start in flight is stopped when it finishes); it is not started again."""
        with self._lock:
            self._closed = True
            proc, self._proc = self._proc, None
            self._ready.clear()
        if proc is not None:
            try:
                proc.stdin.close()  # the child ends at the end of its input
                proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass
            self._kill(proc)


_SHARED: dict[tuple, GuardProcess] = {}
_SHARED_LOCK = threading.Lock()


def shared_guard_process(ft: bool, ft_dtype: str) -> GuardProcess:
    """One child per configuration for the whole process (engines built with the same settings share it)."""
    with _SHARED_LOCK:
        key = (ft, ft_dtype)
        if key not in _SHARED:
            _SHARED[key] = GuardProcess(ft, ft_dtype)
        return _SHARED[key]
