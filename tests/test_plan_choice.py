"""The VRAM plan picks the fastest of the plans that fit (queries/pricing/plan.sql): when the KV of N samples does
not fit beside the weights, a second wave with every layer on the GPU beats one wave streaming layers over the link
at every step, unless the link is fast enough."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from kinetics_sql import Warehouse, costmodel

SETTING = {"strategy": "best-of-n", "model": "Qwen3-8B", "setting": 8, "n": 8, "lin_max": 155.0, "gen_len": 9000.0}


@pytest.fixture(scope="module")
def wh() -> Iterator[Warehouse]:
    w = Warehouse(":memory:")
    yield w
    w.close()


def _plan(wh: Warehouse, coefficients: costmodel.Coefficients, vram_gb: float) -> dict:
    cx = costmodel.pricing_context(wh, coefficients, vram_gb=vram_gb)
    return wh.df("SELECT waves, wave_n, k_layers FROM pricing_plan_for(pricing_context($pricing), [$setting])",
                 {"pricing": cx, "setting": SETTING}).row(0, named=True)  # fmt: skip


def test_a_second_wave_beats_streaming_layers_over_pcie(wh: Warehouse) -> None:
    """Qwen3-8B (16.4 GB) on 24 GB, 8 samples of 9,000 tokens (10.6 GB of KV): one wave must stream 4 of 36 layers
    over the link at each step, two waves of 4 keep them all (datasheet h100-sxm, 64 GB/s link): two waves."""
    datasheet = costmodel.resolve(wh, hardware="h100-sxm")
    assert _plan(wh, datasheet, 24.0) == {"waves": 2, "wave_n": 4, "k_layers": 0}
    assert _plan(wh, datasheet, 80.0) == {"waves": 1, "wave_n": 8, "k_layers": 0}  # it all fits: one wave


def test_a_link_as_fast_as_memory_keeps_one_wave(wh: Warehouse) -> None:
    """With link bytes as cheap as HBM bytes, offloading costs nothing a second wave would not: one wave, layers
    offloaded (the plan follows the prices, not a fixed order)."""
    datasheet = costmodel.resolve(wh, hardware="h100-sxm")
    fast_link = replace(datasheet, c=datasheet.b / 10)
    plan = _plan(wh, fast_link, 24.0)
    assert plan["waves"] == 1 and plan["k_layers"] > 0
