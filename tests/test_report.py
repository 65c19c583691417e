"""`kinetics-sql report`: figures, index.html with the key numbers, each beside the SQL behind it."""

from __future__ import annotations

from pathlib import Path

import frontier_fixtures as ff

from kinetics_sql import Warehouse
from kinetics_sql.figures import paper, report

aime_db, aime_wh, aime_report = ff.aime_db, ff.aime_wh, ff.aime_report  # fixtures


def test_key_numbers_each_from_one_query(aime_wh: Warehouse) -> None:
    numbers = [n for n in report.key_numbers(aime_wh) if n.query]
    assert {n.key for n in numbers} >= {"chosen_model", "chosen_arm", "sparse_dense", "switches", "published_check"}
    for n in numbers:
        assert n.sentence and n.rows.height > 0
        # every number is one query over the warehouse (plus the points tables it names)
        assert n.rows.equals(aime_wh.df(n.query, n.params))
        assert n.query in n.sql
    by_key = {n.key: n.rows.row(0, named=True) for n in numbers}
    assert by_key["chosen_model"]["max_ratio"] > 2  # the paper's "up to 3x"
    assert by_key["published_check"]["max_relative_error"] < 1e-12


def test_report_cli(aime_report: tuple[Path, str]) -> None:
    out, output = aime_report
    assert f"report: {out / 'index.html'}" in output
    assert "up to" in output
    html = (out / "index.html").read_text().replace("&#x27;", "'")
    for make in paper.FIGURES:
        name = make.__name__
        assert f"{name.split('_')[0]}_" in html
    for name in ("fig1_frontiers", "fig3_optimal_setting", "fig4a_kv_memory", "fig7_blocktopk_vs_dense"):
        assert (out / f"{name}.html").exists() and f"{name}.html" in html
    assert (out / "sql" / "frontier_macros.sql").exists() and (out / "sql" / "chosen_model.sql").exists()
    assert "The model a FLOPs analysis picks costs up to" in html


def test_the_published_check_only_where_the_task_has_published_tables(aime_wh: Warehouse, wh: Warehouse) -> None:
    assert report._published_check(wh, "aime24", "b200") is None  # nothing ingested: no tables, no pricing
    n = report._published_check(aime_wh, "aime24", "b200")
    assert n is not None and n.rows["rows"][0] > 0 and '"frontier_points_bon_datasheet"' in n.sql
