"""`cost`: FLOPs, KV reads, eFLOPs and seconds of one configuration on one hardware profile; with a seconds-based
``--cost`` (rflops, latency, dollars, dollars-throughput), its seconds and dollars from the pricing layer
(queries/pricing/), as the frontier and recommend price a problem with those trials."""

from __future__ import annotations

import click

from kinetics_sql import costmodel, limits, sqlfiles
from kinetics_sql.commands.context import State, pass_state
from kinetics_sql.commands.output import emit, output_options
from kinetics_sql.commands.params import GPUS, TOKENS, hardware_option, pricing_options
from kinetics_sql.costmodel import OFFLOAD_COSTS
from kinetics_sql.errors import KineticsError
from kinetics_sql.facts.methods import METHODS, check_params


@click.command()
@click.option("--model", required=True, help="Catalog model name, e.g. Qwen3-8B.")
@hardware_option("Hardware profile name.")
@click.option("--method", type=click.Choice(METHODS), default="dense", show_default=True)
@click.option("--lin", type=TOKENS, default=155, show_default=True, help="Prompt tokens.")
@click.option("--lout", type=TOKENS, multiple=True, required=True, help="Generated tokens per trial (repeatable).")
@click.option("--n", "n", type=click.IntRange(min=1), default=1, show_default=True, help="Trials (best-of-N), >= 1.")
@click.option("--budget", type=TOKENS, default=0, help="KV budget in tokens for sparse methods.")
@click.option("--block-size", type=TOKENS, default=0, help="Block size for blocktopk.")
@click.option("--variant", type=click.Choice(("exact", "published")), default="exact", show_default=True)
@click.option(
    "--params",
    "param_count",
    type=click.Choice(("kinetics", "architecture")),
    default="kinetics",
    show_default=True,
    help="Parameter count: the Kinetics tables' (where defined) or the architecture's.",
)
@GPUS
@click.option(
    "--allow-implausible",
    is_flag=True,
    help="Cost prompt + generation lengths beyond the model's context length (models.max_position).",
)
@click.option(
    "--cost",
    "cost_model",
    type=click.Choice(("flops", "eflops", *OFFLOAD_COSTS)),
    default="eflops",
    show_default=True,
    help="eflops/flops: the datasheet counts above. rflops, latency, dollars, dollars-throughput: seconds and USD per "
    "1,000 problems in both regimes from the pricing layer (the VRAM plan of --n trials at the longest --lout, "
    "--engine's fit or the datasheet), the numbers frontier and recommend print for a problem with these trials.",
)
@click.option(
    "--together",
    is_flag=True,
    help="Seconds-based costs: the --lout samples decoded together as one batch (--n = their count) until the longest "
    "ends; the 'together' row is that wall time (each sample's compute and KV over its own length, weights read at "
    "every step of the longest).",
)
@pricing_options
@output_options
@pass_state
def cost(
    state: State,
    model: str,
    hardware: str,
    method: str,
    lin: int,
    lout: tuple[int, ...],
    n: int,
    budget: int,
    block_size: int,
    variant: str,
    param_count: str,
    allow_implausible: bool,
    gpus: int,
    cost_model: str,
    engine: str | None,
    vram_gb: float | None,
    reserve_gb: float,
    together: bool,
    fmt: str,
    output: str | None,
) -> None:
    """Cost of a configuration: compute FLOPs, KV reads, eFLOPs (raw and Tera) and seconds on
    --hardware. Several --lout values add a row each and a 'mean' row (the expected cost over
    trial lengths, as Kinetics averages them). With --gpus T > 1: per GPU of T in tensor parallel, plus the
    interconnect bytes, gpu_seconds (= T * seconds) and each GPU's weight and KV bytes."""
    wrong = check_params(method, budget, block_size)  # the check ingest makes
    if wrong:
        raise click.UsageError(wrong)
    if together:
        if cost_model not in OFFLOAD_COSTS:
            raise click.UsageError(f"--together prices seconds: give --cost {'|'.join(OFFLOAD_COSTS)}")
        if len(lout) < 2:
            raise click.UsageError("--together needs two or more --lout values (the samples decoded together)")
        if n not in (1, len(lout)):
            raise click.UsageError(
                f"--together decodes the {len(lout)} --lout samples together: --n must be {len(lout)}"
            )
        n = len(lout)
    wh = state.reader
    name = wh.resolve_model(model)
    context = limits.context_length(wh, name)
    for g in lout:
        msg = limits.check_context(name, context, lin + g, f"--lin + --lout ({lin} + {g})", allow=allow_implausible,
                                   storable=False)  # fmt: skip
        if msg:
            raise KineticsError(msg)
    params = {
        "model": name,
        "hardware": wh.resolve_hardware(hardware),
        "method": method,
        "lin": lin,
        "louts": list(lout),
        "n": n,
        "budget": budget,
        "block_size": block_size,
        "variant": variant,
        "param_count": param_count,
    }
    if cost_model in OFFLOAD_COSTS:
        hw = str(params["hardware"])
        coefficients = costmodel.resolve(wh, hardware=hw, engine=engine)
        if gpus > 1:
            costmodel.net_bandwidth(wh, hw)
        cx = costmodel.pricing_context(wh, coefficients, vram_gb=vram_gb, reserve_gb=reserve_gb, gpus=gpus)
        price = wh.named("recommend/price", {"name": hw})
        has_price = bool(price.height) and price["price_per_hour"][0] is not None
        if cost_model.startswith("dollars") and not has_price:
            raise KineticsError(
                f"hardware {hw} has no price: set one with `kinetics-sql hardware add {hw} --price-per-hour USD`"
            )
        del params["param_count"], params["hardware"]
        priced = {**params, "cost": cost_model, "pricing": cx, "has_price": has_price, "together": together}
        emit(wh.df(sqlfiles.load("cost/priced"), priced), fmt, output)
        return
    if gpus > 1:
        emit(wh.df(sqlfiles.load("tp/cost_one"), {**params, "gpus": gpus}), fmt, output)
        return
    emit(wh.df(sqlfiles.load("cost/one"), params), fmt, output)


COMMANDS = [cost]
