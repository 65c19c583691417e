"""`kinetics-sql ingest`: detect each file's format, load it, all in one transaction.

Each format is a module of this package with two functions:

    detect(path: Path, head: bytes) -> bool      # does this file look like the format?
    load(ctx: LoadContext) -> dict[str, int]     # insert rows; return row counts per table

A re-ingested source replaces its rows (every table with a ``source`` column); an unchanged one
(same sha256, format and options) is skipped. Any error rolls the whole invocation back.
"""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from kinetics_sql.errors import InputError, KineticsError
from kinetics_sql.ingest.sources import Source
from kinetics_sql.warehouse import Warehouse

# Detection order matters: the generic trials format accepts almost anything, so it goes last.
FORMATS: dict[str, str] = {
    "measurements": "kinetics_sql.ingest.measurements",
    "kinetics-jsonl": "kinetics_sql.ingest.kinetics_jsonl",
    "kinetics-tables": "kinetics_sql.ingest.kinetics_tables",
    "trials": "kinetics_sql.ingest.trials",
}
DEFAULT_GEN_BUDGETS = tuple(range(2048, 32768 + 1, 2048))


@dataclass
class IngestOptions:
    """Everything a loader may need beyond the file; recorded in ingest_log.options."""

    task: str | None = None
    model: str | None = None
    method: str | None = None
    budget: int | None = None
    block_size: int | None = None
    problem_col: str | None = None
    trial_col: str | None = None
    gen_tokens_col: str | None = None
    prompt_tokens_col: str | None = None
    correct_col: str | None = None
    text_col: str | None = None
    gold_col: str | None = None
    question_col: str | None = None
    tokenizer: str | None = None
    gen_budgets: tuple[int, ...] = DEFAULT_GEN_BUDGETS
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, default=list)


@dataclass
class LoadContext:
    wh: Warehouse
    source: Source
    options: IngestOptions
    progress: Callable[[str, int | None], Callable[[int], None]]
    warnings: list[str] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.source.path

    def issue(self, problem_id: str | None, message: str) -> None:
        """Record a data problem that does not stop the ingest (table ingest_issues + a warning)."""
        self.wh.con.execute(
            "INSERT INTO ingest_issues (source, problem_id, message) VALUES (?, ?, ?)",
            [self.source.name, problem_id, message],
        )
        self.warnings.append(f"{self.source.name}: problem {problem_id}: {message}")

    def error(self, message: str, *, line: int | None = None, field: str | None = None) -> InputError:
        return InputError(str(self.source.path), message, line=line, field=field)


@dataclass
class IngestResult:
    source: str
    format: str
    rows: dict[str, int]
    skipped: bool
    seconds: float
    warnings: list[str]


def _module(fmt: str) -> ModuleType:
    return importlib.import_module(FORMATS[fmt])


def read_head(path: Path, n: int = 1 << 16) -> bytes:
    with path.open("rb") as fh:
        return fh.read(n)


def detect_format(path: Path, options: IngestOptions) -> str:
    head = read_head(path)
    if not head.strip():
        raise InputError(str(path), "file is empty", line=1)
    for fmt in FORMATS:
        if fmt == "trials" and not options.problem_col:
            continue  # a generic table says nothing about itself: only the column options make it one
        try:
            module = _module(fmt)
        except ModuleNotFoundError:
            continue
        if module.detect(path, head):
            return fmt
    raise InputError(
        str(path),
        "format not recognised: not Kinetics JSONL traces, not a Kinetics trade-off table, not runner "
        "measurements; for a generic trial table (CSV, Parquet, JSONL) pass --problem-col with --task, --model "
        "and the other column options (or --format trials)",
        line=1,
    )


def source_tables(wh: Warehouse) -> list[str]:
    rows = wh.con.execute(
        "SELECT DISTINCT table_name FROM duckdb_columns() WHERE column_name = 'source'"
        " AND schema_name = 'main' AND table_name <> 'ingest_log' AND NOT internal ORDER BY 1"
    ).fetchall()
    views = {r[0] for r in wh.con.execute("SELECT view_name FROM duckdb_views()").fetchall()}
    return [r[0] for r in rows if r[0] not in views]


def ingest(
    wh: Warehouse,
    sources: list[Source],
    *,
    fmt: str = "auto",
    options: IngestOptions | None = None,
    force: bool = False,
    progress: Callable[[str, int | None], Callable[[int], None]] | None = None,
) -> list[IngestResult]:
    """Ingest every source in one transaction; on any error nothing is changed."""
    options = options or IngestOptions()
    if fmt != "auto" and fmt not in FORMATS:
        raise KineticsError(f"unknown format {fmt!r} (expected auto, {', '.join(FORMATS)})")
    progress = progress or (lambda label, total: lambda n: None)
    results: list[IngestResult] = []
    with wh.transaction() as con:
        tables = source_tables(wh)
        for src in sources:
            t0 = time.perf_counter()
            chosen = fmt if fmt != "auto" else detect_format(src.path, options)
            if fmt != "auto":
                head = read_head(src.path)
                if not head.strip():
                    raise InputError(str(src.path), "file is empty", line=1)
                if not _module(chosen).detect(src.path, head) and chosen != "trials":
                    raise InputError(
                        str(src.path), f"this file is not in the {chosen!r} format (--format {chosen})", line=1
                    )
            digest = src.sha256()
            opts_json = options.as_json()
            prior = con.execute(
                "SELECT content_hash, format, options::VARCHAR FROM ingest_log WHERE source = ?", [src.name]
            ).fetchone()
            if prior and not force and prior[0] == digest and prior[1] == chosen and prior[2] == opts_json:
                results.append(IngestResult(src.name, chosen, {}, True, time.perf_counter() - t0, []))
                continue
            for table in tables:
                con.execute(f'DELETE FROM "{table}" WHERE source = ?', [src.name])
            con.execute("DELETE FROM ingest_log WHERE source = ?", [src.name])
            ctx = LoadContext(wh, src, options, progress)
            rows = _module(chosen).load(ctx)
            con.execute(
                "INSERT INTO ingest_log (source, path, content_hash, format, rows, options) VALUES (?, ?, ?, ?, ?, ?)",
                [src.name, str(src.path), digest, chosen, json.dumps(rows), opts_json],
            )
            results.append(IngestResult(src.name, chosen, rows, False, time.perf_counter() - t0, ctx.warnings))
    return results
