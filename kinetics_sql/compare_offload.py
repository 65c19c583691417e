"""The Kinetics++ comparison above the frontier: which offloaded arms another model dominates.

An arm is a configuration x setting with its accuracy and cost averaged over problems (deployable);
under ``--cost rflops|latency`` and a VRAM limit (all in the :class:`~kinetics_sql.frontier.FrontierSpec`)
some arms offload layers, and an arm of another model that costs no more and is no less accurate
dominates them.
"""

from __future__ import annotations

import polars as pl

from kinetics_sql import frontier as fr
from kinetics_sql.costmodel import OFFLOAD_COSTS
from kinetics_sql.errors import KineticsError
from kinetics_sql.warehouse import Warehouse


def _validated(wh: Warehouse, spec: fr.FrontierSpec) -> fr.FrontierSpec:
    if spec.cost not in OFFLOAD_COSTS:
        raise KineticsError(f"the offload comparison needs --cost rflops or latency (got {spec.cost})")
    return spec.validated(wh)


def arms(wh: Warehouse, spec: fr.FrontierSpec) -> pl.DataFrame:
    """Every arm with its mean accuracy and cost, offload depth, and the cheapest arm of another model
    that Pareto-dominates it; ``priced_by`` names the coefficients."""
    spec = _validated(wh, spec)
    table = fr.points_table(wh, spec)
    df = wh.named("fit/offload_arms", {"points": table, **fr.plan_params(wh, spec)})
    return df.with_columns(pl.lit(spec.priced_by).alias("priced_by"))


def dominated(wh: Warehouse, spec: fr.FrontierSpec, arm_rows: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per model: offloaded arms, how many another model dominates, over which costs, by whom, and where the
    model sets the envelope of the per-problem (oracle) frontiers across models."""
    spec = _validated(wh, spec)
    df = arms(wh, spec) if arm_rows is None else arm_rows
    out = _dominated_rows(wh, df)
    env = fr.frontier(wh, spec.but(kind="oracle", by="model", envelope=True, bootstrap=0, grid=None))
    wins = env.group_by("model").agg(
        pl.len().alias("envelope_breakpoints"),
        pl.col("seconds").min().alias("envelope_seconds_from"),
        pl.col("accuracy").min().alias("envelope_accuracy_from"),
    )
    return (
        out.join(wins, on="model", how="left")
        .with_columns(pl.col("envelope_breakpoints").fill_null(0), pl.lit(spec.priced_by).alias("priced_by"))
    )


def _dominated_rows(wh: Warehouse, arm_rows: pl.DataFrame) -> pl.DataFrame:
    wh.con.register("offload_arms_result", arm_rows.to_arrow())
    try:
        return wh.named("fit/offload_dominated")
    finally:
        wh.con.unregister("offload_arms_result")
