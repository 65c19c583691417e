"""Dollars: what a printed dollar cost is (regime, price, its source, the coefficients behind the seconds).

The SQL is the pricing layer ``queries/pricing/`` (one file per concern: context, plan, terms, seconds, costs,
datasheet, points) and the macros
``usd_per_1000`` and ``hardware_price`` (``queries/macros/020_price.sql``).
"""

from __future__ import annotations

from typing import Any

from kinetics_sql.warehouse import Warehouse

COSTS = ("dollars", "dollars-throughput")
REGIME_TEXT = {
    "dollars": "latency regime: one problem at a time on one GPU, its predicted seconds",
    "dollars-throughput": "throughput regime: the GPU decodes as many problems at once as its VRAM holds "
    "(at most 256 sequences), GPU-seconds per problem",
}


def describe(wh: Warehouse, spec: Any) -> str:
    """One line saying what a dollar cost is, for commands that print one (``spec``: a FrontierSpec)."""
    spec = spec.validated(wh)
    hw = wh.hardware_spec(spec.pricing.hardware)
    price, source = hw.price_per_hour, hw.price_source
    coef = spec.coefficients.label if spec.coefficients is not None else "datasheet"
    p = spec.pricing
    vram = f"{p.vram_gb:g} GB VRAM" if p.vram_gb is not None else "the profile's VRAM"
    price_text = f"${price:g} per GPU-hour ({source})" if price is not None else "no price"
    return (
        f"cost: USD per 1,000 problems on {p.hardware} with {vram}, {REGIME_TEXT[spec.cost]}, x {price_text}; "
        f"seconds from {coef} coefficients"
    )
