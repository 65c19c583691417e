"""One GPU against T GPUs in tensor parallel: which deployable arms cost fewer GPU-seconds on T.

The price of a GPU-hour is the same for every GPU of one kind, so dollars per problem are proportional to
GPU-seconds (``gpus * seconds``): T GPUs give more accuracy per dollar exactly where an arm's T-GPU
wall time is under 1/T of its one-GPU time. Under the roofline alone that never happens (the work splits
T ways and the interconnect adds to it); it happens where one GPU's memory forces offloading or
sequential waves of the N samples (``--cost latency|rflops`` and the VRAM plan), which T GPUs' memory
avoids.

>>> from kinetics_sql import Warehouse
>>> wh = Warehouse(":memory:")
>>> arms(wh, fr.FrontierSpec.make(hardware="h200", gpus=2)).height   # nothing ingested yet
0
"""

from __future__ import annotations

import polars as pl

from kinetics_sql import frontier as fr
from kinetics_sql.errors import KineticsError
from kinetics_sql.warehouse import Warehouse


def _pair(wh: Warehouse, spec: fr.FrontierSpec) -> tuple[fr.FrontierSpec, dict[str, str]]:
    spec = spec.validated(wh)
    if spec.pricing.gpus < 2:
        raise KineticsError("the gpus comparison needs --gpus 2 or more (one GPU against that many)")
    one = spec.but(gpus=1).validated(wh)
    return spec, {"one": fr.points_table(wh, one), "many": fr.points_table(wh, spec)}


def arms(wh: Warehouse, spec: fr.FrontierSpec) -> pl.DataFrame:
    """Every deployable arm: mean accuracy, seconds and GPU-seconds per problem on 1 and on ``spec.pricing.gpus``
    GPUs, their ratio, and whether T GPUs are cheaper; ``priced_by`` names the cost model."""
    spec, tables = _pair(wh, spec)
    df = wh.named("tp/arms", {**tables, "gpus": spec.pricing.gpus})
    return df.with_columns(pl.lit(spec.priced_by).alias("priced_by"))


def summary(wh: Warehouse, spec: fr.FrontierSpec) -> pl.DataFrame:
    """Per model and over all models: arms cheaper on T GPUs, and T GPUs' share of the deployable frontier
    in GPU-seconds (queries/tp/summary.sql)."""
    spec = spec.validated(wh)
    rows = arms(wh, spec)
    wh.con.register("tp_arms_result", rows.to_arrow())
    try:
        out = wh.named("tp/summary", {"gpus": spec.pricing.gpus})
    finally:
        wh.con.unregister("tp_arms_result")
    return out.with_columns(pl.lit(spec.priced_by).alias("priced_by"))
