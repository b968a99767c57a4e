"""The ``ctxprune`` command: ``serve``, ``prune`` and ``bench``."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ctxprune.config import get_settings

    settings = get_settings()
    from ctxprune_service.app import create_app  # installed name of the repository's service/ folder
    from ctxprune_service.observability import configure_logging

    configure_logging(settings.log_level, settings.log_format)  # JSON lines with a request id; no bodies
    uvicorn.run(create_app(settings), host=args.host or settings.host, port=args.port or settings.port,
                log_level=settings.log_level, workers=1, log_config=None, access_log=False)
    return 0


def _prune(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from ctxprune.api import default_engine, to_json
    from ctxprune.errors import CtxPruneError

    payload = json.loads(Path(args.input).read_text() if args.input != "-" else sys.stdin.read())
    if isinstance(payload, list):  # a bare list of units: wrap it under the kind's natural field
        payload = {args.kind if args.kind != "memory" else "sessions": payload}
    if args.query is not None:
        payload["query" if args.kind not in ("axtree",) else "goal"] = args.query
    if args.ratio is not None:
        payload["budget"] = {"ratio": args.ratio}
    elif args.max_tokens is not None:
        payload["budget"] = {"max_tokens": args.max_tokens}
    try:
        result = default_engine().prune(args.kind, payload)
    except (ValidationError, CtxPruneError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(to_json(result))
    return 0


def _bench(args: argparse.Namespace) -> int:
    from ctxprune.bench.run import main as bench_main

    return bench_main(args)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ctxprune", description="Query-aware context pruning for LLM inputs.")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="run the REST sidecar")
    s.add_argument("--host", default=None)
    s.add_argument("--port", type=int, default=None)
    s.set_defaults(func=_serve)

    pr = sub.add_parser("prune", help="prune one context from a JSON file and print the result")
    pr.add_argument("kind")
    pr.add_argument("--input", required=True, help="JSON request (or a bare list of units); '-' for stdin")
    pr.add_argument("--query", default=None, help="query / goal (overrides the file's)")
    g = pr.add_mutually_exclusive_group()
    g.add_argument("--ratio", type=float, default=None)
    g.add_argument("--max-tokens", type=int, default=None)
    pr.set_defaults(func=_prune)

    b = sub.add_parser("bench", help="recall-vs-budget and latency figures on the eval data")
    b.add_argument("--kinds", default="passages")
    b.add_argument("--split", default="dev")
    b.add_argument("--data", default=None, help="folder of the eval data (default: ../shared/evaldata or $EVALDATA)")
    b.add_argument("--limit", type=int, default=None)
    b.add_argument("--ratios", default="0.1,0.2,0.3,0.5")
    b.add_argument("--out", default="bench-out")
    b.add_argument("--latency-runs", type=int, default=30)
    b.add_argument("--no-rest", action="store_true", help="skip the REST latency figures")
    b.add_argument("--peer-limit", type=int, default=5,
                   help="prompt kind: records LongLLMLingua compresses when the peers venv exists (0: skip)")
    b.add_argument("--peers-python", default=None, help="the peers venv's python (default: .venv-peers, `make bench-peers`)")
    b.set_defaults(func=_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
