"""`kinetics-sql ingest`: detect each file's format, load it, all in one transaction.

Each format is a module of this package (named in ``FORMATS``, imported when first needed so that a
loader's missing dependency says what to install) with two functions; loaders import what they share
from :mod:`kinetics_sql.ingest.context`, never this module, so no loader depends back on the job:

    detect(path: Path, head: bytes) -> bool      # does this file look like the format?
    load(ctx: LoadContext) -> dict[str, int]     # insert rows; return row counts per table

A re-ingested source replaces its rows (every table with a ``source`` column); an unchanged one
(same sha256, format and options) is skipped. Any error rolls the whole invocation back.
"""

from __future__ import annotations

import gzip
import importlib
import json
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from kinetics_sql import sqlfiles
from kinetics_sql.errors import InputError, KineticsError
from kinetics_sql.ingest.context import IngestOptions, LoadContext
from kinetics_sql.ingest.sources import Source
from kinetics_sql.warehouse import Warehouse, store_source_facts

# Detection order matters: the generic trials format accepts almost anything, so it goes last.
FORMATS: dict[str, str] = {
    "measurements": "kinetics_sql.ingest.measurements",
    "kinetics-jsonl": "kinetics_sql.ingest.kinetics_jsonl",
    "kinetics-tables": "kinetics_sql.ingest.kinetics_tables",
    "boinf": "kinetics_sql.ingest.boinf",
    "trials": "kinetics_sql.ingest.trials",
}
@dataclass
class IngestResult:
    source: str
    format: str
    rows: dict[str, int]
    skipped: bool
    seconds: float
    warnings: list[str]


# Import names whose pip package is spelled differently.
_PIP_NAMES = {"math_verify": "math-verify", "huggingface_hub": "huggingface-hub", "yaml": "pyyaml"}


class MissingDependency(KineticsError):
    """A loader needs a package that is not installed."""


def _module(fmt: str) -> ModuleType:
    """The loader of ``fmt``; a package it needs that is missing is a MissingDependency naming what to install."""
    try:
        return importlib.import_module(FORMATS[fmt])
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if not missing or missing == "kinetics_sql":
            raise
        pip = _PIP_NAMES.get(missing, missing.replace("_", "-"))
        raise MissingDependency(
            f"the {fmt!r} loader needs the Python package {missing!r}, which is not installed: pip install {pip}"
        ) from exc


def read_head(path: Path, n: int = 1 << 16) -> bytes:
    with path.open("rb") as fh:
        return fh.read(n)


def check_text(path: Path, head: bytes) -> None:
    """Refuse binary and UTF-16/32 files (Parquet excepted) before a parser prints their bytes."""
    if head.startswith((b"PAR1", b"\x1f\x8b", b"\x28\xb5\x2f\xfd", b"BZh")):  # Parquet; gzip, zstd, bzip2
        return
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:64].count(b"\x00") > 1:
        raise InputError(
            str(path), "not a UTF-8 text file (binary, or UTF-16/32 text: save it as UTF-8) nor Parquet", line=1
        )
    if b"\x00" in head:  # one stray NUL in a text file: say where it is
        at = head.index(b"\x00")
        line = head[:at].count(b"\n") + 1
        column = at - (head.rfind(b"\n", 0, at) + 1) + 1
        raise InputError(str(path), f"a NUL byte (\\x00) at column {column}: not a text file there", line=line)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the head
            line = head[: exc.start].count(b"\n") + 1
            raise InputError(
                str(path), f"not valid UTF-8 (byte {exc.start + 1}): save it as UTF-8", line=line
            ) from None


def check_gzip(path: Path, head: bytes, *, whole: bool = False) -> None:
    """A .gz file that is not gzip, or (``whole``: reading it through) a gzip stream cut short, said as such."""
    if head.startswith(b"\x1f\x8b"):
        if not whole:
            return
        try:
            with gzip.open(path, "rb") as fh:
                while fh.read(1 << 20):
                    pass
        except (EOFError, OSError, zlib.error) as exc:
            raise InputError(str(path), f"a damaged gzip file (cut off?): {exc}", line=1) from None
    elif path.suffix.lower() == ".gz":
        raise InputError(str(path), "named .gz but not gzip-compressed: rename it or compress it with gzip", line=1)


