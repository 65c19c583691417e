"""Kinetics-generations JSONL traces: ingest, budget scoring (fast == naive), the hub cache offline."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from kinetics_sql.cli import cli
from kinetics_sql.ingest.kinetics_jsonl import config_from_meta, detect, parse_name
from kinetics_sql.ingest.prompt import load_tokenizer
from kinetics_sql.ingest.scoring import Scorer, judge_text, score_naive

FIXTURES = Path(__file__).parent / "fixtures" / "kinetics"
DENSE = FIXTURES / "aime24_qwen3-8b_dense.jsonl"
TOPK = FIXTURES / "aime24_qwen3-8b_local0_topk128.jsonl"
BLOCK = FIXTURES / "aime24_qwen3-4b_local0_block16_blocktopk64.jsonl"
SMALL_BUDGETS = "64:1536:64"


def fixture_traces() -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for path in (DENSE, TOPK, BLOCK):
        for line in path.read_text().splitlines()[1:]:
            obj = json.loads(line)
            out.extend((t, obj["choices"]) for t in obj["prediction"])
    return out


def ingest(runner: CliRunner, db: str, *args: str) -> None:
    result = runner.invoke(cli, ["--db", db, "ingest", "-q", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_fast_scoring_agrees_with_naive_truncate_decode_verify() -> None:
    tok = load_tokenizer()
    budgets = [*list(range(64, 1536 + 1, 64)), 2048, 32768]
    scorer = Scorer(tok, budgets)
    traces = fixture_traces()
    assert len(traces) == 64
    flips = 0
    for text, golds in traces:
        fast = scorer.score(text, golds)
        naive = score_naive(tok, text, golds, budgets)
        assert fast == naive, text[-200:]
        verdicts = [ok for _, _, ok in fast.budgets]
        flips += any(a != b for a, b in itertools.pairwise(verdicts))
    assert flips >= 10, "fixtures should change verdict under truncation"
    # each distinct candidate answer is verified once, not once per budget
    assert scorer.verifications < len(traces) * 3


def test_judge_follows_math_verify_boxed_answer() -> None:
    assert judge_text("so $\\boxed{055}$", ["055"])
    assert judge_text("so \\boxed{55}", ["055"])
    assert judge_text("we get \\boxed{\\frac{236}{1}}.", ["236"])
    assert not judge_text("the answer is 236 but I am not done", ["236"])  # no boxed answer yet
    assert not judge_text("\\boxed{3} wait, actually \\boxed{4}", ["3"])  # the last boxed answer counts
    assert not judge_text("\\boxed{}", ["3"])


def test_ingest_fixtures(runner: CliRunner, db_path: str) -> None:
    ingest(runner, db_path, str(FIXTURES), "--gen-budgets", SMALL_BUDGETS)
    con = duckdb.connect(db_path, read_only=True)
    q = "SELECT model, method, budget, block_size, count(*) FROM trials GROUP BY ALL ORDER BY ALL"
    assert con.execute(q).fetchall() == [
        ("Qwen3-4B", "blocktopk", 1024, 16, 16),
        ("Qwen3-8B", "dense", None, None, 32),
        ("Qwen3-8B", "topk", 128, None, 16),
    ]
    n_budgets = len(range(64, 1537, 64))
    assert con.execute("SELECT count(*) FROM trial_budgets").fetchone() == (64 * n_budgets,)
    # prompt tokens of the chat prompt (155 and 177 for AIME24 problems 0 and 1), ids in file order
    rows = con.execute(
        "SELECT problem_id, prompt_tokens, n_samples, gold_answer FROM problems"
        " WHERE source = 'aime24_qwen3-8b_dense.jsonl' ORDER BY problem_id"
    ).fetchall()
    assert rows[:2] == [("0", 155, 8, "236"), ("1", 177, 8, "809")]
    # correct comes from the file's score; n_correct sums it
    assert con.execute(
        "SELECT bool_and(p.n_correct = t.c) FROM problems p JOIN"
        " (SELECT source, problem_id, sum(correct::INT) c FROM trials GROUP BY ALL) t USING (source, problem_id)"
    ).fetchone() == (True,)
    # tokens_used = least(gen_tokens, gen_budget); a full trace keeps its verdict past its length
    assert con.execute(
        "SELECT bool_and(b.tokens_used = least(t.gen_tokens, b.gen_budget)) FROM trial_budgets b"
        " JOIN trials t USING (source, problem_id, trial)"
    ).fetchone() == (True,)
    con.close()


def test_gen_tokens_are_qwen3_token_counts(runner: CliRunner, db_path: str) -> None:
    ingest(runner, db_path, str(DENSE))
    tok = load_tokenizer()
    first = json.loads(DENSE.read_text().splitlines()[1])["prediction"][0]
    con = duckdb.connect(db_path, read_only=True)
    got = con.execute("SELECT gen_tokens FROM trials WHERE problem_id = '0' AND trial = 0").fetchone()
    assert got == (len(tok.encode(first, add_special_tokens=False).ids),)
    # default budgets 2048..32768: the short fixture traces are complete in all 16
    assert con.execute(
        "SELECT count(DISTINCT gen_budget), min(gen_budget), max(gen_budget) FROM trial_budgets"
    ).fetchone() == (
        16,
        2048,
        32768,
    )
    con.close()


def test_detect_and_names() -> None:
    head = DENSE.read_bytes()[:65536]
    assert detect(DENSE, head)
    assert not detect(Path("x.csv"), head)
    assert not detect(Path("x.jsonl"), b'{"a": 1}\n{"b": 2}\n')
    assert parse_name("aime24_qwen3-8b_dense.jsonl") == {
        "task": "aime24", "model": "qwen3-8b", "method": "dense", "budget": None, "block_size": None,
    }  # fmt: skip
    assert parse_name("aime24_qwen3-1-7b_local0_block32_blocktopk16.jsonl")["budget"] == 512
    assert parse_name("aime24_qwen3-4b_local128_topk128.jsonl")["budget"] == 256
    assert config_from_meta({"attn_local": 0, "attn_topk": 256, "attn_block_size": 16, "attn_block_topk": None}) == {
        "method": "topk", "budget": 256, "block_size": None,
    }  # fmt: skip
    assert config_from_meta({"attn_local": 32, "attn_block_size": 64, "attn_block_topk": 4})["budget"] == 288


def test_one_line_per_problem_with_scalar_or_list_scores(runner: CliRunner, db_path: str, tmp_path: Path) -> None:
    src = tmp_path / "aime24_qwen3-0-6b_local0_topk32.jsonl"
    lines = [json.dumps({"attn_local": 0, "attn_topk": 32, "attn_block_topk": None})]
    lines.append(json.dumps({"query": "Q1", "choices": ["7"], "prediction": ["so \\boxed{7}", "hmm \\boxed{8}"],
                             "score": [100, 0]}))  # fmt: skip
    lines.append(json.dumps({"query": "Q2", "choices": "3", "prediction": "so \\boxed{3}", "score": 100.0}))
    lines.append(json.dumps({"query": "Q2", "choices": "3", "prediction": ["x"], "score": [0]}))
    lines.append(json.dumps({"query": "Q3", "choices": ["5"], "prediction": ["the answer is 5", "\\boxed{5}"],
                             "score": [100, 100]}))  # fmt: skip
    src.write_text("\n".join(lines) + "\n")
    result = runner.invoke(cli, ["--db", db_path, "ingest", str(src)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and "boxed-answer judge" in result.output
    con = duckdb.connect(db_path, read_only=True)
    assert con.execute("SELECT problem_id, trial, correct FROM trials ORDER BY ALL").fetchall() == [
        ("0", 0, True), ("0", 1, False), ("1", 0, True), ("1", 1, False), ("2", 0, True), ("2", 1, True),
    ]  # fmt: skip
    assert con.execute("SELECT method, budget FROM problems LIMIT 1").fetchone() == ("topk", 32)
    # the file says trial 0 of problem 2 is right; its trace boxes nothing: recorded, the file's score kept
    assert con.execute("SELECT problem_id, message LIKE '%trials 0 %' FROM ingest_issues").fetchall() == [("2", True)]
    assert con.execute(
        "SELECT correct FROM trial_budgets WHERE problem_id = '2' AND trial = 0 AND gen_budget = 32768"
    ).fetchone() == (False,)
    con.close()


def test_raw_predictions_without_scores_are_judged(runner: CliRunner, db_path: str, tmp_path: Path) -> None:
    """A runner's raw output (no score field) is scored at ingest by the boxed-answer judge."""
    src = tmp_path / "aime24_qwen3-8b_dense.jsonl"
    lines = [json.dumps({"attn_local": None, "attn_topk": None, "engine": "vllm"})]
    lines.append(json.dumps({"query": "Q1", "choices": ["7"], "prediction": ["so \\boxed{7}", "hmm \\boxed{8}"]}))
    src.write_text("\n".join(lines) + "\n")
    result = runner.invoke(cli, ["--db", db_path, "ingest", str(src)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    con = duckdb.connect(db_path, read_only=True)
    assert con.execute("SELECT trial, correct FROM trials ORDER BY ALL").fetchall() == [(0, True), (1, False)]
    assert con.execute("SELECT n_correct FROM problems").fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM ingest_issues").fetchone() == (0,)
    con.close()


def _hf_cache(root: Path, files: dict[str, Path]) -> Path:
    """A Hugging Face hub cache in its exact layout: blobs, snapshots/<commit>/ symlinks, refs/main."""
    repo = root / "hub" / "datasets--InfiniAILab--Kinetics-generations"
    commit = "0123456789abcdef0123456789abcdef01234567"
    for rel, src in files.items():
        import hashlib

        blob = repo / "blobs" / hashlib.sha256(src.read_bytes()).hexdigest()
        blob.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, blob)
        link = repo / "snapshots" / commit / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(blob, link.parent))
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(commit)
    return root


