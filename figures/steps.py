"""The frontier a chart draws: its breakpoints, thinned in SQL to what a chart resolves (report/frontier_steps.sql).

At scale an oracle frontier has a breakpoint for nearly every problem and arm (10^5 rows at 2,000 problems); a
chart of them weighs tens of megabytes and takes minutes to validate and compile. A lane keeps at most about
``levels`` of its breakpoints, each one exact; the step drawn through them is less than 1 / ``levels`` of
accuracy below the frontier at any cost (a 300-pixel axis resolves 1/300). Small frontiers are kept whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from kinetics_sql import frontier as fr
from kinetics_sql import sqlfiles
from kinetics_sql.errors import KineticsError
from kinetics_sql.warehouse import Warehouse

LEVELS = 300  # accuracy levels per lane: at most ~LEVELS + 1 breakpoints, under a pixel of a 300-pixel axis


@dataclass
class Steps:
    """A frontier's chart rows, the query that gives them (its bind parameters), and the query with the
    statements that made the points table it names (what a report shows beside the chart)."""

    rows: pl.DataFrame
    sql: str
    params: dict[str, Any]
    provenance: str


def frontier_steps(wh: Warehouse, spec: fr.FrontierSpec, *, levels: int = LEVELS) -> Steps:
    """The frontier of ``spec`` at its exact breakpoints, at most about ``levels`` per lane: the columns of
    :func:`kinetics_sql.frontier.frontier` (``group`` where it has one, lower/upper with a bootstrap)."""
    if levels < 1:
        raise KineticsError(f"a chart needs at least 1 accuracy level, got {levels}")
    spec = spec.validated(wh)
    if spec.grid is not None:
        raise KineticsError("a chart's steps are exact breakpoints: leave out the grid")
    _frontier_sql, params = fr.query(wh, "frontier", spec)  # materialises the points table it names
    sql = sqlfiles.load("report/frontier_steps")
    params = {**params, "levels": levels}
    if spec.bootstrap and spec.selection.kind == "oracle":  # the same band, chunk by chunk (kinetics_sql.band)
        from kinetics_sql.band import oracle_band

        df = wh.df(sql, {**params, "bootstrap": 0})
        lower, upper = oracle_band(
            wh, params["points"], spec.by, spec.envelope, spec.bootstrap, spec.seed, df.select("group", "cost")
        )
        df = df.with_columns(lower=pl.Series(lower, dtype=pl.Float64), upper=pl.Series(upper, dtype=pl.Float64))
    else:
        df = wh.df(sql, params)
    df = df.with_columns(
        pl.lit(spec.priced_by).alias("priced_by"),
        pl.lit(spec.pricing.gpus, dtype=pl.Int32).alias("gpus"),
        (pl.col("seconds") * spec.pricing.gpus).alias("gpu_seconds"),
    )
    cols = list(fr.FRONTIER_COLUMNS) + (["lower", "upper"] if spec.bootstrap else [])
    if spec.by != "none" or not spec.envelope:
        cols = ["group", *cols]
    return Steps(df.select(cols), sql, params, fr.provenance(wh, sql, {"points": spec}))
