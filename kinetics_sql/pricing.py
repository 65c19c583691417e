"""Dollars: what a printed dollar cost is (regime, price, its source, the coefficients behind the seconds).

The SQL is in ``queries/pricing/macros.sql`` (created with the offload macros) and the macros
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


def describe(wh: Warehouse, cost: str, hardware: str, ctx: Any = None) -> str:
    """One line saying what a dollar cost is, for commands that print one."""
    hw = wh.resolve_hardware(hardware)
    row = wh.con.execute("SELECT price_per_hour, price_source FROM hardware WHERE name = ?", [hw]).fetchone()
    price, source = row if row else (None, None)
    coef = getattr(ctx, "coefficients", "datasheet")
    vram = getattr(ctx, "vram_bytes", None)
    price_text = f"${price:g} per GPU-hour ({source})" if price is not None else "no price"
    return (
        f"cost: USD per 1,000 problems on {hw}"
        + (f" with {vram / 1e9:g} GB VRAM" if vram else "")
        + f", {REGIME_TEXT[cost]}, x {price_text}; seconds from {coef} coefficients"
    )
