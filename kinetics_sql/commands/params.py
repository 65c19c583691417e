"""Option types and checks shared by the commands: finite numbers in a range, options that only mean something
with another one. Both are usage errors (exit 2, after the usage line), raised before any work."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from kinetics_sql import limits
from kinetics_sql.defaults import DEFAULT_RESERVE_GB


class Finite(click.ParamType):
    """A finite float in (low, high] ([low, high] without ``low_open``): nan, inf and 1e30 for a VRAM are refused."""

    name = "number"

    def __init__(self, low: float = 0.0, high: float = math.inf, *, low_open: bool = True) -> None:
        self.low, self.high, self.low_open = low, high, low_open

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, float) and math.isfinite(value):
            v = value
        else:
            try:
                v = float(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not a number", param, ctx)
        below = v <= self.low if self.low_open else v < self.low
        if not math.isfinite(v) or below or v > self.high:
            lo = f"> {self.low:g}" if self.low_open else f">= {self.low:g}"
            hi = f" and <= {self.high:g}" if math.isfinite(self.high) else ""
            self.fail(f"expected a finite number {lo}{hi}, got {value!r}", param, ctx)
        return v


def given(ctx: click.Context, name: str) -> bool:
    """Whether the user gave option ``name`` (its parameter name), not its default."""
    source = ctx.get_parameter_source(name)
    return source is not None and source not in (
        click.core.ParameterSource.DEFAULT,
        click.core.ParameterSource.DEFAULT_MAP,
    )


def only_with(ctx: click.Context, needs: str, condition: bool, *options: str) -> None:
    """A usage error when any of ``options`` (parameter names) is given while ``condition`` does not hold:
    an option that would be silently ignored."""
    for name in options:
        if given(ctx, name) and not condition:
            flag = "--" + name.replace("_", "-")
            raise click.UsageError(f"{flag} only applies {needs}; it would be ignored here", ctx=ctx)


class Tokens(click.ParamType):
    """A whole, non-negative token count, parsed exactly (2^53 + 1 is not rounded); accepts 16384 or 1.6384e4."""

    name = "tokens"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            n = limits.exact_int(value)
            if not 0 <= n <= limits.TOKENS_MAX:
                raise ValueError(value)
            return n
        except (TypeError, ValueError):
            self.fail(f"expected a whole number of tokens from 0 to 2^53, got {value!r}", param, ctx)


TOKENS = Tokens()


F = TypeVar("F", bound=Callable[..., Any])


def choice_option(flag: str, choices: Sequence[str], default: str, text: str) -> Callable[[F], F]:
    """An option taking one of ``choices`` (``default`` shown in --help): the one way such an option is declared."""
    return click.option(flag, type=click.Choice(choices), default=default, show_default=True, help=text)


def hardware_option(text: str | None, *, required: bool = False) -> Callable[[F], F]:
    """--hardware, a profile of the catalog (`kinetics-sql hardware`): b200 unless ``required``; the one way it is
    declared (each command says in ``text`` what the profile prices there)."""
    if required:
        return click.option("--hardware", required=True, help=text)
    return click.option("--hardware", default="b200", show_default=True, help=text)


def bootstrap_option(low: int, default: int, text: str) -> Callable[[F], F]:
    """--bootstrap: replicates resampling problems, ``low`` to limits.BOOTSTRAP_MAX (a bound on the work)."""
    return click.option(
        "--bootstrap", type=click.IntRange(low, limits.BOOTSTRAP_MAX), default=default, show_default=True, help=text
    )


def file_option(*names: str, text: str) -> Callable[[F], F]:
    """An option naming a file the command writes (a folder is refused when the options are parsed); none by
    default."""
    return click.option(*names, type=click.Path(dir_okay=False), default=None, help=text)


SEED = click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")


# Declared once, for every command that prices (frontier, compare, recommend, cost): tensor parallelism and the pricing
# context of the seconds-based costs (kinetics_sql.costmodel.pricing_context, queries/pricing/).
GPUS = click.option(
    "--gpus",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Tensor parallelism over this many GPUs of --hardware: costs per GPU (wall time) with the interconnect's "
    "traffic and each GPU's memory plan; gpu_seconds = gpus * seconds, and dollars pay for all of them.",
)


def pricing_options(func: F) -> F:
    """``--engine``, ``--vram-gb`` and ``--reserve-gb``: what prices the seconds-based costs (rflops, latency, dollars,
    dollars-throughput)."""
    options = [
        click.option(
            "--engine",
            default=None,
            help="Seconds-based costs: the newest `kinetics-sql fit` of this engine on --hardware "
            "(default, or datasheet: the datasheet roofline, 1/peak, 1/HBM, 1/link).",
        ),
        click.option(
            "--vram-gb",
            type=Finite(0, limits.VRAM_GB_MAX),
            default=None,
            help="Seconds-based costs: VRAM limit in GB (default: the hardware profile's); each model and setting "
            "offloads the fewest layers that fit weights + KV + reserve.",
        ),
        click.option(
            "--reserve-gb",
            type=Finite(0, limits.VRAM_GB_MAX, low_open=False),
            default=DEFAULT_RESERVE_GB,
            show_default=True,
            help="Seconds-based costs: VRAM kept free for activations and the runtime.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func
