"""Benchmark figures are printed and appended to a JSON-lines file, stamped with script, time and load."""
from __future__ import annotations

import json

from ctxprune.bench.figures import FigureLog


def test_figures_are_printed_and_appended(tmp_path, capsys):
    log = FigureLog(tmp_path / "out" / "figures.jsonl", "bench_x")
    log.emit({"p50_ms": 12.5})
    log.emit({"p50_ms": 13.0, "stage": "warm"})
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert printed == [{"p50_ms": 12.5}, {"p50_ms": 13.0, "stage": "warm"}]
    stored = [json.loads(line) for line in (tmp_path / "out" / "figures.jsonl").read_text().splitlines()]
    assert [r["p50_ms"] for r in stored] == [12.5, 13.0]
    assert all(r["script"] == "bench_x" and "at" in r and "load_avg_1m" in r for r in stored)
