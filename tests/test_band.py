"""The oracle band in bounded memory (kinetics_sql.band) equals frontier_curve's band in SQL, bit for bit up to the
order of float sums, for every grouping, envelope and per-group frontiers."""

from __future__ import annotations

from dataclasses import replace

import frontier_fixtures as ff
import numpy as np
import pytest

from kinetics_sql import Warehouse
from kinetics_sql import frontier as fr

aime_db = ff.aime_db  # fixtures
aime_wh = ff.aime_wh


@pytest.mark.parametrize(("by", "envelope"), [("none", True), ("model", True), ("model", False), ("method", False)])
def test_chunked_band_equals_the_sql_band(aime_wh: Warehouse, by: str, envelope: bool) -> None:
    spec = fr.FrontierSpec.make(by=by, envelope=envelope, bootstrap=40, seed=7).validated(aime_wh)
    chunked = fr.frontier(aime_wh, spec)
    sql, params = fr.query(aime_wh, "frontier", spec)
    reference = aime_wh.df(sql, params)  # the whole band in SQL, as before
    assert chunked.height == reference.height > 3
    for col in ("cost", "accuracy", "lower", "upper"):
        np.testing.assert_allclose(chunked[col].to_numpy(), reference[col].to_numpy(), rtol=1e-12, atol=1e-12)
    assert (chunked["lower"] <= chunked["accuracy"] + 1e-12).all() or by != "none"


def test_chunking_does_not_change_the_band(aime_wh: Warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    from kinetics_sql import band

    spec = fr.FrontierSpec.make(by="model", bootstrap=30, seed=1)
    whole = fr.frontier(aime_wh, spec)
    monkeypatch.setattr(band, "CHUNK_ELEMENTS", 1)  # one replicate a step
    stepped = fr.frontier(aime_wh, replace(spec))
    np.testing.assert_allclose(whole["lower"].to_numpy(), stepped["lower"].to_numpy(), rtol=0, atol=0)
    np.testing.assert_allclose(whole["upper"].to_numpy(), stepped["upper"].to_numpy(), rtol=0, atol=0)


def test_a_charts_thinned_steps_carry_the_sql_band(aime_wh: Warehouse) -> None:
    """figures.steps computes the band of the kept rows the bounded way; its query (the provenance) gives the same."""
    from kinetics_sql.figures.steps import frontier_steps

    spec = fr.FrontierSpec.make(by="model", bootstrap=25, seed=3)
    steps = frontier_steps(aime_wh, spec, levels=20)
    reference = aime_wh.df(steps.sql, steps.params)
    assert steps.params["bootstrap"] == 25 and steps.rows.height == reference.height > 3
    for col in ("cost", "lower", "upper"):
        np.testing.assert_allclose(steps.rows[col].to_numpy(), reference[col].to_numpy(), rtol=1e-12, atol=1e-12)
