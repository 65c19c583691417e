"""Published Kinetics trade-off tables, idempotent re-ingest, export to Hive-partitioned Parquet."""

from __future__ import annotations

import csv as csv_module
import io
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from dbread import query as q

from kinetics_sql.cli import cli
from kinetics_sql.ingest import sources
from kinetics_sql.warehouse import Warehouse

DATA = Path(__file__).parents[1] / "kinetics_sql" / "data" / "kinetics-aime24"
DENSE_8B = DATA / "dense" / "aime24_qwen3-8b_dense_numTrials_tradeoff.csv"
FLAGGED = DATA / "topk" / "aime24_qwen3-32b_local0_topk128_numTrials_tradeoff.csv"
BLOCK = DATA / "block_topk" / "aime24_qwen3-1-7b_local0_block32_blocktopk16_tradeoff.csv"
JSONL = Path(__file__).parent / "fixtures" / "kinetics" / "aime24_qwen3-8b_local0_topk128.jsonl"


def run(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def tables_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    db = str(tmp_path_factory.mktemp("tables") / "w.duckdb")
    result = CliRunner().invoke(cli, ["--db", db, "ingest", str(DENSE_8B), str(FLAGGED), str(BLOCK)],
                                catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    return db, result.output


def test_published_tables_derive_problems(tables_db: tuple[str, str]) -> None:
    db, _ = tables_db
    assert q(db, "SELECT problem_id, prompt_tokens, n_samples FROM problems WHERE source = '" + DENSE_8B.name
             + "' AND problem_id IN ('0', '1') ORDER BY 1") == [("0", 155, 32), ("1", 177, 32)]  # fmt: skip
    # n_correct = n_samples * coverage at N = 1, for every problem of every file
    assert q(db, "SELECT count(*), bool_and(p.n_correct = round(c.coverage * p.n_samples)) FROM problems p"
             " JOIN published_costs c USING (source, problem_id) WHERE c.n = 1") == [(90, True)]  # fmt: skip
    assert q(db, "SELECT DISTINCT model, method, budget, block_size FROM trials ORDER BY ALL") == [
        ("Qwen3-1.7B", "blocktopk", 512, 32), ("Qwen3-32B", "topk", 128, None), ("Qwen3-8B", "dense", None, None),
    ]  # fmt: skip
    # 8 trials per problem for 32B, 32 otherwise
    assert q(db, "SELECT model, min(n_samples), max(n_samples) FROM problems GROUP BY 1 ORDER BY 1") == [
        ("Qwen3-1.7B", 32, 32), ("Qwen3-32B", 8, 8), ("Qwen3-8B", 32, 32),
    ]  # fmt: skip


def test_recomputed_costs_flag_only_the_mislabelled_file(tables_db: tuple[str, str]) -> None:
    db, output = tables_db
    assert q(db, "SELECT source, count(*) FROM ingest_issues GROUP BY 1") == [(FLAGGED.name, 30)]
    assert "warning:" in output and FLAGGED.name in output
    logged = q(db, "SELECT rows::VARCHAR FROM ingest_log WHERE source = '" + FLAGGED.name + "'")[0][0]
    assert json.loads(logged)["ingest_issues"] == 30


def test_changed_file_replaces_its_rows(runner: CliRunner, db_path: str, tmp_path: Path) -> None:
    csv = tmp_path / DENSE_8B.name
    shutil.copyfile(DENSE_8B, csv)
    run(runner, "--db", db_path, "ingest", "-q", str(csv))
    first = q(db_path, "SELECT count(*) FROM problems"), q(db_path, "SELECT count(*) FROM published_costs")
    out = run(runner, "--db", db_path, "ingest", str(csv))
    assert "unchanged, skipped" in out
    assert (q(db_path, "SELECT count(*) FROM problems"), q(db_path, "SELECT count(*) FROM published_costs")) == first
    lines = csv.read_text().splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    kept = [r for r in csv_module.reader(body) if r]
    keep_ids = sorted({r[0] for r in kept})[:5]
    buf = io.StringIO()
    w = csv_module.writer(buf, lineterminator="\n")
    for r in kept:
        if r[0] in keep_ids:
            w.writerow(r)
    csv.write_text(header + buf.getvalue())
    run(runner, "--db", db_path, "ingest", "-q", str(csv))
    assert q(db_path, "SELECT count(*), count(DISTINCT problem_id) FROM problems") == [(5, 5)]
    assert q(db_path, "SELECT count(*) FROM trials") == [(5 * 32,)]
    assert q(db_path, "SELECT count(*) FROM ingest_log") == [(1,)]


def test_changed_jsonl_replaces_its_rows(runner: CliRunner, db_path: str, tmp_path: Path) -> None:
    src = tmp_path / JSONL.name
    shutil.copyfile(JSONL, src)
    run(runner, "--db", db_path, "ingest", "-q", str(src), "--gen-budgets", "512,1024")
    assert q(db_path, "SELECT count(*) FROM trial_budgets") == [(16 * 2,)]
    lines = src.read_text().splitlines()
    src.write_text("\n".join(lines[:3]) + "\n")  # metadata + two problems
    run(runner, "--db", db_path, "ingest", "-q", str(src), "--gen-budgets", "512,1024")
    assert q(db_path, "SELECT count(*) FROM trials") == [(8,)]
    assert q(db_path, "SELECT count(*) FROM trial_budgets") == [(8 * 2,)]
    # other options are another ingest: new budgets replace the old ones
    run(runner, "--db", db_path, "ingest", "-q", str(src), "--gen-budgets", "256")
    assert q(db_path, "SELECT DISTINCT gen_budget FROM trial_budgets") == [(256,)]
    assert json.loads(q(db_path, "SELECT rows::VARCHAR FROM ingest_log")[0][0])["trial_budgets"] == 8


def test_export_parquet_hive_partitions(runner: CliRunner, tables_db: tuple[str, str], tmp_path: Path) -> None:
    db, _ = tables_db
    out = tmp_path / "it's an export"  # a quote in the path: the path is never part of SQL text
    text = run(runner, "--db", db, "export", "--parquet", str(out))
    assert "trials:" in text
    assert (out / "trials" / "task=aime24" / "model=Qwen3-8B").is_dir()
    assert list((out / "problems" / "task=aime24" / "model=Qwen3-32B").glob("*.parquet"))
    assert (out / "ingest_log" / "data.parquet").is_file()
    con = duckdb.connect()
    glob = str(out / "trials" / "**" / "*.parquet")
    got = con.execute(
        "SELECT model, count(*) FROM read_parquet($glob, hive_partitioning = true) GROUP BY 1 ORDER BY 1",
        {"glob": glob},
    ).fetchall()
    con.close()
    assert got == q(db, "SELECT model, count(*) FROM trials GROUP BY 1 ORDER BY 1")
    # exporting again replaces the earlier files (no duplicated rows)
    run(runner, "--db", db, "export", "--parquet", str(out))
    con = duckdb.connect()
    again = con.execute("SELECT count(*) FROM read_parquet($glob, hive_partitioning = true)", {"glob": glob}).fetchone()
    con.close()
    assert again == (sum(n for _, n in got),)


def test_bundled_tables_reproduce_published_costs_except_the_flagged_file(runner: CliRunner, db_path: str) -> None:
    out = run(runner, "--db", db_path, "ingest", "-q", str(sources.bundled_root()))  # --bundled: tests/test_boinf.py
    assert "ingested 44 of 44 sources" in out
    assert f"27 more: SELECT * FROM ingest_issues WHERE source = '{FLAGGED.name}'" in out  # 30 issues, 3 shown
    assert q(db_path, "SELECT count(*), count(DISTINCT source) FROM problems") == [(44 * 30, 44)]
    # every problem of every other file reproduces its published total_cost to 1e-9 relative
    assert q(db_path, "SELECT source, count(*) FROM ingest_issues GROUP BY 1") == [(FLAGGED.name, 30)]
    with Warehouse(db_path, read_only=True) as wh:  # the cost macros are the warehouse's, created on open
        worst = wh.df(
            """
        WITH r AS (
            SELECT pc.source, pc.problem_id, pc.n, any_value(pc.total_cost) AS published,
                   avg(eflops(t.method, coalesce(m.params_kinetics, m.params), m.hq, m.hkv, m.head_dim * m.layers,
                              t.prompt_tokens, t.gen_tokens, pc.n, 562.5, budget := coalesce(t.budget, 0),
                              block_size := coalesce(t.block_size, 0), variant := 'published')) / 1e12 AS ours
            FROM published_costs pc JOIN trials t USING (source, problem_id) JOIN models m ON m.name = t.model
            GROUP BY ALL)
        SELECT max(abs(ours - published) / published) AS worst FROM r WHERE source <> ?""",
            [FLAGGED.name],
        ).item()
    assert worst < 1e-9
