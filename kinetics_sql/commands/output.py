"""One output-options bundle for every command that prints rows: table, csv, json, parquet; --columns; the
format of -o FILE from its extension."""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import polars as pl

F = TypeVar("F", bound=Callable[..., Any])
FORMATS = ("table", "csv", "json", "parquet")


# The format a file name implies (-o x.parquet without -f writes Parquet; -f csv -o x.parquet is refused).
EXTENSIONS = {".csv": "csv", ".json": "json", ".parquet": "parquet", ".txt": "table"}


def _keep_columns(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    ctx.meta["output_columns"] = [c.strip() for c in value.split(",") if c.strip()] if value else []


def output_options(func: F) -> F:
    """Adds ``--format``, ``--output`` and ``--columns`` to a click command."""
    func = click.option(
        "--columns",
        default=None,
        expose_value=False,
        callback=_keep_columns,
        help="Only these columns, in this order (a comma list): a table that fits the terminal.",
    )(func)
    func = click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, writable=True),
        default=None,
        help="Write rows to this file instead of standard output; the format follows the extension (.csv, .json, "
        ".parquet, .txt) unless -f says it, and a -f that contradicts the extension is refused.",
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


def resolve_format(fmt: str, output: str | None, fmt_given: bool) -> str:
    """The format to write: ``fmt`` when given, else the one the output file's extension names."""
    if not output:
        return fmt
    implied = EXTENSIONS.get(Path(output).suffix.lower())
    if implied is None:
        return fmt
    if fmt_given and fmt != implied:
        raise click.UsageError(
            f"--format {fmt} contradicts the file name {output} ({implied}): drop -f or change the extension"
        )
    return implied


def select_columns(df: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """The frame with only ``columns`` (an unknown name is a usage error listing the columns there are)."""
    if not columns:
        return df
    unknown = [c for c in columns if c not in df.columns]
    if unknown:
        raise click.UsageError(f"--columns: no column {', '.join(unknown)}; the columns are {', '.join(df.columns)}")
    return df.select(columns)


def _context_options() -> tuple[list[str], bool]:
    """--columns and whether -f was given, from the running click command (none outside one)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return [], True
    source = ctx.get_parameter_source("fmt") if "fmt" in ctx.params else None
    return list(ctx.meta.get("output_columns", [])), source not in (None, click.core.ParameterSource.DEFAULT)


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
    if natural_width(df) > width:  # cells would fold into slivers: one block per row instead (psql's \x)
        heading = f"{title}\n" if title else ""
        return heading + render_long(df.head(max_rows // 2) if cut and max_rows else df, width) + (
            f"{df.height:,} rows, the first {max_rows // 2} shown: -f csv, -f json or --output FILE for every row\n"
            if cut and max_rows
            else ""
        )
    Console(file=buf, width=width, force_terminal=False).print(table)
    if cut and max_rows is not None:
        buf.write(f"{df.height:,} rows, the first and last {max_rows // 2} shown: -f csv, -f json or --output FILE "
                  "for every row\n")
    return buf.getvalue()


# A column folded to fewer characters than this is unreadable (a 4-character cell): below it, the long format.
MIN_CELL = 12


def natural_width(df: pl.DataFrame, fold: int | None = MIN_CELL) -> int:
    """Characters a table of ``df`` needs with every column folded to at most ``fold`` characters (None: no cell
    folded), with rich's borders and padding (3 per column + 1)."""
    sample = df.head(TABLE_ROWS)
    widths = [max([len(name), *(len(_cell(v)) for v in sample[name].to_list())]) for name in sample.columns]
    return sum(w if fold is None else min(w, fold) for w in widths) + 3 * len(widths) + 1


def render_long(df: pl.DataFrame, width: int) -> str:
    """One block per row, a line per column (``name  value``): a wide table on a narrow terminal."""
    key = max((len(c) for c in df.columns), default=0)
    out: list[str] = []
    for i, row in enumerate(df.iter_rows(), 1):
        out.append(f"-[ row {i} ]" + "-" * max(0, min(width, 40) - len(f"-[ row {i} ]")))
        out += [f"{name:<{key}}  {_cell(v)}" for name, v in zip(df.columns, row, strict=True)]
    return "\n".join(out) + "\n"


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
    """Print (or write to ``output``) a frame in the chosen format (or the one ``output``'s extension names), with
    only the --columns of the running command when it has them."""
    columns, fmt_given = _context_options()
    df = select_columns(df, columns)
    fmt = resolve_format(fmt, output, fmt_given)
    data = to_bytes(df, fmt, max_rows=None if output else TABLE_ROWS)  # a file gets every row
    if output:
        write_file(output, data)
        click.echo(f"wrote {df.height} rows to {output} ({fmt})", err=True)
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
