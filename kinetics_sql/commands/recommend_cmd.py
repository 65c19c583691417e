"""`recommend`: the best deployable configuration for a hardware profile and one budget."""

from __future__ import annotations

import json
from typing import Any

import click

from kinetics_sql import frontier as fr
from kinetics_sql import recommend as rec
from kinetics_sql.commands import params
from kinetics_sql.commands.context import State
from kinetics_sql.commands.output import resolve_format, write_file
from kinetics_sql.commands.params import GPUS, Finite, choice_option, only_with, pricing_options
from kinetics_sql.facts.methods import METHODS
from kinetics_sql.spec import Pricing


@click.command()
@params.hardware_option(
    "Hardware profile (`kinetics-sql hardware` lists them); a comma list (h100-sxm,rtx-4090) or `all` "
    "(every profile with a price) compares the profiles: one line each, the best first, then its recommendation.",
    required=True,
)
@pricing_options
@click.option("--task", "tasks", multiple=True, help="Task(s); a configuration must cover all (default aime24).")
@click.option(
    "--strategy",
    "strategies",
    type=click.Choice(fr.STRATEGIES),
    multiple=True,
    help="Strategies allowed (repeatable; default best-of-n): best-of-n (N samples, a verifier picks), "
    "long-cot (one trace cut at a generation budget), majority (N samples vote, no verifier; the answer tables), "
    "majority-budget (the same, every sample capped at a generation budget).",
)
@click.option("--model", "models", multiple=True, help="Models allowed (repeatable; default all).")
@click.option(
    "--method", "methods", type=click.Choice(METHODS), multiple=True, help="Attention methods allowed (repeatable)."
)
@click.option(
    "--include-oracle",
    is_flag=True,
    help="Also consider oracle top-k (an upper bound for sparse attention that no engine runs: it scores every key "
    "to pick its top k). Default without --method: dense, blocktopk and window.",
)
@click.option("--budget-s", type=Finite(), default=None, help="Budget: predicted seconds per problem (latency regime).")
@click.option("--budget-dollars", type=Finite(), default=None, help="Budget: USD per 1,000 problems (in --regime).")
@click.option(
    "--target-accuracy",
    type=Finite(0, 1),
    default=None,
    help="Budget: the cheapest configuration reaching this accuracy, in (0, 1].",
)
@choice_option(
    "--regime",
    rec.REGIMES,
    "throughput",
    "Dollars of --budget-dollars / --minimize dollars: latency (one problem at a time) or throughput "
    "(as many problems at once as the VRAM holds).",
)
@choice_option(
    "--minimize",
    rec.MINIMIZE,
    "seconds",
    "With --target-accuracy: what to minimise: seconds per problem, dollars per 1,000 problems (in --regime), "
    "or dollars-per-solved (those dollars / accuracy: USD per 1,000 solved problems).",
)
@GPUS
@params.bootstrap_option(1, 1000, "Replicates of the accuracy band.")
@params.SEED
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@params.file_option(
    "-o",
    "--output",
    text="Write to this file; .json writes json unless -f says otherwise (a contradiction is refused)."
)
@click.pass_context
def recommend(
    ctx: click.Context,
    hardware: str,
    tasks: tuple[str, ...],
    strategies: tuple[str, ...],
    models: tuple[str, ...],
    methods: tuple[str, ...],
    include_oracle: bool,
    budget_s: float | None,
    budget_dollars: float | None,
    target_accuracy: float | None,
    regime: str,
    minimize: str,
    bootstrap: int,
    seed: int,
    fmt: str,
    output: str | None,
    **pricing: Any,
) -> None:
    """The best DEPLOYABLE configuration (one setting for every problem: model, attention method and KV
    budget, N or generation budget, offload depth, engine) within ONE budget: --budget-s, --budget-dollars
    or --target-accuracy. Prints its expected accuracy with a bootstrap band over problems, predicted
    seconds per problem and dollars per 1,000 problems in both regimes, the runners-up within the band,
    what the next step up buys, and the command that reproduces it.

        kinetics-sql recommend --hardware rtx-4090 --vram-gb 24 --budget-s 60 --task aime24
        kinetics-sql recommend --hardware all --task aime24 --target-accuracy 0.5 --minimize dollars-per-solved
    """
    state = ctx.ensure_object(State)
    only_with(ctx, "with --target-accuracy", target_accuracy is not None, "minimize")
    only_with(ctx, "with --budget-dollars or --minimize dollars", budget_dollars is not None or minimize != "seconds",
              "regime")  # fmt: skip
    one = "," not in hardware and hardware.lower() != "all"  # else compare_hardware sets each profile in turn
    req = rec.Request(
        pricing=Pricing.from_options({**pricing, "hardware": hardware if one else ""}),
        tasks=tasks or ("aime24",),
        strategies=strategies or ("best-of-n",),
        models=models,
        methods=methods,
        include_oracle=include_oracle,
        budget_s=budget_s,
        budget_dollars=budget_dollars,
        target_accuracy=target_accuracy,
        regime=regime,
        minimize=minimize,
        bootstrap=bootstrap,
        seed=seed,
    )
    fmt = resolve_format(fmt, output, ctx.get_parameter_source("fmt") != click.core.ParameterSource.DEFAULT)
    if fmt not in ("table", "json"):
        raise click.UsageError(f"recommend writes a table (.txt) or json (.json), not {fmt}: change the file name")
    wh = state.reader
    if one:
        result = rec.recommend(wh, req)
        text = rec.render(result) if fmt == "table" else json.dumps(result.as_dict(), default=str, indent=1) + "\n"
    else:
        cmp = rec.compare_hardware(wh, req, rec.hardware_names(wh, hardware))
        text = rec.render_comparison(cmp) if fmt == "table" else json.dumps(cmp.as_dict(), default=str, indent=1) + "\n"
    if output:
        write_file(output, text.encode())
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


COMMANDS = [recommend]
