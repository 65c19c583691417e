"""`ingest` and `export`: load sources into the warehouse; write it out as Parquet."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from kinetics_sql import limits
from kinetics_sql.commands.context import State, pass_state
from kinetics_sql.commands.params import TOKENS
from kinetics_sql.errors import KineticsError
from kinetics_sql.facts.methods import METHODS, check_params
from kinetics_sql.ingest import job, sources


def parse_budgets(text: str) -> tuple[int, ...]:
    """'2048:32768:2048' (start:stop:step, inclusive) or '4096,8192,16384'; at most limits.GEN_BUDGETS_MAX budgets,
    each a token count a model can generate (counted before any list is built)."""
    try:
        if ":" in text:
            start, stop, step = (int(x) for x in text.split(":"))
            if step <= 0:
                raise click.BadParameter(f"STEP must be > 0, got {step}", param_hint="--gen-budgets")
            span = range(start, stop + 1, step)
            count = len(span)
        else:
            parts = [x for x in text.split(",") if x.strip()]
            count = len(parts)
            span = None
    except ValueError as exc:
        raise click.BadParameter(
            f"expected START:STOP:STEP or a comma list of integers, got {text!r}", param_hint="--gen-budgets"
        ) from exc
    if count > limits.GEN_BUDGETS_MAX:
        raise click.BadParameter(
            f"{count:,} generation budgets; at most {limits.GEN_BUDGETS_MAX:,} (one trial_budgets row per trace and "
            "budget): give a larger STEP",
            param_hint="--gen-budgets",
        )
    try:
        values = tuple(span) if span is not None else tuple(int(x) for x in parts)
    except ValueError as exc:
        msg = f"expected a comma list of integers, got {text!r}"
        raise click.BadParameter(msg, param_hint="--gen-budgets") from exc
    if not values or any(v <= 0 or v > limits.INT32_MAX for v in values):
        raise click.BadParameter(
            f"generation budgets must be whole token counts from 1 to {limits.INT32_MAX}", param_hint="--gen-budgets"
        )
    return tuple(sorted(set(values)))


@contextmanager
def rich_progress(enabled: bool) -> Iterator[Callable[[str, int | None], Callable[[int], None]]]:
    """A progress factory for loaders: progress(label, total) -> advance(n). Shown after 1 s."""
    if not enabled:
        yield lambda label, total: lambda n: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True
    ) as bar:

        def factory(label: str, total: int | None) -> Callable[[int], None]:
            task = bar.add_task(label, total=total)
            return lambda n: bar.advance(task, n)

        yield factory


DEPRECATED_FORMAT = (
    "warning: `ingest --format` is deprecated, use `--source-format`"
    " (-f/--format of other commands is the output format)"
)


@click.command()
@click.argument("source", nargs=-1)
@click.option(
    "--source-format",
    "fmt",
    type=click.Choice(["auto", *job.FORMATS]),
    default="auto",
    show_default=True,
    help="Format of the SOURCE files; detected from each file by default.",
)
# The old spelling: elsewhere -f/--format is the output format, so ingest's source format got its own name.
@click.option("--format", "legacy_fmt", type=click.Choice(["auto", *job.FORMATS]), hidden=True)
@click.option(
    "--bundled",
    is_flag=True,
    help="Also ingest the data shipped with the package: the Kinetics AIME24 trade-off tables and the "
    "Best-of-Infinity answer tables (AIME24, MATH500, GPQA-Diamond).",
)
@click.option("--force", is_flag=True, help="Re-load sources even when their content is unchanged.")
@click.option("--task", help="Task name (e.g. aime24); generic trial tables need it.")
@click.option("--model", help="Model name in the catalog; overrides what the file says.")
@click.option("--method", type=click.Choice(METHODS), help="Attention method.")
@click.option("--budget", type=TOKENS, help="KV budget in tokens (topk, window, blocktopk; not dense).")
@click.option("--block-size", type=TOKENS, help="Block size in tokens (blocktopk; <= --budget).")
@click.option("--problem-col", help="Trial tables: the problem id column.")
@click.option("--trial-col", help="Trial tables: the trial index column (omit for one row per problem with lists).")
@click.option("--gen-tokens-col", help="Trial tables: generated tokens column.")
@click.option("--prompt-tokens-col", help="Trial tables: prompt tokens column.")
@click.option("--correct-col", help="Trial tables: correctness column (bool, 0/1 or 0/100).")
@click.option("--text-col", help="Trial tables: generated text column (tokenized and scored).")
@click.option("--gold-col", help="Trial tables: gold answer column (with --text-col).")
@click.option("--question-col", help="Trial tables: problem statement column (prompt tokens from the chat template).")
@click.option("--tokenizer", help="tokenizer.json path, folder or Hugging Face id (default: the bundled Qwen3 one).")
@click.option(
    "--gen-budgets",
    default="2048:32768:2048",
    show_default=True,
    help="Long-CoT generation budgets: START:STOP:STEP or a comma list.",
)
@click.option(
    "--allow-implausible",
    is_flag=True,
    help="Accept token counts beyond the model's context length and measurements of models not in the catalog.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bars or per-file lines.")
@pass_state
def ingest(
    state: State,
    source: tuple[str, ...],
    fmt: str,
    legacy_fmt: str | None,
    bundled: bool,
    force: bool,
    quiet: bool,
    gen_budgets: str,
    allow_implausible: bool,
    **mapping: str | int | None,
) -> None:
    """Load SOURCE files, folders or hf://datasets/... paths into the warehouse.

    Formats: Kinetics JSONL reasoning traces (kinetics-jsonl), Kinetics published trade-off
    tables (kinetics-tables), Best-of-Infinity per-sample answer tables (boinf, .jsonl or
    .jsonl.gz), generic per-trial tables from any harness (trials: CSV, Parquet or
    JSONL) and runner measurements. One transaction per invocation: on any error nothing changes.
    Re-ingesting a file replaces its rows; an unchanged file is skipped.
    """
    if legacy_fmt is not None:
        click.secho(DEPRECATED_FORMAT, fg="yellow", err=True)
        if fmt not in ("auto", legacy_fmt):
            raise click.UsageError(
                f"--format {legacy_fmt} contradicts --source-format {fmt}: give only --source-format"
            )
        fmt = legacy_fmt
    refs = list(source)
    if bundled:
        refs[:0] = [str(root) for root in sources.bundled_roots()]
    if not refs:
        raise click.UsageError("name at least one SOURCE, or --bundled")
    method = mapping.get("method") or ("topk" if mapping.get("budget") is not None else None)
    if method is not None:  # the check `cost` makes, on the same types (the loaders check what files say)
        wrong = check_params(method, mapping.get("budget"), mapping.get("block_size"))  # type: ignore[arg-type]
        if wrong:
            raise click.UsageError(wrong)
    options = job.IngestOptions(
        gen_budgets=parse_budgets(gen_budgets),
        allow_implausible=allow_implausible,
        **mapping,  # type: ignore[arg-type]
    )
    resolved = sources.resolve(refs)
    with rich_progress(not quiet) as progress:
        results = job.ingest(state.wh, resolved, fmt=fmt, options=options, force=force, progress=progress)
    loaded = [r for r in results if not r.skipped]
    for r in results:
        for w in r.warnings[:3]:
            click.secho(f"warning: {w}", fg="yellow", err=True)
        if len(r.warnings) > 3:
            literal = "'" + r.source.replace("'", "''") + "'"  # a query the user can paste, whatever the file name
            click.secho(
                f"warning: ... and {len(r.warnings) - 3} more: SELECT * FROM ingest_issues WHERE source = {literal}",
                fg="yellow",
                err=True,
            )
        if not quiet:
            what = ", ".join(f"{k} {v}" for k, v in r.rows.items())
            if r.skipped:
                what = "skipped" if r.warnings else "unchanged, skipped"
            click.echo(f"{r.source} [{r.format}] {what} ({r.seconds:.2f} s)")
    click.echo(f"ingested {len(loaded)} of {len(results)} sources into {state.wh.path}")


@click.command()
@click.option("--parquet", "out_dir", type=click.Path(file_okay=False), help="Parquet for other engines: a folder.")
@click.option(
    "--backup",
    "backup_dir",
    type=click.Path(file_okay=False),
    help="The backup: DuckDB's EXPORT DATABASE of every table (schema and rows) into this new folder; "
    "`kinetics-sql --db NEW.duckdb restore DIR` (IMPORT DATABASE) gives back the same warehouse.",
)
@pass_state
def export(state: State, out_dir: str | None, backup_dir: str | None) -> None:
    """Write every data table of the warehouse as Parquet for Spark, Trino or DuckDB over object storage (--parquet:
    the samples (trials, problems, majority_votes, trial_budgets, published_costs) Hive-partitioned by task and model,
    the catalog, measurements, attention benchmarks, fits (coefficients) and logs as DIR/<table>/data.parquet), or
    back it up (--backup DIR: DuckDB's EXPORT DATABASE; a warehouse stores no macro, kinetics-sql creates them on
    every open, so IMPORT DATABASE of the folder, `kinetics-sql --db NEW.duckdb restore DIR`, restores every table and
    row)."""
    if (out_dir is None) == (backup_dir is None):
        raise click.UsageError("give exactly one of --parquet DIR and --backup DIR")
    if backup_dir is not None:
        from kinetics_sql.warehouse import backup

        wh = state.reader
        if wh.missing:
            raise KineticsError(f"no warehouse at {wh.path} to back up")
        backup(wh, backup_dir)
        click.echo(f"backed up {wh.path} into {backup_dir} (restore: kinetics-sql --db NEW.duckdb restore DIR)")
        return
    from kinetics_sql.ingest.export import export_parquet

    assert out_dir is not None
    try:
        written = export_parquet(state.reader, out_dir)
    except OSError as exc:
        raise KineticsError(f"cannot write {out_dir}: {exc}") from exc
    for table, rows in written.items():
        click.echo(f"{table}: {rows} rows")


@click.command()
@click.argument("backup_dir", type=click.Path(exists=True, file_okay=False))
@pass_state
def restore(state: State, backup_dir: str) -> None:
    """Restore a warehouse backed up with `kinetics-sql export --backup DIR` into the new file --db (DuckDB's IMPORT
    DATABASE; then migrated to this version if older)."""
    from kinetics_sql.warehouse import restore as restore_db

    restore_db(state.db, backup_dir)
    click.echo(f"restored {backup_dir} into {state.db}")


COMMANDS = [ingest, export, restore]
