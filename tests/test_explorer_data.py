"""The explorer's data (figures.explorer): per hardware, VRAM, task and strategy, recommend's deployable arms with
their bootstrap bands, priced from one pass over the trials and with one band per task and strategy."""

from __future__ import annotations

import frontier_fixtures as ff
import polars as pl
import pytest

from kinetics_sql import Warehouse, sqlfiles
from kinetics_sql import recommend as rec
from kinetics_sql.figures import explorer

aime_db, aime_wh = ff.aime_db, ff.aime_wh  # fixtures


def test_every_selection_is_recommends_arms_with_their_own_band(aime_wh: Warehouse) -> None:
    steps: list[str] = []
    data = explorer.explorer_data(aime_wh, hardware=["rtx-4090", "h100-sxm"], bootstrap=20, progress=steps.append)
    got = [(s["hardware"], s["vram"], s["task"], s["strategy"]) for s in data["selections"]]
    assert got == [("rtx-4090", 24.0, "aime24", "best-of-n"), ("h100-sxm", 80.0, "aime24", "best-of-n"),
                   ("h100-sxm", 24.0, "aime24", "best-of-n")]  # fmt: skip
    assert len(steps) == 6 and "aime24 long-cot" in steps[-1]  # told every selection, those without data too
    for sel in data["selections"][::-1]:  # the band was computed on the first selection: check it on the others
        req = rec.Request.make(hardware=sel["hardware"], vram_gb=sel["vram"], strategies=(sel["strategy"],), budget_s=1)
        arms, _, _ = rec.arm_table(aime_wh, req.validated(aime_wh))
        band = aime_wh.df(
            sqlfiles.load("recommend/band"),
            {"bootstrap": 20, "seed": 0, "strategy": None, "config": None, "setting": None},
        )
        want = arms.join(band, on=["strategy", "config", "setting"], how="left").select(explorer.COLUMNS)
        have = pl.DataFrame(sel["arms"])
        seconds = ["latency_s", "throughput_s", "usd_latency", "usd_throughput"]  # unordered sums: to the last bits
        assert have.drop(seconds).equals(want.drop(seconds)) and have["lower"].null_count() == 0
        for col in seconds:
            assert have[col].to_list() == pytest.approx(want[col].to_list(), rel=1e-12)
