"""Prices per GPU-hour: built-in defaults with their source, `hardware add --price-per-hour`, the dollar macros."""

from __future__ import annotations

import duckdb
import pytest
from click.testing import CliRunner

from kinetics_sql import Warehouse
from kinetics_sql.cli import cli


def test_builtin_profiles_have_a_price_and_its_source(wh: Warehouse) -> None:
    rows = wh.df("SELECT name, price_per_hour, price_source FROM hardware WHERE builtin").to_dicts()
    assert len(rows) == 7
    for r in rows:
        assert r["price_per_hour"] > 0 and "read 20" in r["price_source"], r
    price = {r["name"]: r["price_per_hour"] for r in rows}
    assert price["rtx-4090"] == pytest.approx(0.00031 * 3600) and price["h100-sxm"] == pytest.approx(0.00116 * 3600)


def test_usd_per_1000_is_gpu_seconds_times_price_times_gpus(wh: Warehouse) -> None:
    one, two = wh.con.execute(
        "SELECT usd_per_1000(60, hardware_price('rtx-4090')), usd_per_1000(60, hardware_price('rtx-4090'), gpus := 2)"
    ).fetchone() or (0, 0)
    assert one == pytest.approx(1000 * 60 * 1.116 / 3600) and two == pytest.approx(2 * one)
    wh.execute("UPDATE hardware SET price_per_hour = NULL WHERE name = 'a5000'")
    with pytest.raises(duckdb.Error, match=r"a5000 has no price.*--price-per-hour"):
        wh.con.execute("SELECT hardware_price('a5000')").fetchall()


def test_hardware_add_price_keeps_the_rest_and_survives_reopening(runner: CliRunner, db_path: str) -> None:
    res = runner.invoke(
        cli,
        ["--db", db_path, "hardware", "add", "RTX-4090", "--price-per-hour", "0.4", "--price-source", "my invoice"],
        catch_exceptions=False,
    )
    assert res.exit_code == 0 and "$0.4 per GPU-hour" in res.output
    with Warehouse(db_path) as wh:  # reopening re-seeds the built-ins: the user's row stays
        row = wh.df("SELECT * FROM hardware WHERE name = 'rtx-4090'").row(0, named=True)
    assert row["price_per_hour"] == 0.4 and row["price_source"] == "my invoice"
    assert row["peak_flops"] == 1.65e14 and row["vram_bytes"] == 24e9 and not row["builtin"]
    res = runner.invoke(cli, ["--db", db_path, "hardware", "add", "new-gpu", "--price-per-hour", "1"])
    assert res.exit_code != 0 and "required for a new profile" in res.output
    res = runner.invoke(cli, ["--db", db_path, "hardware", "add", "b200", "--price-per-hour", "-1"])
    assert res.exit_code != 0 and "must be > 0" in res.output
    res = runner.invoke(cli, ["--db", db_path, "hardware", "-f", "csv"], catch_exceptions=False)
    assert "price_per_hour" in res.output.splitlines()[0] and "my invoice" in res.output
