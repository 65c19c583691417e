"""`kinetics-sql report`: figures, index.html with the key numbers, each beside the SQL behind it."""

from __future__ import annotations

from pathlib import Path

import frontier_fixtures as ff
from click.testing import CliRunner
from kinetics_sql.figures import paper, report

from kinetics_sql import Warehouse
from kinetics_sql.cli import cli

aime_db, aime_wh = ff.aime_db, ff.aime_wh  # fixtures


def test_report_library(aime_wh: Warehouse, tmp_path: Path) -> None:
    res = report.write_report(aime_wh, tmp_path / "rep", bootstrap=10, images=False)
    html = res.index.read_text()
    ours = [n for n in res.numbers if n.query]
    assert {n.key for n in ours} >= {"chosen_model", "chosen_arm", "sparse_dense", "switches", "published_check"}
    for n in ours:
        assert n.sentence and n.sentence in html.replace("&#x27;", "'")
        assert n.rows.height > 0
        assert (tmp_path / "rep" / "sql" / f"{n.key}.sql").exists()
        # every number is one query over the warehouse (plus the points tables it names)
        assert n.rows.equals(aime_wh.df(n.query, n.params))
    for make in paper.FIGURES:
        name = make(paper.Context(aime_wh)).name
        assert f"{name}.html" in res.figures and (tmp_path / "rep" / f"{name}.html").exists()
    assert "frontier_macros.sql" in html and (tmp_path / "rep" / "sql" / "frontier_macros.sql").exists()
    chosen = next(n for n in res.numbers if n.key == "chosen_model").rows.row(0, named=True)
    assert chosen["max_ratio"] > 2  # the paper's "up to 3x"
    published = next(n for n in res.numbers if n.key == "published_check").rows.row(0, named=True)
    assert published["max_relative_error"] < 1e-12


def test_report_cli(aime_db: str, tmp_path: Path) -> None:
    out = tmp_path / "r"
    result = CliRunner().invoke(
        cli, ["--db", aime_db, "report", "--out", str(out), "--no-png", "--bootstrap", "5"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert f"report: {out / 'index.html'}" in result.output
    assert "up to" in result.output
    assert (out / "index.html").exists() and (out / "fig1_frontiers.html").exists()
