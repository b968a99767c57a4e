"""Service load figures: cache-hit throughput, and cold 10-passage throughput at N concurrent clients.

Runs against a real ``ctxprune serve`` process (started here on a free loopback port unless ``--url``
is given) with an async HTTP client, and prints requests/s, p50 and p95 latency and the load
average of the machine (shared machines skew every figure). The same helpers drive the live load
and Redis-outage tests (tests/test_service_load.py).

    python scripts/bench_service.py            # one server per dense dtype (auto, and int8 with the onnx extra)
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import random
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from ctxprune.bench.run import data_dir, load
from ctxprune.pruners import available_kinds

# --------------------------------------------------------------------------- requests per kind
# The REST shapes the acceptance client sends (see ../shared/acceptance/client.py req_*).


def req_passages(ex: dict, budget: dict) -> dict:
    ps = [{"id": f"p{i}", "title": p["title"], "text": " ".join(s.strip() for s in p["sentences"])}
          for i, p in enumerate(ex["context"]["passages"])]
    return {"query": ex["query"], "passages": ps, "budget": budget}


def req_table(ex: dict, budget: dict) -> dict:
    c = ex["context"]
    return {"query": ex["query"], "table": {"title": c.get("title"), "columns": c["header"], "rows": c["rows"]},
            "budget": budget}


def req_axtree(ex: dict, budget: dict) -> dict:
    return {"goal": ex["query"], "axtree": "\n".join(ex["context"]["axtree_lines"]), "budget": budget}


def req_memory(ex: dict, budget: dict) -> dict:
    ss = [{"id": str(s["session_id"]), "time": s["date_time"],
           "turns": [{"id": t[0], "speaker": t[1], "text": t[2]} for t in s["turns"]]}
          for s in ex["context"]["sessions"]]
    return {"query": ex["query"], "sessions": ss, "budget": budget}


def req_prompt(ex: dict, budget: dict) -> dict:
    c = ex["context"]
    return {"instruction": c["instruction_head"], "context": c["context"], "question": c["query_tail"], "budget": budget}


KINDS = {"passages": ("rag", req_passages), "table": ("tables", req_table), "axtree": ("axtree", req_axtree),
         "memory": ("memory", req_memory), "prompt": ("longprompt", req_prompt)}


def mixed_requests(n: int, folder: Path | None = None, seed: int = 0, repeat_share: float = 0.3,
                   kinds: list[str] | None = None) -> list[tuple[str, dict]]:
    """``n`` (path, body) pairs over every registered kind, a share of them repeats (cache hits)."""
    rng = random.Random(seed)
    kinds = [k for k in (kinds or available_kinds()) if k in KINDS]
    pools = {k: [KINDS[k][1](ex, {"ratio": rng.choice([0.2, 0.3, 0.5])})
                 for ex in load(data_dir(str(folder) if folder else None), KINDS[k][0], "dev", 60)] for k in kinds}
    out: list[tuple[str, dict]] = []
    for i in range(n):
        if out and rng.random() < repeat_share:
            out.append(rng.choice(out))
            continue
        k = kinds[i % len(kinds)]
        out.append((f"/v1/prune/{k}", rng.choice(pools[k])))
    return out


# --------------------------------------------------------------------------- server and client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict[str, str] | None = None, timeout_s: float = 600) -> tuple[subprocess.Popen, str]:
    """``ctxprune serve`` in a child process on a free loopback port; returns when /readyz says 200."""
    port = free_port()
    full = {**os.environ, "CTXPRUNE_HOST": "127.0.0.1", "CTXPRUNE_PORT": str(port), "CTXPRUNE_LOG_LEVEL": "warning",
            "HF_HUB_OFFLINE": "1", **(env or {})}
    cli = Path(sys.executable).with_name("ctxprune")
    cmd = [str(cli), "serve"] if cli.exists() else [sys.executable, "-m", "ctxprune.cli", "serve"]
    proc = subprocess.Popen(cmd, env=full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"ctxprune serve exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop_server(proc)
    raise RuntimeError("ctxprune serve never became ready")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    cache: dict[str, int] = field(default_factory=dict)
    wall_s: float = 0.0

    @property
    def ok(self) -> int:
        return self.statuses.get("200", 0)

    def pct(self, q: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")

    def summary(self) -> dict:
        n = len(self.latencies)
        return {"requests": n, "ok": self.ok, "statuses": self.statuses, "cache": self.cache,
                "wall_s": round(self.wall_s, 2), "rps": round(n / self.wall_s, 1) if self.wall_s else 0.0,
                "p50_ms": round(1000 * self.pct(0.5), 1), "p95_ms": round(1000 * self.pct(0.95), 1)}


_CACHE_FIELD = re.compile(rb'"cache"\s*:\s*"(\w+)"')


async def run_load(url: str, requests: list[tuple[str, dict]], concurrency: int, headers: dict | None = None,
                   on_done=None, timeout_s: float = 120) -> LoadResult:
    """Send every request with at most ``concurrency`` in flight; ``on_done(i)`` after each one."""
    res = LoadResult()
    # bodies are serialised before the clock starts and answers are not parsed: the load client shares
    # the machine's cores with the server, and its own JSON work would be counted against the server
    queue = [(i, (path, json.dumps(body).encode())) for i, (path, body) in enumerate(requests)]
    send_headers = {"content-type": "application/json", **(headers or {})}
    done = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, headers=send_headers, timeout=timeout_s, limits=limits) as client:
        async def worker():
            nonlocal done
            while queue:
                _, (path, body) = queue.pop(0)
                t0 = time.perf_counter()
                try:
                    r = await client.post(path, content=body)
                    status = str(r.status_code)
                    if r.status_code == 200:
                        m = _CACHE_FIELD.search(r.content)
                        c = m.group(1).decode() if m else "?"
                        res.cache[c] = res.cache.get(c, 0) + 1
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                res.latencies.append(time.perf_counter() - t0)
                res.statuses[status] = res.statuses.get(status, 0) + 1
                done += 1
                if on_done is not None:
                    await on_done(done)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        res.wall_s = time.perf_counter() - t0
    return res


# --------------------------------------------------------------------------- the benchmark


def _loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def process_cpu_s(pid: int | None) -> float | None:
    """User + system CPU seconds a local process has used (None when it is not readable)."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, TypeError):
        return None


