"""`frontier`, `compare` and `report`: the paper's analysis as SQL window queries and Altair charts."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click

from kinetics_sql import compare_adaptive, compare_gpus, compare_offload, limits, pricing, selection
from kinetics_sql import frontier as fr
from kinetics_sql.commands import params
from kinetics_sql.commands.context import State, pass_state
from kinetics_sql.commands.output import emit, output_options, render_table, write_file
from kinetics_sql.commands.params import GPUS, Finite, choice_option, only_with, pricing_options
from kinetics_sql.costmodel import OFFLOAD_COSTS
from kinetics_sql.facts.methods import METHODS, ORACLE_LABEL, considered
from kinetics_sql.spec import Pricing, Selection
from kinetics_sql.warehouse import Warehouse

F = TypeVar("F", bound=Callable[..., Any])


def _reader_for(state: State, spec: fr.FrontierSpec) -> Warehouse:
    """The warehouse, read-only, after checking the selection names data it holds; says what a dollar cost is."""
    wh = state.reader
    selection.check(wh, spec.selection.task, spec.selection.strategy, spec.selection.sources)
    if spec.cost in pricing.COSTS:
        click.echo(pricing.describe(wh, spec), err=True)
    return wh


def _note_oracle(df: Any) -> None:
    """Say on stderr that rows of oracle top-k are bounds, where a result shows any."""
    if "method" in getattr(df, "columns", []) and df.height and (df["method"] == "topk").any():
        click.echo(f"rows with method topk: {ORACLE_LABEL}", err=True)


offload_options = pricing_options  # frontier's and compare's name for them


def _selection(options: dict[str, Any], *, deployable_only: bool) -> Selection:
    """The selection of the options; with ``deployable_only`` the methods are the deployable ones unless
    --include-oracle or --method says otherwise."""
    selection = Selection.from_options(options)
    if deployable_only:
        selection = replace(selection, methods=considered(selection.methods, options["include_oracle"]))
    return selection


def selection_options(func: F) -> F:
    """Which data and cost model a frontier is drawn from (shared by frontier and compare)."""
    options = [
        click.option("--task", default="aime24", show_default=True, help="Task (problems.task)."),
        choice_option(
            "--strategy",
            fr.STRATEGIES,
            "best-of-n",
            "best-of-n: N = 1, 2, 4, ... samples (coverage); long-cot: traces cut at generation budgets "
            "(table trial_budgets; for answer tables from lengths: correct and within the budget, a lower bound); "
            "majority: N samples vote, the plurality answer must be gold (table majority_votes); majority-budget: "
            "the same with each sample capped at a generation budget (configurations '... cap B'); "
            "adaptive-majority: draw until the leading answer is K votes ahead (setting = K; table adaptive_votes); "
            "adaptive-esc: until a window of w samples is unanimous (setting = w; Li et al., ICLR 2024).",
        ),
        click.option(
            "--batch",
            type=int,
            default=1,
            show_default=True,
            help="adaptive-majority: samples drawn at once before the rule looks (1 or 8); the latency regime "
            "waits for each batch's longest sample.",
        ),
        click.option(
            "--max-n",
            type=int,
            default=None,
            help="adaptive strategies: stop at this many samples at most (32; default: all samples of the table).",
        ),
        params.hardware_option(
            "Hardware profile: i = 2 * peak / HBM bytes/s for eFLOPs; seconds = cost / peak (eFLOPs: / (2 * peak),"
            " the paper's B200 seconds; never the KV bytes twice)."
        ),
        choice_option(
            "--variant",
            fr.VARIANTS,
            "exact",
            "Sparse KV term: exact, or published (what the Kinetics tables used).",
        ),
        click.option("--model", "models", multiple=True, help="Only these models (repeatable)."),
        click.option(
            "--method",
            "methods",
            type=click.Choice(METHODS),
            multiple=True,
            help="Only these attention methods (repeatable).",
        ),
        choice_option(
            "--kind",
            fr.KINDS,
            "oracle",
            "oracle: best arm per problem (the paper's); deployable: one arm for every problem.",
        ),
        click.option(
            "--include-oracle",
            is_flag=True,
            help="--kind deployable and compare: also consider oracle top-k (an upper bound that no engine runs: it "
            "scores every key to pick its top k). Default without --method: dense, blocktopk and window.",
        ),
        GPUS,
        click.option(
            "--source",
            "sources",
            multiple=True,
            help="Only rows ingested from sources matching this SQL LIKE pattern (ingest_log.source; repeatable): "
            "'aime24_%' the Kinetics files, 'analysis_%' the Best-of-Infinity tables, or one file's name. Without "
            "it, sources of one configuration pool their samples (ingest warns when that happens).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.command()
@selection_options
@choice_option(
    "--cost",
    fr.COSTS,
    "eflops",
    "Cost model. dollars: USD per 1,000 problems, one problem at a time (latency regime); dollars-throughput: "
    "as many problems at once as the VRAM holds; both at the profile's price per GPU-hour.",
)
@choice_option(
    "--by",
    fr.BYS,
    "none",
    "Group arms; the result is the envelope over groups, each breakpoint labelled with its winner.",
)
@click.option("--per-group", is_flag=True, help="One frontier per group (column 'group') instead of their envelope.")
@click.option(
    "--grid",
    type=click.IntRange(2, limits.GRID_MAX),
    default=None,
    help=f"Sample on N log-spaced costs (the notebooks used 100; at most {limits.GRID_MAX:,}, finer than a chart).",
)
@click.option(
    "--smooth",
    type=click.IntRange(1, limits.GRID_MAX),
    default=1,
    show_default=True,
    help="With --grid: centred moving average of this odd width (the notebooks used 3).",
)
@click.option("--grid-min", type=Finite(), default=None, help="With --grid: lowest cost (raw units).")
@click.option("--grid-max", type=Finite(), default=None, help="With --grid: highest cost (raw units).")
@params.bootstrap_option(
    0, 0, f"Replicates resampling problems: adds lower/upper, a 95% band (at most {limits.BOOTSTRAP_MAX:,})."
)
@params.SEED
@offload_options
@params.file_option("--out", "chart", text="Also draw the frontier: FILE.html (interactive), .png or .svg.")
@output_options
@click.pass_context
def frontier(
    ctx: click.Context,
    cost: str,
    by: str,
    per_group: bool,
    grid: int | None,
    smooth: int,
    grid_min: float | None,
    grid_max: float | None,
    bootstrap: int,
    seed: int,
    chart: str | None,
    fmt: str,
    output: str | None,
    **options: Any,
) -> None:
    """Accuracy-cost frontier, exact: one row per breakpoint of the step function, ordered by cost.

    Columns: cost (in the --cost model's units: FLOPs, eFLOPs, rFLOPs, seconds or USD per 1,000
    problems), cost_tera (FLOP-like costs / 1e12; empty for latency and dollars), seconds on
    --hardware, accuracy, and the arm that set the breakpoint (model, method, budget, block_size,
    config, setting = N or generation budget); 'group' with --by or --per-group; lower, upper with
    --bootstrap; the adaptive strategies add accuracy_se, mean_samples (expected samples drawn) and
    mean_samples_se (unbiased estimates over random orders). --kind deployable considers the deployable
    methods (dense, blocktopk, window) unless --include-oracle or --method says otherwise.
    """
    state = ctx.ensure_object(State)
    only_with(ctx, "with --grid", grid is not None, "smooth", "grid_min", "grid_max")
    only_with(ctx, "with --cost rflops, latency or dollars", cost in OFFLOAD_COSTS, "engine", "vram_gb", "reserve_gb")
    if grid_min is not None and grid_max is not None and grid_min >= grid_max:
        raise click.UsageError(f"--grid-min {grid_min:g} must be below --grid-max {grid_max:g}", ctx=ctx)
    spec = fr.FrontierSpec.of(
        _selection(options, deployable_only=options["kind"] == "deployable"),
        Pricing.from_options(options),
        cost=cost,
        by=by,
        envelope=not per_group,
        bootstrap=bootstrap,
        seed=seed,
        grid=grid,
        smooth=smooth,
        grid_min=grid_min,
        grid_max=grid_max,
    )
    wh = _reader_for(state, spec)
    df = fr.frontier(wh, spec)
    if df.is_empty():
        source = {
            "long-cot": "trial_budgets (raw traces) or trials with correctness",
            "majority": "majority_votes (answer tables)",
            "majority-budget": "majority_votes (answer tables)",
            "adaptive-majority": "adaptive_votes (answer tables)",
            "adaptive-esc": "adaptive_votes (answer tables)",
        }.get(spec.selection.strategy, "problems/trials")
        click.echo(f"no frontier: no {spec.selection.task} rows in {source} for this selection", err=True)
    _note_oracle(df)
    if "config" in df.columns and (note := fr.pooled_sources_note(df["config"].drop_nulls().unique().to_list())):
        click.echo(f"note: {note}", err=True)
    if chart:
        from kinetics_sql.figures import charts

        chart_data = charts.frontier_chart(df, spec)
        try:
            charts.save(chart_data, chart)
        except OSError as exc:
            raise click.ClickException(f"cannot write {chart}: {exc.strerror or exc}") from exc
        click.echo(f"wrote {chart}", err=True)
    emit(df, fmt, output)


COMPARISONS = ("all", "flops-vs-eflops", "sparse-vs-dense", "offload", "gpus", "adaptive")


@click.command()
@click.argument("comparison", type=click.Choice(COMPARISONS), default="all")
@selection_options
@choice_option(
    "--by",
    fr.BYS,
    "model",
    "flops-vs-eflops: what is chosen (model: the paper's optimal model; arm with --kind deployable: "
    "one configuration and setting).",
)
@choice_option(
    "--cost",
    fr.COSTS,
    "eflops",
    "sparse-vs-dense: the cost model of the comparison.",
)
@click.option("--levels", is_flag=True, help="flops-vs-eflops: one row per accuracy level instead of the summary.")
@offload_options
@output_options
@click.pass_context
def compare(
    ctx: click.Context,
    comparison: str,
    by: str,
    cost: str,
    levels: bool,
    fmt: str,
    output: str | None,
    **options: Any,
) -> None:
    """Headline comparisons of the paper.

    flops-vs-eflops: for each accuracy level, the eFLOPs cost of what the FLOPs frontier picks over
    the eFLOPs-optimal cost (max, median). sparse-vs-dense: per model and over all models, dense cost
    over sparse cost at equal accuracy and the accuracy gain at equal cost. offload (--cost rflops|latency,
    --vram-gb): per model, its offloaded arms and how many another model Pareto-dominates (--levels: every
    arm). gpus (--gpus T >= 2): one GPU against T in tensor parallel, per model: the deployable arms that cost
    fewer GPU-seconds on T GPUs (more accuracy per dollar at one price per GPU-hour) and T GPUs' share of the
    deployable frontier in GPU-seconds (--levels: every arm). adaptive (answer tables): per table, the best
    fixed-N majority vote and the cheapest adaptive arm (--strategy adaptive-majority|adaptive-esc, --batch,
    --max-n) at its accuracy: samples, seconds and dollars per 1,000 problems saved under --cost. 'all'
    (default) prints each that applies; pick one for csv or parquet. Only deployable methods (dense,
    blocktopk, window) unless --include-oracle or --method.
    """
    state = ctx.ensure_object(State)
    only_with(ctx, "with --cost rflops, latency or dollars", cost in OFFLOAD_COSTS, "engine", "vram_gb", "reserve_gb")
    spec = fr.FrontierSpec.of(
        _selection(options, deployable_only=True), Pricing.from_options(options), cost=cost, by=by
    )
    wh = _reader_for(state, spec)
    frames = {}
    if comparison in ("all", "flops-vs-eflops"):
        frames["flops_vs_eflops"] = (fr.compare_chosen if levels else fr.compare_chosen_summary)(wh, spec)
    if comparison in ("all", "sparse-vs-dense"):
        frames["sparse_vs_dense"] = fr.compare_sparse_dense(wh, spec)
        pooled = fr.dense_only_models(wh, spec)
        if pooled.height:
            names = ", ".join(pooled["model"].to_list())
            click.echo(
                f"note: sparse-vs-dense 'all models' pools {pooled.height} model(s) with dense data only ({names}) "
                "into the dense frontier the sparse methods are measured against; --source 'aime24_%' compares the "
                "Kinetics models alone (the report's numbers), --model picks models",
                err=True,
            )
    if comparison == "offload" or (comparison == "all" and cost in OFFLOAD_COSTS):
        frames["offload"] = compare_offload.arms(wh, spec) if levels else compare_offload.dominated(wh, spec)
    if comparison == "gpus" or (comparison == "all" and spec.pricing.gpus > 1):
        frames["gpus"] = compare_gpus.arms(wh, spec) if levels else compare_gpus.summary(wh, spec)
    if comparison == "adaptive" or (comparison == "all" and spec.selection.strategy in fr.ADAPTIVE):
        frames["adaptive"] = compare_adaptive.summary(wh, spec)
    for df in frames.values():
        _note_oracle(df)
    if len(frames) == 1:
        emit(next(iter(frames.values())), fmt, output)
        return
    if fmt == "table":
        text = "".join(render_table(df, title=name) for name, df in frames.items())
        data = text.encode()
    elif fmt == "json":
        data = (json.dumps({k: v.to_dicts() for k, v in frames.items()}, default=str) + "\n").encode()
    else:
        raise click.UsageError(f"--format {fmt} holds one table: name a comparison ({', '.join(COMPARISONS[1:])})")
    if output:
        write_file(output, data)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(data.decode(), nl=False)


@contextmanager
def step_progress(enabled: bool) -> Iterator[Callable[[str], None]]:
    """progress(label): the step now running, with the time so far, on stderr (a terminal only; cleared at the end)."""
    from rich.console import Console

    console = Console(stderr=True)
    if not enabled or not console.is_terminal:  # off a terminal rich would still end with an empty line
        yield lambda label: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=True
    ) as bar:
        task = bar.add_task("report", total=None)
        yield lambda label: bar.update(task, description=label)


@click.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default="report",
    show_default=True,
    help="Folder for the figures (HTML, PNG, SVG) and index.html.",
)
@click.option("--task", default="aime24", show_default=True)
@params.hardware_option(None)
@params.bootstrap_option(0, 200, "Replicates for the bands of Figure 1.")
@click.option("--no-png", is_flag=True, help="Skip PNG and SVG (HTML only; faster).")
@click.option("--quiet", "-q", is_flag=True, help="No progress line (the step running and the time so far).")
@pass_state
def report(state: State, out_dir: str, task: str, hardware: str, bootstrap: int, no_png: bool, quiet: bool) -> None:
    """Write every figure of the paper (1/3, 2/5/7, 4a-c, 6) and index.html with the key numbers,
    each next to the SQL that produced it; prints the headline numbers and the report's path."""
    from kinetics_sql.figures import report as rep

    wh = state.reader
    selection.check(wh, task)
    hardware = wh.resolve_hardware(hardware)
    out = Path(out_dir)
    # written into a hidden sibling folder, moved into place only when complete: a failure leaves nothing half-written
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    except OSError as exc:
        raise click.ClickException(f"cannot write the report under {out}: {exc}") from exc
    try:
        with step_progress(not quiet) as progress:
            result = rep.write_report(
                wh, stage, task=task, hardware=hardware, bootstrap=bootstrap, images=not no_png, progress=progress
            )
        for f in sorted(p for p in stage.rglob("*") if p.is_file()):
            dest = out / f.relative_to(stage)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(f, dest)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    for line in result.headlines:
        click.echo(line)
    click.echo(f"report: {out / result.index.relative_to(stage)}")


COMMANDS = [frontier, compare, report]
