"""Generic trial tables (CSV, Parquet, JSONL; per trial or per problem with lists; text scored)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from dbread import query as rows

from kinetics_sql.cli import cli
from kinetics_sql.ingest.prompt import load_tokenizer
from kinetics_sql.ingest.scoring import score_naive

TRIALS = Path(__file__).parent / "fixtures" / "trials"


def ingest(runner: CliRunner, db: str, *args: str) -> str:
    result = runner.invoke(cli, ["--db", db, "ingest", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_csv_one_row_per_trial_auto_detected_by_problem_col(runner: CliRunner, db_path: str) -> None:
    out = ingest(runner, db_path, str(TRIALS / "harness_per_trial.csv"), "--task", "aime24", "--model", "qwen3-8b",
                 "--problem-col", "problem", "--trial-col", "sample", "--gen-tokens-col", "completion_tokens",
                 "--prompt-tokens-col", "prompt_len", "--correct-col", "is_correct")  # fmt: skip
    assert "[trials]" in out
    got = rows(db_path, "SELECT problem_id, trial, prompt_tokens, gen_tokens, correct FROM trials ORDER BY ALL")
    assert got[:3] == [
        ("p1", 0, 155, 812, True), ("p1", 1, 155, 1034, False), ("p1", 2, 155, 640, True),
    ]  # fmt: skip
    assert rows(db_path, "SELECT problem_id, n_samples, n_correct, model, method FROM problems ORDER BY 1") == [
        ("p1", 3, 2, "Qwen3-8B", "dense"), ("p2", 3, 1, "Qwen3-8B", "dense"),
    ]  # fmt: skip


def test_parquet_one_row_per_problem_with_lists(runner: CliRunner, db_path: str) -> None:
    ingest(runner, db_path, "-q", str(TRIALS / "harness_per_problem.parquet"), "--task", "aime24", "--model",
           "Qwen3-4B", "--method", "topk", "--budget", "256", "--problem-col", "qid", "--gen-tokens-col", "lens",
           "--prompt-tokens-col", "plen", "--correct-col", "ok")  # fmt: skip
    assert rows(db_path, "SELECT problem_id, trial, gen_tokens, correct, budget FROM trials ORDER BY ALL") == [
        ("a", 0, 100, True, 256), ("a", 1, 200, False, 256), ("a", 2, 300, True, 256),
        ("b", 0, 50, False, 256), ("b", 1, 60, False, 256), ("b", 2, 70, True, 256),
    ]  # fmt: skip


def test_jsonl_text_is_tokenized_and_scored(runner: CliRunner, db_path: str) -> None:
    src = TRIALS / "harness_text.jsonl"
    ingest(runner, db_path, "-q", str(src), "--source-format", "trials", "--task", "aime24", "--model", "Qwen3-1.7B",
           "--problem-col", "problem", "--trial-col", "sample", "--text-col", "output", "--gold-col", "answer",
           "--question-col", "question", "--gen-budgets", "256,512,1024")  # fmt: skip
    tok = load_tokenizer()
    expected = []
    for line in src.read_text().splitlines():
        r = json.loads(line)
        s = score_naive(tok, r["output"], [r["answer"]], [256, 512, 1024])
        expected += [(r["problem"], r["sample"], b, used, ok) for b, used, ok in s.budgets]
    got = rows(db_path, "SELECT problem_id, trial, gen_budget, tokens_used, correct FROM trial_budgets ORDER BY ALL")
    assert got == sorted(expected)
    # prompt tokens from the chat prompt of the question; correct = the full text's verdict
    assert rows(db_path, "SELECT DISTINCT problem_id, prompt_tokens FROM trials ORDER BY 1") == [
        ("q0", 155),
        ("q1", 177),
    ]
    assert rows(db_path, "SELECT count(*) FROM trials t JOIN trial_budgets b USING (problem_id, trial)"
                " WHERE b.gen_budget = 1024 AND t.gen_tokens <= 1024 AND t.correct <> b.correct") == [(0,)]  # fmt: skip


def test_scalar_columns_without_trial_col_number_trials_in_file_order(
    runner: CliRunner, db_path: str, tmp_path: Path
) -> None:
    src = tmp_path / "runs.jsonl"
    src.write_text("\n".join(json.dumps({"pid": p, "n": n}) for p, n in [(1, 10), (2, 20), (1, 30)]) + "\n")
    ingest(runner, db_path, "-q", str(src), "--task", "t", "--model", "Qwen3-0.6B", "--problem-col", "pid",
           "--gen-tokens-col", "n")  # fmt: skip
    assert rows(db_path, "SELECT problem_id, trial, gen_tokens, correct FROM trials ORDER BY ALL") == [
        ("1", 0, 10, None), ("1", 1, 30, None), ("2", 0, 20, None),
    ]  # fmt: skip
    assert rows(db_path, "SELECT problem_id, n_samples, n_correct FROM problems ORDER BY 1") == [
        ("1", 2, None), ("2", 1, None),
    ]  # fmt: skip


def test_csv_cells_holding_json_lists(runner: CliRunner, db_path: str, tmp_path: Path) -> None:
    src = tmp_path / "per_problem.csv"
    src.write_text('qid,lens,ok\na,"[100, 200]","[1, 0]"\nb,"[5, 6]","[100, 0]"\n')
    ingest(runner, db_path, "-q", str(src), "--task", "t", "--model", "Qwen3-8B", "--problem-col", "qid",
           "--gen-tokens-col", "lens", "--correct-col", "ok")  # fmt: skip
    assert rows(db_path, "SELECT problem_id, trial, gen_tokens, correct FROM trials ORDER BY ALL") == [
        ("a", 0, 100, True), ("a", 1, 200, False), ("b", 0, 5, True), ("b", 1, 6, False),
    ]  # fmt: skip
