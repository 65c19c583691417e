"""`kinetics-sql frontier` and `compare` through click's CliRunner on the bundled AIME24 tables."""

from __future__ import annotations

import json
from pathlib import Path

import frontier_fixtures as ff
import polars as pl
import pytest
from click.testing import CliRunner

from kinetics_sql.cli import cli

aime_db = ff.aime_db  # fixture


def run(db: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_frontier_csv_columns_and_order(aime_db: str) -> None:
    out = run(aime_db, "frontier", "--task", "aime24", "--strategy", "best-of-n", "--cost", "eflops", "-f", "csv")
    df = pl.read_csv(out.encode())
    assert df.columns[:4] == ["cost", "cost_tera", "seconds", "accuracy"]
    assert {"model", "method", "budget", "setting", "config"} <= set(df.columns)
    assert df["cost"].is_sorted() and df["accuracy"].is_sorted()
    # seconds on b200 = eFLOPs / (i * HBM) = eFLOPs / 4.5e15, the paper's "B200 seconds" (Tera-eFLOPs / 4500); eFLOPs
    # / 2.25e15 would count the KV bytes twice (i = 2 * peak / HBM = 562.5)
    assert ((df["seconds"] - df["cost"] / 4.5e15).abs() < 1e-9).all()


@pytest.mark.parametrize(("cost", "tera"), [("rflops", True), ("latency", False), ("dollars", False)])
def test_cost_tera_only_for_flop_like_costs(aime_db: str, cost: str, tera: bool) -> None:
    """cost_tera is cost / 1e12 where cost counts FLOPs; seconds and dollars have their own units: empty."""
    out = run(aime_db, "frontier", "--cost", cost, "--hardware", "h100-sxm", "--model", "Qwen3-8B", "-f", "csv")
    df = pl.read_csv(out.encode())
    if tera:
        assert ((df["cost_tera"] - df["cost"] / 1e12).abs() <= 1e-12 * df["cost_tera"]).all()
    else:
        assert df.height > 0 and df["cost_tera"].null_count() == df.height


def test_frontier_by_model_bootstrap_json(aime_db: str) -> None:
    rows = json.loads(run(aime_db, "frontier", "--by", "model", "--bootstrap", "20", "--seed", "1", "-f", "json"))
    assert rows and {"group", "lower", "upper", "model", "setting"} <= set(rows[0])
    assert [r["cost"] for r in rows] == sorted(r["cost"] for r in rows)


def test_frontier_grid_flops_published(aime_db: str) -> None:
    out = run(
        aime_db, "frontier", "--cost", "flops", "--variant", "published", "--grid", "100", "--smooth", "3", "-f", "csv"
    )
    df = pl.read_csv(out.encode())
    assert df.height == 100 and "accuracy_exact" in df.columns


def test_frontier_deployable_filters(aime_db: str) -> None:
    out = run(aime_db, "frontier", "--kind", "deployable", "--model", "qwen3-8b", "--method", "dense", "-f", "csv")
    df = pl.read_csv(out.encode())
    assert set(df["model"]) == {"Qwen3-8B"} and set(df["method"]) == {"dense"}


def test_frontier_chart_files(aime_db: str, tmp_path: Path) -> None:
    html = tmp_path / "f.html"
    run(aime_db, "frontier", "--by", "model", "--out", str(html), "-f", "csv")
    text = html.read_text()
    assert "vega" in text.lower() and "tooltip" in text
    svg = tmp_path / "f.svg"
    run(aime_db, "frontier", "--out", str(svg), "-f", "csv")
    assert svg.read_text().lstrip().startswith("<svg")


def test_frontier_errors(aime_db: str) -> None:
    result = CliRunner().invoke(cli, ["--db", aime_db, "frontier", "--hardware", "abacus"])
    assert result.exit_code == 1 and "unknown hardware" in result.output
    result = CliRunner().invoke(cli, ["--db", aime_db, "frontier", "--grid", "10", "--bootstrap", "5"])
    assert result.exit_code == 1 and "do not combine" in result.output


@pytest.mark.slow
def test_compare(aime_db: str) -> None:
    both = json.loads(run(aime_db, "compare", "-f", "json"))
    assert both["flops_vs_eflops"][0]["max_ratio"] > 2
    sparse = {(r["model"], r["method"]): r for r in both["sparse_vs_dense"]}
    assert sparse[("all models", "blocktopk")]["max_cost_ratio"] > 4
    levels = pl.read_csv(run(aime_db, "compare", "flops-vs-eflops", "--levels", "-f", "csv").encode())
    assert (levels["ratio"] >= 1 - 1e-12).all()
    table = run(aime_db, "compare")
    assert "flops_vs_eflops" in table and "sparse_vs_dense" in table
    result = CliRunner().invoke(cli, ["--db", aime_db, "compare", "-f", "csv"])
    assert result.exit_code != 0
