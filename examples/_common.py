"""Helpers the examples share: where the dev data lives, pruning in process or through the client, token counts."""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
EVALDATA = Path(os.environ.get("EVALDATA", REPO.parent / "shared" / "evaldata"))


def load_jsonl(folder: str, name: str = "dev.jsonl", limit: int | None = None) -> list[dict]:
    path = EVALDATA / folder / name
    if not path.exists():
        raise SystemExit(f"dev data not found at {path}: set EVALDATA to the evaldata folder")
    rows = []
    with path.open() as f:
        for line in f:
            rows.append(json.loads(line))
            if limit and len(rows) >= limit:
                break
    return rows


def parser(doc: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    ap.add_argument("--url", default=None, help="prune through a running sidecar (ctxprune serve) instead of in process")
    ap.add_argument("--api-key", default=os.environ.get("CTXPRUNE_API_KEY"))
    return ap


def pruner(kind: str, url: str | None = None, api_key: str | None = None):
    """A function payload -> result dict, in process (default) or through the typed client."""
    if url:
        from ctxprune.client import CtxPruneClient

        client = CtxPruneClient(url, api_key=api_key, typed=False)
        return lambda payload: client.prune(kind, payload)
    from ctxprune.api import default_engine
    from ctxprune.pruners import available_kinds

    if kind not in available_kinds():
        raise SystemExit(f"kind {kind!r} is not registered in this installation (available: {available_kinds()})")
    engine = default_engine()
    return lambda payload: engine.prune(kind, payload).model_dump(mode="json")


def count(text: str) -> int:
    from ctxprune.tokens import get_counter

    return get_counter().count(text)


def report(label: str, before: int, after: int) -> str:
    return f"{label}: {before} -> {after} tokens ({100 * (1 - after / max(before, 1)):.0f}% fewer)"
