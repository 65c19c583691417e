"""`models` and `hardware`: list and extend the catalog."""

from __future__ import annotations

import click

from kinetics_sql import catalog
from kinetics_sql.commands.context import State, pass_state
from kinetics_sql.commands.output import emit, output_options


@click.group(invoke_without_command=True)
@output_options
@click.pass_context
def models(ctx: click.Context, fmt: str, output: str | None) -> None:
    """List the model catalog (params in billions; KV cache for 32K tokens in GiB)."""
    if ctx.invoked_subcommand is None:
        state = ctx.find_object(State)
        assert state is not None
        emit(state.wh.named("catalog/models_list"), fmt, output)


@models.command("add")
@click.argument("config")
@click.option("--name", help="Catalog name (default: the repo's name or the config's folder).")
@click.option("--family", help="Model family (default: the config's model_type).")
@click.option("--revision", help="Hub revision when CONFIG is a repo id.")
@click.option("--params-kinetics", type=float, help="A parameter count to use instead of the architecture's.")
@pass_state
def models_add(
    state: State, config: str, name: str | None, family: str | None, revision: str | None, params_kinetics: float | None
) -> None:
    """Add a decoder-only model from a Hugging Face CONFIG: a config.json path or folder, or a
    hub repo id (fetched through huggingface-hub; HF_HUB_OFFLINE=1 serves it from the cache).

    The parameter count is computed from the architecture.
    """
    cfg, default_name, repo = catalog.load_config(config, revision=revision)
    spec = catalog.spec_from_config(
        cfg, name or default_name, family=family, hf_repo=repo, params_kinetics=params_kinetics, source=config
    )
    with state.wh.transaction():
        state.wh.upsert_model(spec)
    click.echo(
        f"added {spec.name}: {spec.params / 1e9:.3f}B params, {spec.layers} layers, "
        f"{spec.hq}/{spec.hkv} heads x {spec.head_dim}, KV {spec.kv_bytes_per_token} bytes/token"
    )


@click.group(invoke_without_command=True)
@output_options
@click.pass_context
def hardware(ctx: click.Context, fmt: str, output: str | None) -> None:
    """List hardware profiles, with Kinetics' intensity i = 2 * peak / HBM bytes/s."""
    if ctx.invoked_subcommand is None:
        state = ctx.find_object(State)
        assert state is not None
        emit(state.wh.named("catalog/hardware_list"), fmt, output)


@hardware.command("add")
@click.argument("name")
@click.option("--peak-flops", type=float, required=True, help="Dense bf16 FLOP/s, e.g. 9.89e14.")
@click.option("--hbm", "hbm_bytes_per_s", type=float, required=True, help="GPU memory bytes/s, e.g. 3.35e12.")
@click.option("--vram", "vram_bytes", type=float, help="GPU memory in bytes, e.g. 80e9.")
@click.option("--link", "link_bytes_per_s", type=float, help="Host-to-device bytes/s (PCIe), e.g. 45e9.")
@click.option("--host-mem", "host_mem_bytes_per_s", type=float, help="Host DRAM bytes/s.")
@click.option(
    "--interconnect",
    "interconnect_bytes_per_s",
    type=float,
    help="GPU-to-GPU bytes/s of one GPU, both directions together (NVLink on H100/H200 SXM: 9e11); "
    "needed for --gpus > 1.",
)
@click.option("--notes", default="", help="Where the numbers come from.")
@pass_state
def hardware_add(
    state: State,
    name: str,
    peak_flops: float,
    hbm_bytes_per_s: float,
    vram_bytes: float | None,
    link_bytes_per_s: float | None,
    host_mem_bytes_per_s: float | None,
    interconnect_bytes_per_s: float | None,
    notes: str,
) -> None:
    """Add (or replace) a hardware profile NAME."""
    for label, value in (("--peak-flops", peak_flops), ("--hbm", hbm_bytes_per_s)):
        if value <= 0:
            raise click.BadParameter("must be > 0", param_hint=label)
    if interconnect_bytes_per_s is not None and interconnect_bytes_per_s <= 0:
        raise click.BadParameter("must be > 0", param_hint="--interconnect")
    hw = catalog.HardwareSpec(
        name,
        peak_flops,
        hbm_bytes_per_s,
        vram_bytes,
        link_bytes_per_s,
        host_mem_bytes_per_s,
        notes,
        interconnect_bytes_per_s=interconnect_bytes_per_s,
    )
    with state.wh.transaction():
        state.wh.upsert_hardware(hw)
    click.echo(f"added {name}: i = {hw.intensity:.1f} FLOPs per KV element")


COMMANDS = [models, hardware]
