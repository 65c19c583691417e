"""Runner measurements through `kinetics-sql ingest` (the loader and its table belong to the runners work)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from kinetics_sql.cli import cli

pytest.importorskip("kinetics_sql.ingest.measurements")
records = pytest.importorskip("kinetics_sql.runners.records")


def decode_record(seq: int, **over: Any) -> dict[str, Any]:
    rec = {
        "kind": "decode", "run_id": "run-test", "seq": seq, "engine": "torch", "engine_version": "torch 2.13.0",
        "device": "cpu: test", "host": "testhost", "model": "Qwen3-8B", "dtype": "bf16", "n_layers": 36,
        "n_gpu_layers": 36, "layers_offloaded": 0, "offload_mode": "none", "offload_bytes": 0, "batch": 2,
        "prompt_tokens": 155, "gen_tokens": 128, "prefill_s": 0.05, "decode_s": 2.0, "total_s": 2.05,
        "tokens_per_s": 128.0, "attention": "dense", "repeat": seq, "command": "pytest", "timestamp": records.now(),
    }  # fmt: skip
    rec.update(over)
    records.check_record(rec)
    return rec


def write(path: Path, recs: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return path


def test_measurements_ingest_through_cli(runner: CliRunner, db_path: str, tmp_path: Path) -> None:
    src = write(tmp_path / "runs.jsonl", [decode_record(0), decode_record(1)])
    result = runner.invoke(cli, ["--db", db_path, "ingest", str(src)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "[measurements]" in result.output
    con = duckdb.connect(db_path, read_only=True)
    assert con.execute("SELECT count(*) FROM measurements WHERE source = 'runs.jsonl'").fetchone() == (2,)
    assert con.execute("SELECT format FROM ingest_log").fetchall() == [("measurements",)]
    con.close()
    # unchanged: skipped; a bad record: file, line and field named, nothing changed
    again = runner.invoke(cli, ["--db", db_path, "ingest", str(src)], catch_exceptions=False)
    assert "unchanged, skipped" in again.output
    bad_rec = decode_record(2)
    del bad_rec["decode_s"]
    bad = write(tmp_path / "bad.jsonl", [decode_record(0), bad_rec])
    failed = runner.invoke(cli, ["--db", db_path, "ingest", "--source-format", "measurements", str(bad)])
    assert failed.exit_code == 1
    assert f"{bad}:2" in failed.output and "decode_s" in failed.output
    con = duckdb.connect(db_path, read_only=True)
    assert con.execute("SELECT count(*) FROM measurements").fetchone() == (2,)
    con.close()


def test_ingest_format_is_a_deprecated_spelling_of_source_format(
    runner: CliRunner, db_path: str, tmp_path: Path
) -> None:
    src = write(tmp_path / "runs.jsonl", [decode_record(0)])
    warning = "warning: `ingest --format` is deprecated, use `--source-format`"
    old = runner.invoke(cli, ["--db", db_path, "ingest", "--format", "measurements", str(src)], catch_exceptions=False)
    assert old.exit_code == 0, old.output
    assert warning in old.stderr and warning not in old.stdout
    assert "runs.jsonl [measurements]" in old.stdout
    # the old spelling still picks the format: this file read as a Kinetics table is an error
    wrong = runner.invoke(cli, ["--db", db_path, "ingest", "--force", "--format", "kinetics-tables", str(src)])
    assert wrong.exit_code == 1 and warning in wrong.stderr
    assert f"{src}" in wrong.output and "kinetics-tables" in wrong.output
    both = runner.invoke(cli, ["--db", db_path, "ingest", "--source-format", "trials", "--format", "measurements"])
    assert both.exit_code == 2  # a usage error
    assert "--format measurements contradicts --source-format trials: give only --source-format" in both.output
    new = runner.invoke(cli, ["--db", db_path, "ingest", "--force", "--source-format", "measurements", str(src)])
    assert new.exit_code == 0 and new.stderr == ""