def _phase(url, reqs, c, headers, pid) -> dict:
    before = process_cpu_s(pid)
    out = asyncio.run(run_load(url, reqs, c, headers)).summary()
    after = process_cpu_s(pid)
    if before is not None and after is not None:
        out["server_cpu_ms_per_request"] = round(1000 * (after - before) / max(len(reqs), 1), 2)
    return out


def bench(url: str, folder: Path | None, hit_n: int, hit_c: int, cold_n: int, cold_c: int, serial_n: int,
          headers: dict | None = None, pid: int | None = None) -> dict:
    recs = load(data_dir(str(folder) if folder else None), "rag", "dev", None)
    ten = [r for r in recs if len(r["context"]["passages"]) == 10]
    rng = random.Random(1)
    rng.shuffle(ten)
    budget = {"ratio": 0.3}
    out: dict = {"cpus": os.cpu_count(), "kinds": available_kinds()}
    hit = ("/v1/prune/passages", req_passages(ten[0], budget))
    asyncio.run(run_load(url, [hit], 1, headers))  # the first one fills the cache
    out["load_before_hit"] = _loadavg()
    out["cache_hit"] = _phase(url, [hit] * hit_n, hit_c, headers, pid)
    cold = [("/v1/prune/passages", req_passages(r, budget)) for r in ten[1:]]
    if len(cold) < cold_n + serial_n:
        raise SystemExit(f"only {len(cold)} distinct 10-passage records; lower --cold-n/--serial-n")
    out["load_before_cold"] = _loadavg()
    out["cold_concurrent"] = _phase(url, cold[:cold_n], cold_c, headers, pid)
    if serial_n:
        out["cold_one_at_a_time"] = _phase(url, cold[cold_n:cold_n + serial_n], 1, headers, pid)
    out["load_after"] = _loadavg()
    return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bench_service", description=__doc__.splitlines()[0])
    p.add_argument("--url", default=None, help="a running sidecar (default: start `ctxprune serve` here)")
    p.add_argument("--data", default=None, help="eval data folder (default: ../shared/evaldata or $EVALDATA)")
    p.add_argument("--hit-n", type=int, default=3000)
    p.add_argument("--hit-concurrency", type=int, default=16)
    p.add_argument("--cold-n", type=int, default=96)
    p.add_argument("--cold-concurrency", type=int, default=8)
    p.add_argument("--serial-n", type=int, default=24, help="cold requests sent one at a time, for comparison")
    p.add_argument("--api-key", default=os.environ.get("CTXPRUNE_BENCH_API_KEY"))
    p.add_argument("--env", action="append", default=[], help="KEY=VALUE for the started server (repeatable)")
    p.add_argument("--dtypes", default=None,
                   help="comma-separated CTXPRUNE_DENSE_DTYPE values, one started server each "
                        "(default: auto, plus int8 when the 'onnx' extra is installed; ignored with --url)")
    p.add_argument("--server-pid", type=int, default=None, help="with --url: the server's pid, for its CPU time")
    p.add_argument("--out", default="bench-out/service.json", help="where the figures are written (JSON)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of lines")
    return p


