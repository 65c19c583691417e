"""Fast start without timing anything (the CPU seconds are bench/bench_startup.py's): `--help` and `--version` import
no command module and no DuckDB, polars or pyarrow; the command index they print from matches the commands; a
CLI warehouse creates only the macros a query names and the files they require."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kinetics_sql import sqldeps
from kinetics_sql.commands import index
from kinetics_sql.warehouse import Warehouse, macro_files, needed_files

PROBE = """
import sys
from kinetics_sql.cli import cli
try:
    cli.main([{arg!r}], prog_name="kinetics-sql", standalone_mode=False)
except SystemExit:
    pass
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("duckdb", "polars", "pyarrow", "numpy")
               or m.startswith("kinetics_sql.commands.") and m != "kinetics_sql.commands.index"
               and m != "kinetics_sql.commands.context")
print("HEAVY", heavy)
"""


@pytest.mark.parametrize("arg", ["--help", "--version"])
def test_help_and_version_import_nothing_heavy(arg: str) -> None:
    out = subprocess.run([sys.executable, "-c", PROBE.format(arg=arg)], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout, out.stdout[-500:]
    if arg == "--help":
        assert "recommend" in out.stdout and "Commands:" in out.stdout


def test_the_index_names_every_command_as_it_is() -> None:
    assert index.render() == Path(index.__file__).read_text(), (
        "kinetics_sql/commands/index.py is stale: regenerate it with `python -m kinetics_sql.commands.index`"
    )


def test_a_cli_warehouse_creates_only_the_macros_a_query_needs() -> None:
    with Warehouse(":memory:", lazy_macros=True) as wh:
        stored = "SELECT count(*) AS n FROM duckdb_functions() WHERE function_type IN ('macro', 'table_macro') " \
                 "AND NOT internal"  # fmt: skip
        assert wh.con.execute(stored).fetchall()[0][0] == 0
        assert wh.df("SELECT eflops_tera FROM model_cost('Qwen3-8B', 'b200', 'dense', 155, 1000, 1)").item() > 0
        want = needed_files("model_cost")
        assert "macros/001_cost" in want and not any(n.startswith(("pricing/", "frontier/")) for n in want)
        created = wh.con.execute(stored).fetchall()[0][0]
        everything = sum(len(sqldeps.macro_files()[n].defines) for n, _ in macro_files())
        assert 0 < created < everything / 2
        wh.df("SELECT count(*) FROM frontier_points('aime24', 'best-of-n', 'eflops', 'b200', 'exact', [], [])")
        assert {"pricing/costs", "frontier/points_macro", "selection/trials"} <= needed_files("frontier_points")
