"""Table input: request models and parsing of the four accepted shapes into one canonical table.

Accepted: ``{"columns": [...], "rows": [[...]]}``, ``{"records": [{...}]}``, ``{"csv": "..."}`` and
``{"markdown": "..."}``. Cells stay verbatim (their JSON type is kept); a ``text`` view of every
cell is what scoring reads. Ragged rows are padded with null (or rejected when longer than the
header), empty column names get a positional name for scoring only, duplicate names are allowed.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from typing_extensions import Annotated

from ctxprune.contract import NonBlankStr, PruneRequest, PruneResult
from ctxprune.errors import InvalidRequest

MAX_ROWS = 50_000
MAX_COLUMNS = 500
MAX_CELLS = 1_000_000
MAX_CELL_CHARS = 20_000
MAX_TEXT_CHARS = 20_000_000

Cell = Union[Annotated[str, StringConstraints(max_length=MAX_CELL_CHARS)], int, float, bool, None]
ColumnName = Annotated[str, StringConstraints(max_length=1024)]


class TableInput(BaseModel):
    """Exactly one of: ``columns`` + ``rows``, ``records``, ``csv``, ``markdown``."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=4096)
    columns: list[ColumnName | None] | None = Field(None, max_length=MAX_COLUMNS)
    rows: list[list[Cell]] | None = Field(None, max_length=MAX_ROWS)
    records: list[dict[ColumnName, Cell]] | None = Field(None, max_length=MAX_ROWS)
    csv: str | None = Field(None, max_length=MAX_TEXT_CHARS)
    markdown: str | None = Field(None, max_length=MAX_TEXT_CHARS)

    @model_validator(mode="after")
    def _one_shape(self) -> "TableInput":
        given = [n for n in ("columns", "records", "csv", "markdown") if getattr(self, n) is not None]
        if self.rows is not None and self.columns is None:
            raise ValueError("'rows' needs 'columns' (the header)")
        if len(given) != 1:
            raise ValueError("give exactly one of 'columns'+'rows', 'records', 'csv' or 'markdown'")
        if self.columns is not None:
            if not self.columns:
                raise ValueError("'columns' is empty")
            rows = self.rows or []
            cells = len(rows) * len(self.columns)
            if cells > MAX_CELLS:
                raise ValueError(f"table has {cells} cells, over the limit of {MAX_CELLS}")
            for i, r in enumerate(rows):
                if len(r) > len(self.columns):
                    raise ValueError(f"rows[{i}] has {len(r)} cells but there are {len(self.columns)} columns")
        if self.records is not None:
            keys = {k for r in self.records for k in r}
            if len(keys) > MAX_COLUMNS:
                raise ValueError(f"records have {len(keys)} distinct keys, over the limit of {MAX_COLUMNS}")
            if len(keys) * len(self.records) > MAX_CELLS:
                raise ValueError(f"table has {len(keys) * len(self.records)} cells, over the limit of {MAX_CELLS}")
        return self


class TableRequest(PruneRequest):
    query: NonBlankStr = Field(..., max_length=20_000, description="the question the kept cells must answer")
    table: TableInput
    format: Literal["markdown", "csv", "json", "compact"] = Field(
        "markdown", description="format of `rendered`; compact = CSV rows under one typed header")


class TableOut(BaseModel):
    title: str | None = None
    columns: list[str | None]
    rows: list[list[Cell]]


class TableResult(PruneResult):
    table: TableOut
    kept_columns: list[int]
    kept_rows: list[int]
    rendered: str
    format: str = "markdown"


@dataclass
class Table:
    """Canonical table: original names and cells, plus string views used for scoring."""

    title: str
    columns: list[Any]
    rows: list[list[Any]]
    names: list[str] = field(default_factory=list)  # scoring names: never empty
    text: list[list[str]] = field(default_factory=list)  # text[r][c]

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    @property
    def n_cols(self) -> int:
        return len(self.columns)


def cell_text(v: Any) -> str:
    """How a cell reads as text (and how the acceptance client renders it: ``str(v)``)."""
    return str(v)


def _finish(title: str | None, columns: list[Any], rows: list[list[Any]]) -> Table:
    n = len(columns)
    rows = [list(r) + [None] * (n - len(r)) for r in rows]  # ragged rows: pad with null
    names = []
    for j, c in enumerate(columns):
        name = "" if c is None else str(c).strip()
        names.append(name or f"column {j + 1}")
    text = [["" if v is None else cell_text(v) for v in r] for r in rows]
    return Table(title=title or "", columns=list(columns), rows=rows, names=names, text=text)


def parse_csv(text: str) -> tuple[list[str], list[list[str]]]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    lines = [r for r in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in r)]
    if not lines:
        raise InvalidRequest("table.csv", "no header row found")
    return lines[0], lines[1:]


_SEP_CELL = re.compile(r"^\s*:?-{1,}:?\s*$")


def _md_cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    parts = re.split(r"(?<!\\)\|", s)
    return [p.strip().replace("\\|", "|") for p in parts]


def parse_markdown(text: str) -> tuple[list[str], list[list[str]]]:
    lines = [l for l in text.splitlines() if l.strip() and "|" in l]
    if not lines:
        raise InvalidRequest("table.markdown", "no table rows ('| a | b |') found")
    header = _md_cells(lines[0])
    body = lines[1:]
    if body and all(_SEP_CELL.match(c) for c in _md_cells(body[0]) if c != ""):
        body = body[1:]
    return header, [_md_cells(l) for l in body]


def _check_size(field_name: str, columns: list, rows: list) -> None:
    if len(columns) > MAX_COLUMNS:
        raise InvalidRequest(field_name, f"{len(columns)} columns, over the limit of {MAX_COLUMNS}")
    if len(rows) > MAX_ROWS or len(rows) * len(columns) > MAX_CELLS:
        raise InvalidRequest(field_name, f"{len(rows)} rows x {len(columns)} columns is over the size limit "
                                         f"({MAX_ROWS} rows, {MAX_CELLS} cells)")


def parse_table(t: TableInput) -> Table:
    """Any accepted shape -> Table. Raises InvalidRequest naming the field on malformed text input."""
    if t.columns is not None:
        return _finish(t.title, list(t.columns), [list(r) for r in (t.rows or [])])
    if t.records is not None:
        cols: list[str] = []
        seen: set[str] = set()
        for r in t.records:
            for k in r:
                if k not in seen:
                    seen.add(k)
                    cols.append(k)
        if not cols:
            raise InvalidRequest("table.records", "records have no keys")
        return _finish(t.title, cols, [[r.get(c) for c in cols] for r in t.records])
    name = "table.csv" if t.csv is not None else "table.markdown"
    header, rows = parse_csv(t.csv) if t.csv is not None else parse_markdown(t.markdown or "")
    _check_size(name, header, rows)
    for i, r in enumerate(rows):
        if len(r) > len(header):
            if any(c.strip() for c in r[len(header):]):
                raise InvalidRequest(name, f"row {i + 1} has {len(r)} cells but the header has {len(header)}")
            rows[i] = r[: len(header)]
    return _finish(t.title, header, rows)