def detect_format(path: Path, options: IngestOptions) -> str:
    head = read_head(path)
    check_gzip(path, head)
    if not head.strip():
        raise InputError(str(path), "file is empty", line=1)
    check_text(path, head)
    missing: list[MissingDependency] = []
    for fmt in FORMATS:
        if fmt == "trials" and not options.problem_col:
            continue  # a generic table says nothing about itself: only the column options make it one
        try:
            module = _module(fmt)
        except MissingDependency as exc:
            missing.append(exc)  # cannot tell whether the file is in this format
            continue
        if module.detect(path, head):
            return fmt
    check_gzip(path, head, whole=True)  # a gzip stream no loader recognises: cut off?
    if missing:  # the file may well be in a format whose loader cannot run: say what to install
        raise InputError(str(path), f"cannot tell the format: {'; '.join(map(str, missing))}", line=1)
    raise InputError(
        str(path),
        "format not recognised: not Kinetics JSONL traces, not a Kinetics trade-off table, not runner "
        "measurements; for a generic trial table (CSV, Parquet, JSONL) pass --problem-col with --task, --model "
        "and the other column options (or --source-format trials)",
        line=1,
    )


def source_tables(wh: Warehouse) -> list[str]:
    return [r[0] for r in wh.con.execute(sqlfiles.load("ingest/source_tables")).fetchall()]


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
    seen: dict[str, str] = {}  # content hash -> first source of this invocation with it
    with wh.transaction() as con:
        tables = source_tables(wh)
        for src in sources:
            t0 = time.perf_counter()
            chosen = fmt if fmt != "auto" else detect_format(src.path, options)
            if fmt != "auto":
                head = read_head(src.path)
                if not head.strip():
                    raise InputError(str(src.path), "file is empty", line=1)
                check_gzip(src.path, head)
                check_text(src.path, head)
                if not _module(chosen).detect(src.path, head) and chosen != "trials":
                    raise InputError(
                        str(src.path), f"this file is not in the {chosen!r} format (--source-format {chosen})", line=1
                    )
            digest = src.sha256()
            opts_json = options.as_json()
            prior = con.execute(sqlfiles.load("ingest/log_entry"), {"source": src.name}).fetchone()
            if prior and not force and prior[0] == digest and prior[1] == chosen and prior[2] == opts_json:
                results.append(IngestResult(src.name, chosen, {}, True, time.perf_counter() - t0, []))
                continue
            twin = con.execute(sqlfiles.load("ingest/same_content"), {"digest": digest, "source": src.name}).fetchall()
            twin_name = str(twin[0][0]) if twin else seen.get(digest)
            seen.setdefault(digest, src.name)
            if twin_name is not None and not force:
                note = f"{src.name}: same content (sha256) as source {twin_name}: skipped (--force loads it)"
                results.append(IngestResult(src.name, chosen, {}, True, time.perf_counter() - t0, [note]))
                continue
            for table in tables:
                con.execute(sqlfiles.render("ingest/delete_source", table=table), {"source": src.name})
            con.execute(sqlfiles.load("ingest/log_delete"), {"source": src.name})
            ctx = LoadContext(wh, src, options, progress)
            rows = _module(chosen).load(ctx)
            entry = {"source": src.name, "path": str(src.path), "content_hash": digest, "format": chosen,
                     "rows": json.dumps(rows), "options": opts_json}  # fmt: skip
            con.execute(sqlfiles.load("ingest/log_insert"), entry)
            store_source_facts(con, [(src.name, chosen)])
            ctx.warnings.extend(pooling_warnings(wh, src.name))
            results.append(IngestResult(src.name, chosen, rows, False, time.perf_counter() - t0, ctx.warnings))
    return results


def pooling_warnings(wh: Warehouse, source: str) -> list[str]:
    """One warning per configuration of ``source`` that another source also holds (their samples pool)."""
    rows = wh.named("ingest/pooled", {"source": source})
    return [
        f"{source}: {r['task']} / {r['config']} ({r['tbl']}) pools with source(s) {', '.join(r['others'])}: "
        "frontiers merge their samples; select one with --source"
        for r in rows.iter_rows(named=True)
    ]
