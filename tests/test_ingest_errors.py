"""Bad input: a clear error naming file, line and field; exit 1; the warehouse exactly as before.

Every case runs as a multi-file ingest whose first file is fine, so the test also shows that the
good file's rows do not survive the failed invocation (one transaction per invocation).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from kinetics_sql.cli import cli
from kinetics_sql.ingest import job

FIXTURES = Path(__file__).parent / "fixtures"
GOOD_JSONL = FIXTURES / "kinetics" / "aime24_qwen3-8b_local0_topk128.jsonl"
PRELOADED = FIXTURES / "kinetics" / "aime24_qwen3-4b_local0_block16_blocktopk64.jsonl"
TABLE = Path(__file__).parents[1] / "kinetics_sql" / "data" / "kinetics-aime24" / "dense"
TABLE_CSV = TABLE / "aime24_qwen3-0-6b_dense_numTrials_tradeoff.csv"
META = json.dumps({"attn_local": None, "attn_topk": None, "attn_block_size": 16, "attn_block_topk": None})
ROW = {"query": "Q", "choices": ["7"], "prediction": ["so \\boxed{7}"], "score": [100]}


def snapshot(db: str) -> dict[str, Any]:
    con = duckdb.connect(db, read_only=True)
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    out: dict[str, Any] = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone() for t in tables}
    out["ingest_log"] = con.execute(
        "SELECT source, content_hash, format, rows::VARCHAR FROM ingest_log ORDER BY 1"
    ).fetchall()
    con.close()
    return out


@pytest.fixture
def preloaded(runner: CliRunner, db_path: str) -> str:
    result = runner.invoke(cli, ["--db", db_path, "ingest", "-q", str(PRELOADED)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return db_path


def write_jsonl(path: Path, *lines: str | dict[str, Any]) -> Path:
    path.write_text("".join((ln if isinstance(ln, str) else json.dumps(ln)) + "\n" for ln in lines))
    return path


def expect_failure(runner: CliRunner, db: str, args: list[str], *needles: str, good: Path | None = GOOD_JSONL) -> str:
    before = snapshot(db)
    first = [str(good)] if good else []
    result = runner.invoke(cli, ["--db", db, "ingest", "-q", *first, *args], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    message = result.output
    assert message.startswith("Error: ") or "\nError: " in message, message
    for needle in needles:
        assert needle in message, message
    assert snapshot(db) == before
    return message


def test_malformed_json_line(runner: CliRunner, preloaded: str, tmp_path: Path) -> None:
    bad = write_jsonl(tmp_path / "aime24_qwen3-8b_dense.jsonl", META, ROW, '{"query": "Q", "choices": [', ROW)
    expect_failure(runner, preloaded, [str(bad)], f"{bad}:3:", "malformed JSON")


def test_missing_field(runner: CliRunner, preloaded: str, tmp_path: Path) -> None:
    row = {k: v for k, v in ROW.items() if k != "prediction"}
    bad = write_jsonl(tmp_path / "aime24_qwen3-8b_dense.jsonl", META, ROW, row)
    expect_failure(runner, preloaded, [str(bad)], f"{bad}:3:", "field 'prediction'", "missing field")


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("prediction", 5, "list of strings"),
        ("score", ["high"], "number in [0, 100]"),
        ("score", [250], "number in [0, 100]"),
        ("query", ["Q"], "expected a string"),
        ("choices", [], "gold answers"),
    ],
)
def test_wrong_type(runner: CliRunner, preloaded: str, tmp_path: Path, field: str, value: Any, needle: str) -> None:
    bad = write_jsonl(tmp_path / "aime24_qwen3-8b_dense.jsonl", META, ROW, {**ROW, field: value})
    expect_failure(runner, preloaded, [str(bad)], f"{bad}:3:", f"field '{field}'", needle)


def test_unknown_model(runner: CliRunner, preloaded: str, tmp_path: Path) -> None:
    bad = write_jsonl(tmp_path / "aime24_llama-3-8b_dense.jsonl", META, ROW)
    expect_failure(runner, preloaded, [str(bad)], str(bad), "field 'model'", "unknown model", "kinetics-sql models add")


def test_unknown_model_in_trial_table(runner: CliRunner, preloaded: str) -> None:
    csv = FIXTURES / "trials" / "harness_per_trial.csv"
    args = [str(csv), "--task", "aime24", "--model", "mystery-7b", "--problem-col", "problem", "--gen-tokens-col",
            "completion_tokens"]  # fmt: skip
    # --model applies to every file of the invocation, so this one runs alone
    expect_failure(runner, preloaded, args, str(csv), "field 'model'", "kinetics-sql models add", good=None)


def test_prediction_and_score_lengths_differ(runner: CliRunner, preloaded: str, tmp_path: Path) -> None:
    row = {**ROW, "prediction": ["a \\boxed{7}", "b"], "score": [100, 0, 0]}
    bad = write_jsonl(tmp_path / "aime24_qwen3-8b_dense.jsonl", META, ROW, row)
    expect_failure(runner, preloaded, [str(bad)], f"{bad}:3:", "field 'score'", "inconsistent trial counts")


def test_problems_with_different_trial_counts(runner: CliRunner, preloaded: str, tmp_path: Path) -> None:
    q2, q3 = {**ROW, "query": "Q2"}, {**ROW, "query": "Q3"}
    lines: list[str | dict[str, Any]] = [META, ROW, ROW, q2, q3, q3]
    bad = write_jsonl(tmp_path / "aime24_qwen3-8b_dense.jsonl", *lines)
    expect_failure(runner, preloaded, [str(bad)], f"{bad}:4:", "field 'prediction'", "inconsistent trial counts")


def test_trial_table_list_lengths_differ(runner: CliRunner, preloaded: str, tmp_path: Path) -> None:
    bad = tmp_path / "harness.jsonl"
    bad.write_text(json.dumps({"q": "a", "lens": [1, 2], "ok": [1, 0]}) + "\n"
                   + json.dumps({"q": "b", "lens": [1, 2], "ok": [1]}) + "\n")  # fmt: skip
    args = [str(bad), "--task", "t", "--model", "Qwen3-8B", "--problem-col", "q", "--gen-tokens-col", "lens",
            "--correct-col", "ok"]  # fmt: skip
    expect_failure(runner, preloaded, args, f"{bad}:2:", "field 'ok'", "inconsistent trial counts")


def test_trial_table_wrong_type(runner: CliRunner, preloaded: str, tmp_path: Path) -> None:
    bad = tmp_path / "harness.csv"
    bad.write_text("problem,tokens,ok\np1,100,1\np1,lots,0\n")
    args = [str(bad), "--task", "t", "--model", "Qwen3-8B", "--problem-col", "problem", "--gen-tokens-col",
            "tokens", "--correct-col", "ok"]  # fmt: skip
    expect_failure(runner, preloaded, args, f"{bad}:3:", "field 'tokens'", "non-negative integer")


def test_trial_table_missing_column(runner: CliRunner, preloaded: str, tmp_path: Path) -> None:
    csv = FIXTURES / "trials" / "harness_per_trial.csv"
    args = [str(csv), "--task", "t", "--model", "Qwen3-8B", "--problem-col", "problem", "--gen-tokens-col", "toks"]
    expect_failure(runner, preloaded, args, f"{csv}:1:", "field 'toks'", "no such column")


@pytest.mark.parametrize("content", ["", "\n\n"])
def test_empty_file(runner: CliRunner, preloaded: str, tmp_path: Path, content: str) -> None:
    bad = tmp_path / "aime24_qwen3-8b_dense.jsonl"
    bad.write_text(content)
    expect_failure(runner, preloaded, [str(bad)], f"{bad}:1:", "empty")


def test_metadata_but_no_trials(runner: CliRunner, preloaded: str, tmp_path: Path) -> None:
    bad = write_jsonl(tmp_path / "aime24_qwen3-8b_dense.jsonl", META)
    expect_failure(runner, preloaded, [str(bad)], f"{bad}:2:", "no trial lines")


def test_file_is_not_what_format_says(runner: CliRunner, preloaded: str, tmp_path: Path) -> None:
    csv = tmp_path / TABLE_CSV.name
    shutil.copyfile(TABLE_CSV, csv)
    expect_failure(runner, preloaded, ["--source-format", "kinetics-jsonl", str(csv)], f"{csv}:1:", "kinetics-jsonl")
    jsonl = tmp_path / "aime24_qwen3-8b_dense_numTrials_tradeoff.csv"
    shutil.copyfile(GOOD_JSONL, jsonl)  # a JSONL file named like a table
    args = ["--source-format", "kinetics-tables", str(jsonl)]
    expect_failure(runner, preloaded, args, f"{jsonl}:1:", "kinetics-tables", good=TABLE_CSV)


def test_unrecognised_without_mapping(runner: CliRunner, preloaded: str) -> None:
    csv = FIXTURES / "trials" / "harness_per_trial.csv"
    expect_failure(runner, preloaded, [str(csv)], f"{csv}:1:", "format not recognised", "--problem-col")


def test_missing_loader_dependency_says_what_to_install(
    runner: CliRunner, preloaded: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A loader whose package is missing is named with what to install, never "format not recognised"."""
    (tmp_path / "loader_with_missing_dep.py").write_text("import kinetics_sql_test_absent_pkg\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(job.FORMATS, "measurements", "loader_with_missing_dep")
    install = (
        "the 'measurements' loader needs the Python package 'kinetics_sql_test_absent_pkg', which is not installed:"
        " pip install kinetics-sql-test-absent-pkg"
    )
    csv = FIXTURES / "trials" / "harness_per_trial.csv"
    message = expect_failure(runner, preloaded, [str(csv)], f"{csv}:1:", "cannot tell the format", install)
    assert "format not recognised" not in message
    expect_failure(runner, preloaded, ["--source-format", "measurements", str(csv)], install)
    # a file another loader recognises still loads
    ok = runner.invoke(cli, ["--db", preloaded, "ingest", "-q", str(GOOD_JSONL)], catch_exceptions=False)
    assert ok.exit_code == 0, ok.output


def test_trials_format_without_mapping(runner: CliRunner, preloaded: str) -> None:
    csv = FIXTURES / "trials" / "harness_per_trial.csv"
    args = ["--source-format", "trials", str(csv)]
    expect_failure(runner, preloaded, args, str(csv), "field '--problem-col'", good=None)
