"""A chart's frontier (figures.steps): exact breakpoints, thinned to what a chart resolves, within 1 / levels."""

from __future__ import annotations

import frontier_fixtures as ff
import numpy as np
import polars as pl
import pytest

from kinetics_sql import Warehouse, sqlfiles
from kinetics_sql import frontier as fr
from kinetics_sql.errors import KineticsError
from kinetics_sql.figures import paper, steps

aime_db, aime_wh = ff.aime_db, ff.aime_wh  # fixtures


def _lanes(df: pl.DataFrame, envelope: bool) -> dict[str, pl.DataFrame]:
    if envelope:
        return {"envelope": df.sort("cost")}
    return {str(k[0]): part.sort("cost") for k, part in df.group_by(["group"])}


@pytest.mark.parametrize(("by", "envelope"), [("model", True), ("model_method", False)])
def test_kept_rows_are_breakpoints_and_the_step_stays_within_a_level(
    aime_wh: Warehouse, by: str, envelope: bool
) -> None:
    spec = fr.FrontierSpec.make(by=by, envelope=envelope)
    full = fr.frontier(aime_wh, spec)
    levels = 10
    got = steps.frontier_steps(aime_wh, spec, levels=levels)
    assert got.rows.columns == full.columns
    assert 0 < got.rows.height < full.height  # thinned: the bundled frontiers have more breakpoints than 10 levels
    assert set(got.rows.rows()) <= set(full.rows())  # every kept row is a breakpoint, to the bit
    kept = _lanes(got.rows, envelope)
    for lane, whole in _lanes(full, envelope).items():
        part = kept[lane]
        assert part.height <= min(whole.height, levels + 1)
        assert part["cost"][-1] == whole["cost"][-1]  # the last breakpoint is kept: the top accuracy is exact
        # at every breakpoint's cost, the step through the kept rows is at most, and less than a level below, it
        idx = np.searchsorted(part["cost"].to_numpy(), whole["cost"].to_numpy(), side="right") - 1
        drawn = np.where(idx >= 0, part["accuracy"].to_numpy()[np.maximum(idx, 0)], 0.0)
        true = whole["accuracy"].to_numpy()
        assert np.all(drawn <= true) and np.all(drawn > true - 1.0 / levels)


def test_small_frontiers_are_kept_whole_and_the_query_reproduces_the_rows(aime_wh: Warehouse) -> None:
    spec = fr.FrontierSpec.make(by="model", bootstrap=5)
    full = fr.frontier(aime_wh, spec)
    got = steps.frontier_steps(aime_wh, spec, levels=full.height)
    assert got.rows.equals(full)
    again = aime_wh.df(got.sql, got.params)
    assert again.select("cost", "accuracy").equals(full.select("cost", "accuracy"))
    for col in ("lower", "upper"):  # the SQL band and the chunked one (kinetics_sql.band) sum in different orders
        np.testing.assert_allclose(again[col].to_numpy(), full[col].to_numpy(), rtol=1e-12, atol=1e-12)
    assert got.sql in got.provenance and got.params["points"] in got.provenance


def test_a_figure_embeds_the_thinned_rows_its_query_gives(aime_wh: Warehouse) -> None:
    fig = paper.fig2_methods(paper.Context(aime_wh, levels=10))
    ((prov, params),) = fig.queries
    sql = sqlfiles.load("report/frontier_steps")
    assert params["levels"] == 10 and prov.endswith(sql)
    rows = aime_wh.df(sql, params)
    embedded = fig.chart.to_dict()["data"]["values"]  # the step chart's layers share its data
    assert len(embedded) == rows.height < fr.frontier(aime_wh, fr.FrontierSpec.make(by="method", envelope=False)).height
    assert sorted(r["accuracy"] for r in embedded) == sorted(rows["accuracy"])
    # only the fields a chart draws or shows
    assert "priced_by" not in embedded[0] and {"cost_tera", "x2", "y0", "config"} <= embedded[0].keys()


def test_bad_levels_and_grid_are_refused(aime_wh: Warehouse) -> None:
    with pytest.raises(KineticsError, match="at least 1 accuracy level"):
        steps.frontier_steps(aime_wh, fr.FrontierSpec(), levels=0)
    with pytest.raises(KineticsError, match="leave out the grid"):
        steps.frontier_steps(aime_wh, fr.FrontierSpec.make(grid=10))
