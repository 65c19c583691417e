"""One output-options bundle for every command that prints rows: table, csv, json, parquet."""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
import polars as pl

F = TypeVar("F", bound=Callable[..., Any])
FORMATS = ("table", "csv", "json", "parquet")


def output_options(func: F) -> F:
    """Adds ``--format`` and ``--output`` to a click command."""
    func = click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, writable=True),
        default=None,
        help="Write rows to this file instead of standard output.",
    )(func)
    func = click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="Row format: a table for people, csv, json (an array of objects) or parquet.",
    )(func)
    return func


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if v != 0 and (abs(v) >= 1e7 or abs(v) < 1e-3):
            return f"{v:.6g}"
        return f"{v:,.6g}" if abs(v) >= 1e4 else f"{v:.6g}"
    return str(v)


# A terminal table shows this many rows at most, the first and last half (rich takes ~4 ms a row: a frontier of
# 12,000 breakpoints took a minute); the caption says how to get every row.
TABLE_ROWS = 60


def render_table(df: pl.DataFrame, title: str | None = None, max_rows: int | None = TABLE_ROWS) -> str:
    from rich.console import Console
    from rich.table import Table

    cut = max_rows is not None and df.height > max_rows
    table = Table(title=title, show_lines=False, header_style="bold")
    for name, dtype in zip(df.columns, df.dtypes, strict=True):
        table.add_column(name, justify="right" if dtype.is_numeric() else "left", overflow="fold")
    if cut and max_rows is not None:
        for row in df.head(max_rows // 2).iter_rows():
            table.add_row(*(_cell(v) for v in row))
        table.add_row(*("..." for _ in df.columns))
        rows = df.tail(max_rows // 2).iter_rows()
    else:
        rows = df.iter_rows()
    for row in rows:
        table.add_row(*(_cell(v) for v in row))
    buf = io.StringIO()
    width = shutil.get_terminal_size((200, 24)).columns
    Console(file=buf, width=width, force_terminal=False).print(table)
    if cut and max_rows is not None:
        buf.write(f"{df.height:,} rows, the first and last {max_rows // 2} shown: -f csv, -f json or --output FILE "
                  "for every row\n")
    return buf.getvalue()


def to_bytes(df: pl.DataFrame, fmt: str, max_rows: int | None = TABLE_ROWS) -> bytes:
    if fmt == "table":
        return render_table(df, max_rows=max_rows).encode()
    if fmt == "csv":
        return df.write_csv().encode()
    if fmt == "json":
        return (json.dumps(df.to_dicts(), default=str, indent=None) + "\n").encode()
    if fmt == "parquet":
        buf = io.BytesIO()
        df.write_parquet(buf)
        return buf.getvalue()
    raise click.BadParameter(f"unknown format {fmt!r}", param_hint="--format")


def write_file(path: str, data: bytes) -> None:
    """Write ``data`` to ``path``; a file that cannot be written (a full disk, a missing folder, /proc) is a clean
    error naming it, and a partly written regular file is removed."""
    try:
        with open(path, "wb") as fh:
            fh.write(data)
            fh.flush()
    except OSError as exc:
        try:
            if os.path.isfile(path):
                os.remove(path)
        except OSError:
            pass
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from exc


def emit(df: pl.DataFrame, fmt: str = "table", output: str | None = None) -> None:
    """Print (or write to ``output``) a frame in the chosen format."""
    data = to_bytes(df, fmt, max_rows=None if output else TABLE_ROWS)  # a file gets every row
    if output:
        write_file(output, data)
        click.echo(f"wrote {df.height} rows to {output}", err=True)
        return
    if fmt == "parquet" and sys.stdout.isatty():
        raise click.UsageError("refusing to write parquet to a terminal: use --output FILE or a pipe")
    stream = getattr(sys.stdout, "buffer", None)
    if stream is None:  # a text-only stdout (some embedding environments)
        sys.stdout.write(data.decode("utf-8", "replace"))
        return
    sys.stdout.flush()
    stream.write(data)
    stream.flush()
