import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_folder_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = set()
    for init in (ROOT / "ctxprune").rglob("__init__.py"):
        found.add(".".join(init.parent.relative_to(ROOT).parts))
    for init in (ROOT / "service").rglob("__init__.py"):
        found.add(".".join(("ctxprune_service",) + init.parent.relative_to(ROOT / "service").parts))
    assert found == listed


def test_service_is_importable_under_its_installed_name():
    from ctxprune_service.app import create_app

    assert callable(create_app)


@pytest.mark.slow
def test_cli_prune_prints_result_json(tmp_path):
    req = {"query": "capital of Poland", "passages": [
        {"title": "Warsaw", "text": "Warsaw is the capital of Poland. It lies on the Vistula."},
        {"title": "Bananas", "text": "Bananas are yellow."}]}
    f = tmp_path / "req.json"
    f.write_text(json.dumps(req))
    out = subprocess.run([sys.executable, "-m", "ctxprune.cli", "prune", "passages", "--input", str(f), "--ratio", "0.5"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert body["passages"][0]["title"] == "Warsaw" and body["stats"]["tokenizer"] == "cl100k_base"


def test_cli_prune_reports_bad_input_without_a_traceback(tmp_path):
    f = tmp_path / "req.json"
    f.write_text(json.dumps({"query": "", "passages": [{"text": "x"}]}))
    out = subprocess.run([sys.executable, "-m", "ctxprune.cli", "prune", "passages", "--input", str(f)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2 and "query" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.slow
def test_serve_answers_over_real_http():
    import time

    import httpx

    from tests.conftest import free_port

    port = free_port()
    proc = subprocess.Popen([str(Path(sys.executable).parent / "ctxprune"), "serve", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(600):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        r = httpx.post(f"http://127.0.0.1:{port}/v1/prune/passages", timeout=60,
                       json={"query": "capital of Poland", "passages": [{"title": "Warsaw", "text": "Warsaw is the capital of Poland."}]})
        assert r.status_code == 200 and r.json()["passages"][0]["title"] == "Warsaw"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
