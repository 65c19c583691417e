"""Facts once: the Kinetics file-name grammar lives in kinetics_sql.facts.kinetics_names alone; ingest stores a source's
local window, run index and answer-table flag as columns (migration 060 fills rows ingested before it) and SQL reads
the columns, never a file name (no regexp in queries/)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from kinetics_sql import Warehouse, sqldeps, sqlfiles
from kinetics_sql.cli import cli
from kinetics_sql.facts import kinetics_names

FIXTURE = Path(__file__).parent / "fixtures" / "kinetics" / "aime24_qwen3-8b_local0_topk128.jsonl"
RUN = "aime24_qwen3-8b_local128_topk32_1.jsonl"  # Python read run 1 here, the SQL regexp read none


def test_the_grammar_reads_a_repeated_run_of_a_trace_file() -> None:
    parsed = kinetics_names.parse(RUN)
    assert parsed is not None and (parsed.local, parsed.run, parsed.budget) == (128, 1, 160)
    assert kinetics_names.source_facts(RUN, "kinetics-jsonl") == {
        "local_window": 128, "run_index": 1, "answer_table": False,
    }  # fmt: skip


def _run_file(tmp_path: Path) -> Path:
    """The fixture's trace under the repeated-run name, its header saying local 128, top-k 32 as the name does."""
    head, *rest = FIXTURE.read_text().splitlines(keepends=True)
    src = tmp_path / RUN
    src.write_text(json.dumps({**json.loads(head), "attn_local": 128, "attn_topk": 32}) + "\n" + "".join(rest))
    return src


def test_ingest_stores_the_facts_and_the_label_reads_them(tmp_path: Path) -> None:
    src = _run_file(tmp_path)
    db = str(tmp_path / "w.duckdb")
    result = CliRunner().invoke(cli, ["--db", db, "ingest", "-q", str(src)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with Warehouse(db) as wh:
        facts = wh.df("SELECT DISTINCT local_window, run_index, answer_table FROM trial_budgets")
        assert facts.rows() == [(128, 1, False)]
        configs = wh.df("SELECT DISTINCT config FROM frontier_trials('aime24', 'long-cot', [], [], [])")["config"]
        assert configs.to_list() == ["Qwen3-8B topk160 local128 #1"]


def test_migration_060_fills_rows_ingested_before_it(tmp_path: Path) -> None:
    src = _run_file(tmp_path)
    db = str(tmp_path / "w.duckdb")
    assert CliRunner().invoke(cli, ["--db", db, "ingest", "-q", str(src)], catch_exceptions=False).exit_code == 0
    with Warehouse(db) as wh:  # as a warehouse of before the migration: no facts, migration 60 not recorded
        for table in kinetics_names.FACT_TABLES:
            wh.execute(f"UPDATE {table} SET local_window = NULL, run_index = NULL, answer_table = NULL")
        wh.execute("DELETE FROM schema_version WHERE version = 60")
    with Warehouse(db) as wh:
        assert wh.df("SELECT DISTINCT local_window, run_index FROM trial_budgets").rows() == [(128, 1)]
        assert 60 in wh.df("SELECT version FROM schema_version")["version"].to_list()


def test_no_sql_reads_a_file_name() -> None:
    for name in sqldeps.package_files():
        body = sqldeps.strip(sqlfiles.load(name))
        assert not re.search(r"regexp_\w+\s*\(", body, re.IGNORECASE), name
