"""`models` and `hardware`: list and extend the catalog."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import click

from kinetics_sql import catalog, limits
from kinetics_sql.commands.context import CommandGroup, State, pass_state
from kinetics_sql.commands.output import emit, output_options
from kinetics_sql.commands.params import F


def _catalog_group(name: str, listing: str, text: str) -> click.Group:
    """The group ``name``: without a subcommand it lists the catalog (queries/<listing>.sql); its subcommands
    extend it."""

    @click.group(name, cls=CommandGroup, invoke_without_command=True, help=text)
    @output_options
    @click.pass_context
    def group(ctx: click.Context, fmt: str, output: str | None) -> None:
        if ctx.invoked_subcommand is None:
            state = ctx.find_object(State)
            assert state is not None
            emit(state.reader.named(listing), fmt, output)

    return group


models = _catalog_group(
    "models", "catalog/models_list", "List the model catalog (params in billions; KV cache for 32K tokens in GiB)."
)


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
    if name is not None and (not name.strip() or name != name.strip() or any(not ch.isprintable() for ch in name)):
        msg = f"expected a non-empty name without surrounding spaces or control characters, got {name!r}"
        raise click.BadParameter(msg, param_hint="--name")
    cfg, default_name, repo = catalog.load_config(config, revision=revision)
    if params_kinetics is not None and (not math.isfinite(params_kinetics) or params_kinetics <= 0):
        msg = f"must be a finite number > 0, got {params_kinetics!r}"
        raise click.BadParameter(msg, param_hint="--params-kinetics")
    spec = catalog.spec_from_config(
        cfg, name or default_name, family=family, hf_repo=repo, params_kinetics=params_kinetics, source=config
    )
    with state.wh.transaction():
        override = state.wh.upsert_model(spec)
    click.echo(
        f"added {spec.name}{' (overrides the built-in model; kept across opens)' if override else ''}: "
        f"{spec.params / 1e9:.3f}B params, {spec.layers} layers, "
        f"{spec.hq}/{spec.hkv} heads x {spec.head_dim}, KV {spec.kv_bytes_per_token} bytes/token"
    )


hardware = _catalog_group(
    "hardware", "catalog/hardware_list", "List hardware profiles, with Kinetics' intensity i = 2 * peak / HBM bytes/s."
)


def _bandwidth(short: str, text: str) -> Callable[[F], F]:
    """A profile's bytes/s option: --<short>-bytes-per-s, or --<short> for short."""
    long = f"{short}-bytes-per-s"
    return click.option(f"--{long}", f"--{short}", long.replace("-", "_"), type=float, help=text)


@hardware.command("add")
@click.argument("name")
@click.option("--peak-flops", type=float, help="Dense bf16 FLOP/s, e.g. 9.89e14 (required for a new profile).")
@_bandwidth("hbm", "GPU memory bytes/s, e.g. 3.35e12 (required for a new profile).")
@click.option("--vram-gb", type=float, help="GPU memory in GB (1e9 bytes), e.g. 80 (as --vram-gb elsewhere).")
@click.option("--vram", "vram_bytes", type=float, hidden=True, help="Deprecated: GPU memory in bytes; use --vram-gb.")
@_bandwidth("link", "Host-to-device bytes/s (PCIe), e.g. 45e9.")
@_bandwidth("host-mem", "Host DRAM bytes/s.")
@_bandwidth(
    "interconnect",
    "GPU-to-GPU bytes/s of one GPU, both directions together (NVLink on H100/H200 SXM: 9e11); needed for --gpus > 1.",
)
@click.option("--price-per-hour", type=float, help="USD per GPU-hour, for --cost dollars and recommend.")
@click.option("--price-source", default=None, help="Where the price comes from, and when.")
@click.option("--notes", default=None, help="Where the numbers come from.")
@pass_state
def hardware_add(
    state: State,
    name: str,
    peak_flops: float | None,
    hbm_bytes_per_s: float | None,
    vram_gb: float | None,
    vram_bytes: float | None,
    link_bytes_per_s: float | None,
    host_mem_bytes_per_s: float | None,
    interconnect_bytes_per_s: float | None,
    price_per_hour: float | None,
    price_source: str | None,
    notes: str | None,
) -> None:
    """Add (or replace) a hardware profile NAME. For a profile that exists, options not given keep
    their values: `kinetics-sql hardware add rtx-4090 --price-per-hour 0.40` only sets the price. Naming a
    built-in profile replaces it for this warehouse; the override is kept across opens and listed as such."""
    if not name.strip() or name != name.strip() or any(not ch.isprintable() for ch in name):
        msg = f"expected a non-empty name without surrounding spaces, got {name!r}"
        raise click.BadParameter(msg, param_hint="NAME")
    wh = state.wh
    known = {n.lower(): n for n in wh.named("catalog/hardware_names")["name"].to_list()}
    old = wh.hardware_spec(known[name.lower()]) if name.lower() in known else None
    if old is None:
        for label, value in (("--peak-flops", peak_flops), ("--hbm-bytes-per-s", hbm_bytes_per_s)):
            if value is None:
                raise click.BadParameter(f"required for a new profile {name!r}", param_hint=label)
    for label, value in (
        ("--peak-flops", peak_flops),
        ("--hbm-bytes-per-s", hbm_bytes_per_s),
        ("--vram-gb", vram_gb),
        ("--vram", vram_bytes),
        ("--link-bytes-per-s", link_bytes_per_s),
        ("--host-mem-bytes-per-s", host_mem_bytes_per_s),
        ("--interconnect-bytes-per-s", interconnect_bytes_per_s),
        ("--price-per-hour", price_per_hour),
    ):
        high = limits.HARDWARE_MAX[label]
        if value is not None and (not math.isfinite(value) or not 0 < value <= high):
            raise click.BadParameter(f"must be > 0 and finite, at most {high:g}, got {value!r}", param_hint=label)
    if vram_bytes is not None:
        if vram_gb is not None:
            raise click.UsageError("give --vram-gb (GB) or the deprecated --vram (bytes), not both")
        click.echo("warning: --vram takes bytes and is deprecated; use --vram-gb (GB, as everywhere else)", err=True)
    elif vram_gb is not None:
        vram_bytes = vram_gb * 1e9

    source_default = "set with kinetics-sql hardware add"

    def pick(new: Any, field: str) -> Any:
        return new if new is not None or old is None else getattr(old, field)

    hw = catalog.HardwareSpec(
        old.name if old else name,
        pick(peak_flops, "peak_flops"),
        pick(hbm_bytes_per_s, "hbm_bytes_per_s"),
        pick(vram_bytes, "vram_bytes"),
        pick(link_bytes_per_s, "link_bytes_per_s"),
        pick(host_mem_bytes_per_s, "host_mem_bytes_per_s"),
        pick(notes, "notes") or "",
        interconnect_bytes_per_s=pick(interconnect_bytes_per_s, "interconnect_bytes_per_s"),
        price_per_hour=pick(price_per_hour, "price_per_hour"),
        price_source=price_source or (source_default if price_per_hour else pick(None, "price_source")),
    )
    with wh.transaction():
        override = wh.upsert_hardware(hw)
    note = " (overrides the built-in profile; kept across opens)" if override else ""
    price = f", ${hw.price_per_hour:g} per GPU-hour" if hw.price_per_hour else ", no price (--price-per-hour)"
    click.echo(f"added {hw.name}{note}: i = {hw.intensity:.1f} FLOPs per KV element{price}")


COMMANDS = [models, hardware]
