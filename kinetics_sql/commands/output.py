"""One output-options bundle for every command that prints rows: table, csv, json, parquet."""

from __future__ import annotations

import io
import json
import math
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


def render_table(df: pl.DataFrame, title: str | None = None) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    for name, dtype in zip(df.columns, df.dtypes, strict=True):
        table.add_column(name, justify="right" if dtype.is_numeric() else "left", overflow="fold")
    for row in df.iter_rows():
        table.add_row(*(_cell(v) for v in row))
    buf = io.StringIO()
    width = shutil.get_terminal_size((200, 24)).columns
    Console(file=buf, width=width, force_terminal=False).print(table)
    return buf.getvalue()


def to_bytes(df: pl.DataFrame, fmt: str) -> bytes:
    if fmt == "table":
        return render_table(df).encode()
    if fmt == "csv":
        return df.write_csv().encode()
    if fmt == "json":
        return (json.dumps(df.to_dicts(), default=str, indent=None) + "\n").encode()
    if fmt == "parquet":
        buf = io.BytesIO()
        df.write_parquet(buf)
        return buf.getvalue()
    raise click.BadParameter(f"unknown format {fmt!r}", param_hint="--format")


def emit(df: pl.DataFrame, fmt: str = "table", output: str | None = None) -> None:
    """Print (or write to ``output``) a frame in the chosen format."""
    data = to_bytes(df, fmt)
    if output:
        with open(output, "wb") as fh:
            fh.write(data)
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
