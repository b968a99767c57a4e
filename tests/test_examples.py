"""Every example runs offline as a subprocess and prints tokens before/after, with fewer after.

An example whose kind is not registered here (its branch not merged yet) is skipped with a message
naming the kind, so it turns on by itself once the kind lands.
"""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ctxprune.config import Settings
from ctxprune.pruners import available_kinds
from tests.conftest import EVALDATA, IN_CI, free_port

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = {"rag_faiss.py": "passages", "web_agent_axtree.py": "axtree", "chat_memory.py": "memory",
            "table_qa.py": "table", "openai_proxy.py": "proxy"}
TOTAL = re.compile(r"^total[^:]*: (\d+) -> (\d+) tokens", re.M)


def test_every_example_is_listed():
    assert sorted(p.name for p in (REPO / "examples").glob("*.py") if not p.name.startswith("_")) == sorted(EXAMPLES)


def needs(what: str) -> None:
    if what == "proxy":
        if "upstream_url" not in Settings.model_fields:
            pytest.skip("the chat proxy (POST /v1/chat/completions) is not in this installation: merge the middleware branch")
        if importlib.util.find_spec("openai") is None:
            pytest.skip("the openai SDK is not installed (dev extra)")
    elif what not in available_kinds():
        pytest.skip(f"kind {what!r} is not registered (ctxprune.pruners.available_kinds() = {available_kinds()}): "
                    f"its example runs once the {what} branch is merged")
    if not EVALDATA.exists():
        if IN_CI:
            pytest.fail(f"eval data missing at {EVALDATA}")
        pytest.skip(f"eval data not found at {EVALDATA} (set EVALDATA)")


def run(script: str, *args: str) -> str:
    env = dict(os.environ, HF_HUB_OFFLINE="1", EVALDATA=str(EVALDATA), PYTHONUNBUFFERED="1")
    proc = subprocess.run([sys.executable, str(REPO / "examples" / script), *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(EXAMPLES))
def test_example_runs_and_prunes(script):
    needs(EXAMPLES[script])
    out = run(script)
    m = TOTAL.search(out)
    assert m, out[-2000:]
    before, after = int(m.group(1)), int(m.group(2))
    assert 0 < after < before, out[-2000:]


@pytest.mark.slow
def test_rag_example_through_the_client(engine):
    """The same example with --url: the typed client against a real sidecar."""
    from ctxprune_service.app import create_app
    from ctxprune_service.embedded import serve_in_thread

    needs("passages")
    extra = {"api_keys": "ex-key"} if "api_keys" in Settings.model_fields else {}
    with serve_in_thread(create_app(Settings(redis_url=None, warm_up_on_start=False, **extra), engine=engine),
                         free_port(), ready_path="/readyz") as url:
        out = run("rag_faiss.py", "--url", url, "--questions", "2", "--records", "10", "--api-key", "ex-key")
    m = TOTAL.search(out)
    assert m and 0 < int(m.group(2)) < int(m.group(1)), out[-2000:]