def _dtypes(arg: str | None) -> list[str]:
    if arg:
        return [d.strip() for d in arg.split(",") if d.strip()]
    from ctxprune.onnx_dense import onnx_available

    return ["auto", "int8"] if onnx_available() else ["auto"]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    headers = {"X-API-Key": args.api_key} if args.api_key else None
    folder = Path(args.data) if args.data else None
    runs: dict[str, dict] = {}
    if args.url is not None:
        runs["server at " + args.url] = bench(args.url, folder, args.hit_n, args.hit_concurrency, args.cold_n,
                                              args.cold_concurrency, args.serial_n, headers, args.server_pid)
    else:
        env = dict(kv.split("=", 1) for kv in args.env)
        for dtype in _dtypes(args.dtypes):
            proc, url = start_server({**env, "CTXPRUNE_DENSE_DTYPE": dtype})
            try:
                runs[f"dense dtype {dtype}"] = bench(url, folder, args.hit_n, args.hit_concurrency, args.cold_n,
                                                     args.cold_concurrency, args.serial_n, headers, proc.pid)
            finally:
                stop_server(proc)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(runs, indent=2))
    if args.json:
        print(json.dumps(runs, indent=2))
        return 0
    for label, figures in runs.items():
        print(f"== {label}: {figures['cpus']} CPUs; kinds registered: {', '.join(figures['kinds'])}")
        for name, what in (("cache_hit", f"cache-hit  ({args.hit_concurrency} clients)"),
                           ("cold_concurrent", f"cold 10-passage ({args.cold_concurrency} clients)"),
                           ("cold_one_at_a_time", "cold 10-passage (1 client)")):
            f = figures.get(name)
            if f:
                print(f"{what:34s} {f['rps']:7.1f} req/s  p50 {f['p50_ms']:7.1f} ms  p95 {f['p95_ms']:7.1f} ms  "
                      f"ok {f['ok']}/{f['requests']}  server CPU {f.get('server_cpu_ms_per_request', 'n/a')} ms/req")
        print(f"load average (1/5/15 min): before hit {figures['load_before_hit']}, "
              f"before cold {figures['load_before_cold']}, after {figures['load_after']}")
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
