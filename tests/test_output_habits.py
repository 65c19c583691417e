"""Output that fits habits: --columns, -o FILE's format from its extension, a wide table in one block per row,
export of every data table, units in option names."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
from click.testing import CliRunner

from kinetics_sql.cli import cli

QUERY = "SELECT name, layers, hq FROM models WHERE family = 'qwen3' ORDER BY params"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, list(args), env=env)
    return res.exit_code, res.stdout, res.stderr


def test_output_file_format_follows_its_extension(db_path: str, tmp_path: Path) -> None:
    out = tmp_path / "m.parquet"
    code, _, err = run("--db", db_path, "sql", QUERY, "-o", str(out))
    assert code == 0 and "(parquet)" in err
    assert pl.read_parquet(out)["name"][0] == "Qwen3-0.6B"  # a Parquet file, not a text table
    code, _, _ = run("--db", db_path, "sql", QUERY, "-o", str(tmp_path / "m.json"))
    assert json.loads((tmp_path / "m.json").read_text())[0]["layers"] == 28
    code, _, err = run("--db", db_path, "sql", QUERY, "-f", "csv", "-o", str(tmp_path / "x.parquet"))
    assert code == 2 and "--format csv contradicts the file name" in err  # a usage error
    assert not (tmp_path / "x.parquet").exists()
    code, _, _ = run("--db", db_path, "sql", QUERY, "-f", "csv", "-o", str(tmp_path / "m.out"))  # no known extension
    assert code == 0 and (tmp_path / "m.out").read_text().startswith("name,layers,hq")


def test_columns_choose_what_a_table_shows(db_path: str) -> None:
    code, out, _ = run("--db", db_path, "sql", QUERY, "-f", "csv", "--columns", "hq,name")
    assert code == 0 and out.splitlines()[:2] == ["hq,name", "16,Qwen3-0.6B"]
    code, _, err = run("--db", db_path, "models", "--columns", "name,nope")
    assert code == 2 and "--columns: no column nope; the columns are name," in err


def test_a_table_wider_than_the_terminal_prints_one_block_per_row(db_path: str) -> None:
    code, out, _ = run("--db", db_path, "models", env={"COLUMNS": "80"})
    assert code == 0 and "-[ row 1 ]" in out and max(len(line) for line in out.splitlines()[:30]) <= 120
    assert "params_b" in out  # every column, one line each
    code, out, _ = run("--db", db_path, "models", "--columns", "name,params_b", env={"COLUMNS": "80"})
    assert code == 0 and "-[ row" not in out and "┃ name" in out  # narrow enough: a table


def test_export_writes_every_data_table(demo_db: str, tmp_path: Path) -> None:
    code, out, _ = run("--db", demo_db, "export", "--parquet", str(tmp_path))
    assert code == 0, out
    con = duckdb.connect(demo_db, read_only=True)
    tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # type: ignore[index]
    con.close()
    for table in tables:
        assert f"{table}: {counts[table]} rows" in out, table
        path = tmp_path / table
        got: tuple[int, ...] | None = (0,)
        if counts[table]:
            reader = duckdb.connect()
            query = "SELECT count(*) FROM read_parquet($glob, hive_partitioning = true)"
            got = reader.execute(query, {"glob": str(path / "**" / "*.parquet")}).fetchone()
            reader.close()
        assert got == (counts[table],), table
    assert counts["majority_votes"] > 0 and (tmp_path / "majority_votes" / "task=aime24").is_dir()


def test_hardware_memory_in_gb_like_every_other_option(db_path: str) -> None:
    code, _, _ = run("--db", db_path, "hardware", "add", "g", "--peak-flops", "1e14", "--hbm-bytes-per-s", "1e12",
                     "--vram-gb", "48", "--link-bytes-per-s", "25e9")  # fmt: skip
    assert code == 0
    code, out, _ = run("--db", db_path, "hardware", "-f", "json", "--columns", "name,vram_bytes,link_bytes_per_s")
    assert {"name": "g", "vram_bytes": 48e9, "link_bytes_per_s": 25e9} in json.loads(out)
    code, _, err = run("--db", db_path, "hardware", "add", "g", "--vram-gb", "24", "--vram", "24e9")
    assert code == 2 and "not both" in err
