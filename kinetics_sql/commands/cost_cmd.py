"""`cost`: FLOPs, KV reads, eFLOPs and seconds of one configuration on one hardware profile."""

from __future__ import annotations

import click

from kinetics_sql import sqlfiles
from kinetics_sql.commands.context import State, pass_state
from kinetics_sql.commands.output import emit, output_options
from kinetics_sql.facts.methods import METHODS


@click.command()
@click.option("--model", required=True, help="Catalog model name, e.g. Qwen3-8B.")
@click.option("--hardware", default="b200", show_default=True, help="Hardware profile name.")
@click.option("--method", type=click.Choice(METHODS), default="dense", show_default=True)
@click.option("--lin", type=int, default=155, show_default=True, help="Prompt tokens.")
@click.option("--lout", type=int, multiple=True, required=True, help="Generated tokens per trial (repeatable).")
@click.option("--n", "n", type=int, default=1, show_default=True, help="Trials (best-of-N).")
@click.option("--budget", type=int, default=0, help="KV budget in tokens for sparse methods.")
@click.option("--block-size", type=int, default=0, help="Block size for blocktopk.")
@click.option("--variant", type=click.Choice(("exact", "published")), default="exact", show_default=True)
@click.option(
    "--params",
    "param_count",
    type=click.Choice(("kinetics", "architecture")),
    default="kinetics",
    show_default=True,
    help="Parameter count: the Kinetics tables' (where defined) or the architecture's.",
)
@click.option(
    "--gpus",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Tensor parallelism over this many GPUs: costs per GPU (wall time) with the interconnect's traffic, "
    "gpu_seconds, and each GPU's weight and KV bytes.",
)
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
    gpus: int,
    fmt: str,
    output: str | None,
) -> None:
    """Cost of a configuration: compute FLOPs, KV reads, eFLOPs (raw and Tera) and seconds on
    --hardware. Several --lout values add a row each and a 'mean' row (the expected cost over
    trial lengths, as Kinetics averages them). With --gpus T > 1: per GPU of T in tensor parallel, plus the
    interconnect bytes, gpu_seconds (= T * seconds) and each GPU's weight and KV bytes."""
    wh = state.wh
    params = {
        "model": wh.resolve_model(model),
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
    if gpus > 1:
        emit(wh.df(sqlfiles.load("tp/cost_one"), {**params, "gpus": gpus}), fmt, output)
        return
    emit(wh.df(sqlfiles.load("cost/one"), params), fmt, output)


COMMANDS = [cost]
