"""Offload-aware frontier costs: ``--cost rflops`` and ``--cost latency`` under a VRAM limit.

:func:`prepare` fills two TEMP tables (queries/fit/offload.sql) that the frontier's ``frontier_cost``
reads through ``offload_cost``: the coefficients (a stored fit of ``kinetics-sql fit`` for
``engine`` on ``hardware``, or the datasheet's 1/peak, 1/HBM, 1/link) and, per model and setting,
the smallest offload depth whose weights and KV cache fit in the VRAM (the plan).

>>> from kinetics_sql import Warehouse
>>> wh = Warehouse(":memory:")
>>> ctx = prepare(wh, cost="latency", hardware="rtx-4090", task="aime24")
>>> ctx.coefficients, ctx.vram_bytes
('datasheet', 24000000000.0)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click
import polars as pl

from kinetics_sql import fit as fitlib
from kinetics_sql import sqlfiles
from kinetics_sql.errors import KineticsError
from kinetics_sql.warehouse import Warehouse

COSTS = ("rflops", "latency", "dollars", "dollars-throughput")  # dollars: kinetics_sql.pricing
DEFAULT_RESERVE_GB = 1.0
F = TypeVar("F", bound=Callable[..., Any])


def install(wh: Warehouse) -> None:
    """Create the TEMP tables and macros (idempotent; before the frontier macros, which use them)."""
    fitlib.install_macros(wh)
    wh.execute(sqlfiles.load("fit/offload"))
    wh.execute(sqlfiles.load("pricing/macros"))  # dollars and the throughput regime


@dataclass(frozen=True)
class Context:
    engine: str | None
    hardware: str
    coefficients: str  # 'datasheet' or 'fit <fit_id> (<form>, held-out R^2 ..)'
    form: str
    a: float
    b: float
    c: float
    t0: float
    a_eff: float
    vram_bytes: float | None
    reserve_bytes: float
    prefill_batch: float

    @property
    def i_gpu(self) -> float:
        return self.b / self.a_eff

    @property
    def i_link(self) -> float:
        return self.c / self.a_eff


def prepare(
    wh: Warehouse,
    *,
    cost: str,
    hardware: str,
    task: str = "aime24",
    strategy: str = "best-of-n",
    engine: str | None = None,
    vram_gb: float | None = None,
    reserve_gb: float = DEFAULT_RESERVE_GB,
    form: str = "",
    fitted: fitlib.FitResult | None = None,
) -> Context:
    """Set the coefficients and the offload plan used by ``--cost rflops|latency`` on this connection.

    Coefficients: ``fitted`` (a fit not stored), else the newest stored fit of ``engine`` on
    ``hardware``, else the datasheet."""
    install(wh)
    hw_name = wh.resolve_hardware(hardware)
    hw = wh.named("fit/hardware_profile", {"name": hw_name}).row(0, named=True)
    extra = {
        "prefill_a": 0.0,
        "prefill_c": 0.0,
        "step_s": 0.0,
        "layer_step_s": 0.0,
        "offload_layer_step_s": 0.0,
        "offload_attn_a": 0.0,
        "prefill_offload_attn_a": 0.0,
    }
    if fitted is not None:
        k = fitted.params
        a, b, c, t0 = k["a"], k["b"], k["c"], k["t0"]
        extra = {name: k.get(name, 0.0) for name in extra}
        r2h = fitted.r2_holdout
        label = f"fit of {fitted.engine} ({fitted.form}" + (f", held-out R^2 {r2h:.4f})" if r2h is not None else ")")
        fit_form, engine = fitted.form, fitted.engine
    elif engine:
        row = fitlib.latest(wh, engine, hw_name, form)
        k = row["params"]
        a, b, c, t0 = k["a"], k["b"], k["c"], k["t0"]
        extra = {name: k.get(name, 0.0) for name in extra}
        r2 = row["r2_holdout"]
        label = (
            f"fit {row['fit_id']} ({row['engine']}, {row['form']}, held-out R^2 {r2:.4f})"
            if r2 is not None
            else (f"fit {row['fit_id']} ({row['engine']}, {row['form']})")
        )
        fit_form = str(row["form"])
        engine = str(row["engine"])
    else:
        link = hw["link_bytes_per_s"] or hw["host_mem_bytes_per_s"]
        if not link:
            raise KineticsError(f"hardware {hw_name} has no link bandwidth: give --engine (fitted coefficients)")
        a, b, c, t0 = 1.0 / hw["peak_flops"], 1.0 / hw["hbm_bytes_per_s"], 1.0 / link, 0.0
        label, fit_form = "datasheet", "plain"
    a_eff = a if a > 0 else 1.0 / hw["peak_flops"]
    vram = vram_gb * 1e9 if vram_gb is not None else hw["vram_bytes"]
    if vram is not None and vram <= 0:
        raise KineticsError("--vram-gb must be > 0")
    prefill_batch = 512.0 if (engine or "").lower() == "llama.cpp" else 1e12  # one pass for a whole prompt
    ctx = Context(
        engine=engine,
        hardware=hw_name,
        coefficients=label,
        form=fit_form,
        a=a,
        b=b,
        c=c,
        t0=t0,
        a_eff=a_eff,
        vram_bytes=vram,
        reserve_bytes=reserve_gb * 1e9,
        prefill_batch=prefill_batch,
    )
    with wh.transaction():
        wh.execute("DELETE FROM offload_context")
        wh.execute("DELETE FROM offload_plan")
        wh.execute(
            sqlfiles.load("fit/offload_context"),
            {
                "task": task,
                "strategy": strategy,
                "engine": engine,
                "hardware": hw_name,
                "coefficients": label,
                "form": fit_form,
                "a": a,
                "b": b,
                "c": c,
                "t0": t0,
                **extra,
                "a_eff": a_eff,
                "vram_bytes": vram,
                "reserve_bytes": ctx.reserve_bytes,
                "prefill_batch": prefill_batch,
            },
        )
        wh.execute(sqlfiles.load("fit/offload_plan"), {"task": task, "strategy": strategy})
    return ctx


def ensure_prepared(wh: Warehouse, spec: Any) -> None:
    """For a frontier spec with cost rflops or latency: keep the context :func:`prepare` set for the
    same task, strategy and hardware, else set the defaults (datasheet coefficients, profile VRAM)."""
    if spec.cost not in COSTS:
        return
    install(wh)
    have = wh.named("fit/offload_context_show")
    if have.height == 1:
        row = have.row(0, named=True)
        if (row["task"], row["strategy"], row["hardware"]) == (spec.task, spec.strategy, spec.hardware):
            return
    prepare(wh, cost=spec.cost, hardware=spec.hardware, task=spec.task, strategy=spec.strategy)


def context(wh: Warehouse) -> pl.DataFrame:
    """The coefficients and VRAM limit in use (one row, or none before :func:`prepare`)."""
    install(wh)
    return wh.named("fit/offload_context_show")


def plan(wh: Warehouse) -> pl.DataFrame:
    """The offload plan of the last :func:`prepare` (model, setting, k, waves, bytes, fits)."""
    install(wh)
    return wh.named("fit/offload_plan_show")


def offload_options(func: F) -> F:
    """``--engine``, ``--vram-gb`` and ``--reserve-gb`` for commands that take ``--cost rflops|latency``."""
    options = [
        click.option(
            "--engine",
            default=None,
            help="rflops/latency: use the newest `kinetics-sql fit` of this engine on --hardware "
            "(default: datasheet 1/peak, 1/HBM, 1/link).",
        ),
        click.option(
            "--vram-gb",
            type=float,
            default=None,
            help="rflops/latency: VRAM limit in GB (default: the hardware profile's); each model and setting "
            "offloads the fewest layers that fit weights + KV + reserve.",
        ),
        click.option(
            "--reserve-gb",
            type=float,
            default=DEFAULT_RESERVE_GB,
            show_default=True,
            help="rflops/latency: VRAM kept free for activations and the runtime.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def prepare_for(wh: Warehouse, cost: str, hardware: str, task: str, strategy: str, **opts: Any) -> Context | None:
    """:func:`prepare` when ``cost`` is rflops or latency (else nothing); ``opts`` from :func:`offload_options`."""
    if cost not in COSTS:
        return None
    return prepare(
        wh,
        cost=cost,
        hardware=hardware,
        task=task,
        strategy=strategy,
        engine=opts.get("engine"),
        vram_gb=opts.get("vram_gb"),
        reserve_gb=opts.get("reserve_gb", DEFAULT_RESERVE_GB),
    )


def _point_params(wh: Warehouse, spec: Any) -> dict[str, Any]:
    from kinetics_sql import frontier as fr

    if spec.cost not in COSTS:
        raise KineticsError(f"the offload comparison needs --cost rflops or latency (got {spec.cost})")
    fr.ensure_macros(wh)
    p = spec.validated(wh).params()
    return {k: p[k] for k in ("task", "strategy", "cost", "hardware", "variant", "models", "methods")}


def arms(wh: Warehouse, spec: Any) -> pl.DataFrame:
    """Every arm (configuration x setting) with its mean accuracy and cost, offload depth and the
    cheapest arm of another model that Pareto-dominates it (after :func:`prepare`)."""
    return wh.named("fit/offload_arms", _point_params(wh, spec))


def dominated(wh: Warehouse, spec: Any, arm_rows: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per model: offloaded arms, how many another model dominates, over which costs, by whom."""
    from dataclasses import replace

    from kinetics_sql import frontier as fr

    df = arms(wh, spec) if arm_rows is None else arm_rows
    wh.con.register("offload_arms_result", df.to_arrow())
    try:
        out = wh.named("fit/offload_dominated")
    finally:
        wh.con.unregister("offload_arms_result")
    # where each model sets the envelope of the per-problem (oracle) frontiers across models
    env = fr.frontier(wh, replace(spec, kind="oracle", by="model", envelope=True, bootstrap=0, grid=None))
    wins = env.group_by("model").agg(
        pl.len().alias("envelope_breakpoints"),
        pl.col("seconds").min().alias("envelope_seconds_from"),
        pl.col("accuracy").min().alias("envelope_accuracy_from"),
    )
    return out.join(wins, on="model", how="left").with_columns(pl.col("envelope_breakpoints").fill_null(0))
