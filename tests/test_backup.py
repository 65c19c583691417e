"""A backup that restores: a warehouse stores no macro (they are created on every open), so DuckDB's EXPORT DATABASE
(`kinetics-sql export --backup DIR`) and IMPORT DATABASE (`kinetics-sql restore DIR`) give back the same tables and
rows, and the commands work on the copy; warehouses of earlier versions lose their stored macros on migration."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import polars as pl
import pytest
from click.testing import CliRunner

from kinetics_sql.cli import cli
from kinetics_sql.warehouse import Warehouse

BOINF = "analysis_aime2024_Qwen3-4B.jsonl.gz"


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def tables(db: str) -> dict[str, int]:
    con = duckdb.connect(db, read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchall()[0][0] for n in names}
    finally:
        con.close()


@pytest.fixture(scope="module")
def source_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    from kinetics_sql.ingest import sources

    db = str(tmp_path_factory.mktemp("src") / "w.duckdb")
    kinetics = Path(sources.bundled_root())
    boinf = Path(sources.bundled_roots()[1]) / BOINF
    dense = kinetics / "dense" / "aime24_qwen3-8b_dense_numTrials_tradeoff.csv"
    run("--db", db, "ingest", "-q", str(dense), str(boinf))
    run("--db", db, "hardware", "add", "my-gpu", "--peak-flops", "1e15", "--hbm", "2e12", "--vram-gb", "48",
        "--link", "6.4e10", "--price-per-hour", "2")  # fmt: skip
    return db


def test_export_then_import_gives_the_same_tables_and_rows(source_db: str, tmp_path: Path) -> None:
    backup, copy = tmp_path / "backup", str(tmp_path / "copy.duckdb")
    assert "backed up" in run("--db", source_db, "export", "--backup", str(backup))
    run("--db", copy, "restore", str(backup))
    before, after = tables(source_db), tables(copy)
    assert before == after and before["trials"] > 0 and before["majority_votes"] > 0
    # every command works on the copy, with the same answers
    for args in (["frontier", "--cost", "latency", "--hardware", "h100-sxm", "-f", "csv"],
                 ["frontier", "--strategy", "majority", "-f", "csv"],
                 ["recommend", "--hardware", "my-gpu", "--budget-dollars", "1000", "-f", "json"],
                 ["cost", "--model", "Qwen3-8B", "--lout", "1000", "--cost", "dollars", "--hardware", "my-gpu", "-f",
                  "csv"],
                 ["models", "-f", "csv"], ["hardware", "-f", "csv"], ["coefficients", "-f", "csv"]):  # fmt: skip
        assert run("--db", copy, *args) == run("--db", source_db, *args), args
    # and it is a warehouse like any: it ingests
    trace = Path(__file__).parent / "fixtures" / "kinetics" / "aime24_qwen3-8b_dense.jsonl"
    run("--db", copy, "ingest", "-q", str(trace))


def test_no_macro_is_stored_and_old_stored_macros_are_dropped(tmp_path: Path) -> None:
    db = str(tmp_path / "w.duckdb")
    Warehouse(db).close()
    con = duckdb.connect(db)
    stored = "SELECT count(*) FROM duckdb_functions() WHERE database_name = current_database() AND NOT internal " \
             "AND function_type IN ('macro', 'table_macro')"  # fmt: skip
    assert con.execute(stored).fetchall()[0][0] == 0
    # a warehouse of an earlier version: macros stored, one calling another (EXPORT writes them alphabetically)
    con.execute("CREATE MACRO b_base(x) AS x + 1")
    con.execute("CREATE MACRO a_user(x) AS b_base(x) * 2")
    con.execute("DELETE FROM schema_version WHERE version = 61")
    con.close()
    with pytest.raises(duckdb.Error, match="b_base"):
        backup = tmp_path / "old"
        c = duckdb.connect(db, read_only=True)
        c.execute(f"EXPORT DATABASE '{backup}'")
        c.close()
        duckdb.connect(str(tmp_path / "old.duckdb")).execute(f"IMPORT DATABASE '{backup}'")
    with Warehouse(db) as wh:  # migration 061 drops them
        assert wh.con.execute(stored).fetchall()[0][0] == 0


def test_backup_refuses_a_used_folder_and_restore_an_existing_file(source_db: str, tmp_path: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("x")
    result = CliRunner().invoke(cli, ["--db", source_db, "export", "--backup", str(tmp_path / "used")])
    assert result.exit_code == 1 and "not empty" in result.output
    result = CliRunner().invoke(cli, ["--db", source_db, "restore", str(tmp_path / "used")])
    assert result.exit_code == 1 and "not a backup folder" in result.output
    run("--db", source_db, "export", "--backup", str(tmp_path / "b"))
    result = CliRunner().invoke(cli, ["--db", source_db, "restore", str(tmp_path / "b")])
    assert result.exit_code == 1 and "exists" in result.output
    assert pl.read_csv(io.StringIO(run("--db", source_db, "models", "-f", "csv"))).height > 0