@pytest.mark.slow
def test_ingest_from_hub_cache_offline(tmp_path: Path) -> None:
    home = _hf_cache(tmp_path / "hf", {"aime24/dense/aime24_qwen3-8b_dense.jsonl": DENSE})
    env = {**os.environ, "HF_HOME": str(home), "HF_HUB_CACHE": str(home / "hub"), "HF_HUB_OFFLINE": "1"}
    env.pop("HF_TOKEN", None)
    db = str(tmp_path / "hub.duckdb")
    ref = "hf://datasets/InfiniAILab/Kinetics-generations/aime24/dense/aime24_qwen3-8b_dense.jsonl"
    code = "from kinetics_sql.cli import main; main()"
    proc = subprocess.run([sys.executable, "-c", code, "--db", db, "ingest", "-q", ref], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    con = duckdb.connect(db, read_only=True)
    assert con.execute("SELECT DISTINCT source, model, method FROM trials").fetchall() == [(ref, "Qwen3-8B", "dense")]
    assert con.execute("SELECT count(*) FROM trials").fetchone() == (32,)
    con.close()
    # a file the cache does not hold fails cleanly offline, naming the path
    missing = ref.replace("dense.jsonl", "topk.jsonl")
    proc = subprocess.run([sys.executable, "-c", code, "--db", db, "ingest", "-q", missing], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 1
    assert missing in proc.stderr


@pytest.mark.parametrize("path", [DENSE, TOPK, BLOCK])
def test_reingest_is_idempotent(runner: CliRunner, db_path: str, path: Path) -> None:
    ingest(runner, db_path, str(path))
    con = duckdb.connect(db_path, read_only=True)
    before = (
        con.execute("SELECT count(*) FROM trials").fetchone(),
        con.execute("SELECT count(*) FROM trial_budgets").fetchone(),
    )
    con.close()
    result = runner.invoke(cli, ["--db", db_path, "ingest", str(path)], catch_exceptions=False)
    assert "unchanged, skipped" in result.output
    ingest(runner, db_path, "--force", str(path))
    con = duckdb.connect(db_path, read_only=True)
    after = (
        con.execute("SELECT count(*) FROM trials").fetchone(),
        con.execute("SELECT count(*) FROM trial_budgets").fetchone(),
    )
    con.close()
    assert before == after


def test_fast_scoring_agrees_with_naive_on_adversarial_traces() -> None:
    """Nested, unclosed, empty, adjacent and \\fbox answers, braces everywhere, multi-byte and
    non-NFC characters, special tokens: the fast pipeline still equals truncate-decode-verify."""
    import random

    tok = load_tokenizer()
    rng = random.Random(7)
    words = ["so", "we", "get", "x", "=", "+", "\\frac{1}{2}", "$", "3", "17", "204", "{a}", "}", "{", "\n",
             "answer:", "final", "é", "e\u0301", "∑", "🙂", "\\[", "\\]", "2^{10}", "<|im_end|>"]  # fmt: skip
    boxes = ["\\boxed{204}", "\\boxed{17}", "\\boxed{\\frac{1}{2}}", "\\boxed{}", "\\boxed{3, 17}",
             "\\boxed{{204}}", "\\fbox{17}", "\\boxed {204}", "\\boxed{\\frac{1}{", "\\boxed{\\boxed{17}}"]  # fmt: skip
    budgets = list(range(4, 160, 4))
    scorer = Scorer(tok, budgets)
    for _ in range(60):
        parts = [rng.choice(boxes) if rng.random() < 0.08 else rng.choice(words) for _ in range(rng.randint(10, 90))]
        text = " ".join(parts)
        golds = [rng.choice(["204", "17", "\\frac{1}{2}"])]
        assert scorer.score(text, golds) == score_naive(tok, text, golds, budgets), text
