"""Best-of-Infinity answer tables: ingest (format, normalisation, limits, bad input), majority-vote
accuracy against brute-force enumeration, and the majority / long-cot strategies in the frontier."""

from __future__ import annotations

import gzip
import itertools
import json
import shutil
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from answer_rows import insert_answers
from click.testing import CliRunner
from dbread import query as q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinetics_sql import frontier as fr
from kinetics_sql.cli import cli
from kinetics_sql.ingest import boinf, sources
from kinetics_sql.warehouse import Warehouse

DATA = Path(sources.bundled_roots()[1])
AIME = DATA / "analysis_aime2024_Qwen3-4B.jsonl.gz"
EXAONE = DATA / "analysis_aime2024_EXAONE-Deep-32B.jsonl.gz"


def lines(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt") as fh:
        return [json.loads(line) for line in fh]


def write(path: Path, rows: Sequence[dict[str, Any] | str]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def ingest(runner: CliRunner, db: str, *args: str) -> Any:
    return runner.invoke(cli, ["--db", db, "ingest", "-q", *args], catch_exceptions=False)


# -- brute force -------------------------------------------------------------------------------------


def plurality(votes: list[str | None], gold: str) -> Fraction:
    """P(gold wins) for one draw: no votes -> 0; ties broken uniformly."""
    counts = Counter(v for v in votes if v is not None)
    if not counts or counts.get(gold, 0) == 0:
        return Fraction(0)
    top = max(counts.values())
    if counts[gold] < top:
        return Fraction(0)
    return Fraction(1, sum(1 for c in counts.values() if c == top))


def majority_exact(votes: list[str | None], gold: str, n: int) -> float:
    """Average over every n-subset of the samples (sampling without replacement)."""
    subsets = list(itertools.combinations(range(len(votes)), n))
    return float(sum(plurality([votes[i] for i in s], gold) for s in subsets) / len(subsets))


# -- ingest -------------------------------------------------------------------------------------------


def test_ingest_one_file(runner: CliRunner, db_path: str) -> None:
    result = ingest(runner, db_path, str(AIME))
    assert result.exit_code == 0, result.output
    raw = lines(AIME)
    assert q(db_path, "SELECT DISTINCT source, task, model, method FROM trials") == [
        ("analysis_aime2024_Qwen3-4B.jsonl", "aime24", "Qwen3-4B", "dense")
    ]
    assert q(db_path, "SELECT count(*), count(DISTINCT problem_id) FROM trials") == [(30 * 80, 30)]
    # token counts and answers as in the file, in order
    first = q(db_path, "SELECT answer, gen_tokens FROM trials WHERE problem_id = '1' ORDER BY trial")
    assert first == [tuple(pair) for pair in raw[1]["all_answers"]]
    # correctness: answer == gold; n_correct per problem; the limit is the source's 100,000 tokens
    mean = sum(a == r["gold_answer"] for r in raw for a, _ in r["all_answers"]) / 2400
    assert q(db_path, "SELECT avg(correct::INTEGER) FROM trials")[0][0] == pytest.approx(mean, abs=1e-12)
    assert q(db_path, "SELECT DISTINCT gen_limit FROM problems") == [(100_000,)]
    hits = sum(t == 100_000 for r in raw for _, t in r["all_answers"])
    assert q(db_path, "SELECT count(*) FILTER (WHERE hit_limit) FROM trials") == [(hits,)]
    # idempotent: unchanged source skipped, nothing doubled
    again = ingest(runner, db_path, str(AIME))
    assert again.exit_code == 0 and q(db_path, "SELECT count(*) FROM trials") == [(2400,)]


def test_context_limited_file_and_normalisation(runner: CliRunner, db_path: str, tmp_path: Path) -> None:
    raw = lines(EXAONE)[:3]
    gold = raw[0]["gold_answer"]
    raw[0]["all_answers"][0][0] = f" \\dfrac{{{gold}}}{{1}}"  # not the gold, but normalised like the source does
    raw[0]["all_answers"][1][0] = f"{gold}^\\circ"
    raw[0]["all_answers"][2][0] = None
    raw[0]["all_answers"][3][0] = ""
    path = write(tmp_path / "analysis_gpqa_diamond_EXAONE-Deep-32B.jsonl", raw)
    assert ingest(runner, db_path, str(path)).exit_code == 0
    rows = q(db_path, "SELECT trial, answer, correct FROM trials WHERE problem_id = '0' AND trial < 4 ORDER BY trial")
    assert rows == [(0, f"\\frac{{{gold}}}{{1}}", False), (1, gold, True), (2, None, False), (3, None, False)]
    assert q(db_path, "SELECT DISTINCT task, gen_limit FROM problems") == [("gpqa-diamond", 30_268)]
    longest = max(t for r in raw for _, t in r["all_answers"])
    assert longest == 30_268
    assert q(db_path, "SELECT bool_and(hit_limit = (gen_tokens >= 30268)) FROM trials") == [(True,)]


def test_gzip_and_plain_are_one_source(runner: CliRunner, db_path: str, tmp_path: Path) -> None:
    plain = tmp_path / AIME.name[:-3]
    plain.write_bytes(gzip.decompress(AIME.read_bytes()))
    assert ingest(runner, db_path, str(AIME)).exit_code == 0
    assert ingest(runner, db_path, str(plain)).exit_code == 0  # same source name: replaced, not doubled
    assert q(db_path, "SELECT count(*), count(DISTINCT source) FROM trials") == [(2400, 1)]


def _broken(tmp_path: Path, how: str) -> tuple[Path, int, str]:
    raw = lines(AIME)
    rows: list[dict[str, Any] | str] = list(raw)
    if how == "json":
        rows[4] = json.dumps(raw[4])[:-5]
        field = ""
    elif how == "length":
        raw[4]["all_answers"] = raw[4]["all_answers"][:-1]
        field = "all_answers"
    else:
        raw[4]["all_answers"][7][1] = -5
        field = "all_answers[7]"
    return write(tmp_path / AIME.name[:-3], rows), 5, field


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("json", "not valid JSON"),
        ("length", "79 answers but total_answers is 80"),
        ("negative", "token count must be >= 0, got -5"),
    ],
)
def test_bad_input_names_file_line_field_and_writes_nothing(
    runner: CliRunner, db_path: str, tmp_path: Path, how: str, message: str
) -> None:
    assert ingest(runner, db_path, str(EXAONE)).exit_code == 0
    before = q(db_path, "SELECT count(*) FROM trials UNION ALL SELECT count(*) FROM majority_votes")
    good = DATA / "analysis_aime2024_LIMO-v2.jsonl.gz"  # loads fine first: the invocation is one transaction
    path, line, field = _broken(tmp_path, how)
    result = ingest(runner, db_path, str(good), str(path))
    assert result.exit_code == 1
    assert f"{path}:{line}:" in result.output and message in result.output
    if field:
        assert f"field '{field}'" in result.output
    after = q(db_path, "SELECT count(*) FROM trials UNION ALL SELECT count(*) FROM majority_votes")
    assert after == before
    assert q(db_path, "SELECT count(DISTINCT source) FROM trials") == [(1,)]


def test_unknown_model_says_how_to_add_it(runner: CliRunner, db_path: str, tmp_path: Path) -> None:
    path = tmp_path / "analysis_math500_Mystery-7B.jsonl"
    shutil.copyfile(AIME, path.with_suffix(".jsonl.gz"))
    path.write_bytes(gzip.decompress(AIME.read_bytes()))
    result = ingest(runner, db_path, str(path))
    assert result.exit_code == 1 and "unknown model 'Mystery-7B'" in result.output and "models add" in result.output


def test_detect_reads_only_answer_tables() -> None:
    head = gzip.decompress(AIME.read_bytes())[:4096]
    assert boinf.detect(Path("analysis_x.jsonl"), head)
    assert boinf.detect(AIME, AIME.read_bytes()[:65536])
    assert not boinf.detect(Path("x.jsonl"), b'{"query": "Q", "prediction": ["a"]}\n')
    assert not boinf.detect(Path("x.csv"), head)


@pytest.mark.slow
def test_bundled_ingest_all_files_in_one_transaction(runner: CliRunner, db_path: str) -> None:
    result = ingest(runner, db_path, "--bundled")
    assert result.exit_code == 0, result.output
    assert "ingested 68 of 68 sources" in result.output
    got = q(
        db_path, "SELECT task, count(DISTINCT model), count(*) FROM problems WHERE source LIKE 'analysis_%' GROUP BY 1"
    )
    assert sorted(got) == [("aime24", 11, 330), ("gpqa-diamond", 6, 1188), ("math500", 7, 3500)]


# -- majority vote -------------------------------------------------------------------------------------


def load_answers(wh: Warehouse, problems: list[tuple[str, list[str | None], list[int]]]) -> None:
    """Made-up answer-table rows (tests/answer_rows.py), then majority_votes."""
    boinf.build_majority(wh, insert_answers(wh, problems))


@pytest.fixture(scope="module")
def mwh() -> Any:
    w = Warehouse(":memory:")
    yield w
    w.close()


answers_st = st.lists(st.sampled_from(["g", "a", "b", "c", None]), min_size=1, max_size=9)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers_st, st.data())
def test_majority_matches_enumeration(mwh: Warehouse, answers: list[str | None], data: st.DataObject) -> None:
    tokens = data.draw(st.lists(st.integers(100, 5000), min_size=len(answers), max_size=len(answers)))
    load_answers(mwh, [("g", answers, tokens)])
    rows = mwh.con.execute(
        "SELECT n, gen_budget, accuracy, accuracy_se, replicates FROM majority_votes ORDER BY gen_budget NULLS FIRST, n"
    ).fetchall()
    m = len(answers)
    assert {r[0] for r in rows if r[1] is None} == {n for n in (1, 2, 4, 8) if n < m} | {m}
    for n, cap, acc, se, reps in rows:
        votes = [a if cap is None or t <= cap else None for a, t in zip(answers, tokens, strict=True)]
        exact = majority_exact(votes, "g", n)
        assert acc == pytest.approx(exact, abs=1e-12)  # the DP over answer classes: exact at every N
        assert se == 0 and reps == 0
        if n == 1:  # N = 1: the mean per-sample correctness
            assert acc == pytest.approx(sum(v == "g" for v in votes) / m, abs=1e-12)
        if n == m:  # N = all: the plurality vote of all samples
            assert acc == pytest.approx(float(plurality(votes, "g")), abs=1e-12)


def test_majority_exact_on_a_hard_problem(mwh: Warehouse) -> None:
    """Ties among several answers at several N, and samples without an answer: exact at every N (the Monte Carlo
    estimate of before carried a standard error)."""
    answers: list[str | None] = ["g"] * 3 + ["a"] * 2 + ["b"] * 2 + ["c"] + [None] * 2
    load_answers(mwh, [("g", answers, [1000] * len(answers))])
    rows = dict(mwh.con.execute("SELECT n, accuracy FROM majority_votes WHERE gen_budget IS NULL").fetchall())
    assert sorted(rows) == [1, 2, 4, 8, 10]
    for n, acc in rows.items():
        assert acc == pytest.approx(majority_exact(answers, "g", n), abs=1e-15)


def test_majority_on_the_real_tables_n1_and_all(runner: CliRunner, db_path: str) -> None:
    assert ingest(runner, db_path, str(AIME)).exit_code == 0
    raw = {str(r["problem_num"]): r for r in lines(AIME)}
    got = q(db_path, "SELECT problem_id, n, accuracy FROM majority_votes WHERE gen_budget IS NULL AND n IN (1, 80)")
    for pid, n, acc in got:
        answers = [boinf.normalize_answer(a) for a, _ in raw[pid]["all_answers"]]
        gold = boinf.normalize_answer(raw[pid]["gold_answer"])
        if n == 1:
            assert acc == pytest.approx(sum(a == gold for a in answers) / 80, abs=1e-12)
        else:
            assert acc == pytest.approx(float(plurality(answers, gold or "")), abs=1e-12)
            if acc in (0.0, 1.0):  # no tie: the source's own majority_answer agrees
                assert (boinf.normalize_answer(raw[pid]["majority_answer"]) == gold) == (acc == 1.0)


# -- strategies in the frontier --------------------------------------------------------------------------


def test_strategies_in_the_frontier(mwh: Warehouse) -> None:
    answers: list[str | None] = ["g", "g", "a", None, "g", "b"]
    tokens = [3000, 9000, 1500, 5000, 700, 2500]
    load_answers(mwh, [("g", answers, tokens), ("7", ["7", "8", "8", "7"], [100, 200, 4000, 50])])
    pts = fr.points(mwh, fr.FrontierSpec.make(task="aime24", strategy="majority", cost="flops"))
    assert set(pts["config"]) == {"Qwen3-4B dense boinf"}
    one = pts.filter((pts["problem_id"] == "0") & (pts["setting"] == 1)).row(0, named=True)
    assert one["accuracy"] == pytest.approx(3 / 6)
    # the mean over samples of the macro's cost of N = 1 (lin = 0: no prompt text)
    ref = mwh.con.execute(
        "SELECT avg(model_flops('Qwen3-4B', 'dense', 0, t, 1)) FROM unnest(?::INTEGER[]) u(t)", [tokens]
    ).fetchall()[0][0]
    assert one["cost"] == pytest.approx(ref, rel=1e-12)
    # long-cot from lengths: correct and within the budget
    lc = fr.points(mwh, fr.FrontierSpec.make(task="aime24", strategy="long-cot", cost="flops"))
    at = {(r["problem_id"], r["setting"]): r["accuracy"] for r in lc.iter_rows(named=True)}
    assert at[("0", 1024)] == pytest.approx(1 / 6) and at[("0", 4096)] == pytest.approx(2 / 6)
    assert at[("0", 16384)] == pytest.approx(3 / 6) and max(s for _, s in at) == 16384
    assert at[("1", 1024)] == pytest.approx(2 / 4)
    cost = {(r["problem_id"], r["setting"]): r["cost"] for r in lc.iter_rows(named=True)}
    for cap in (1024, 4096, 16384):  # the mean over samples of the cost of least(tokens, cap), n = 1
        ref = mwh.con.execute(
            "SELECT avg(model_flops('Qwen3-4B', 'dense', 0, least(t, ?), 1)) FROM unnest(?::INTEGER[]) u(t)",
            [cap, tokens],
        ).fetchall()[0][0]
        assert cost[("0", cap)] == pytest.approx(ref, rel=1e-12)
    # majority with a per-sample cap: a sample past the cap abstains
    mb = fr.points(mwh, fr.FrontierSpec.make(task="aime24", strategy="majority-budget", cost="flops"))
    capped = mb.filter((mb["config"] == "Qwen3-4B dense boinf cap 2048") & (mb["problem_id"] == "0"))
    votes = [a if t <= 2048 else None for a, t in zip(answers, tokens, strict=True)]
    for r in capped.iter_rows(named=True):
        assert r["accuracy"] == pytest.approx(majority_exact(votes, "g", r["setting"]), abs=0.1)
    curve = fr.frontier(mwh, fr.FrontierSpec.make(task="aime24", strategy="majority", by="model"))
    assert curve.height > 0 and (curve["accuracy"].diff().drop_nulls() > 0).all()


def test_majority_and_length_caps_are_planned_under_offload_costs(mwh: Warehouse) -> None:
    """Offload-aware costs plan every N of majority_votes (here all 6 samples, not a power of 2) and every cap of long
    CoT from lengths (queries/pricing/plan.sql). Long CoT: per problem and cap, the mean over samples of each sample
    priced alone (pricing_trial_cost under its plan row), at the default prompt length (answer tables record none).
    Majority: its N samples decode together until the longest ends, as best-of-N's: the same seconds at every N both
    price (1, 2, 4 and all 6), the lone-sample price at N = 1, and more than the lone samples' mean above it."""
    tokens = [3000, 9000, 1500, 5000, 700, 2500]
    load_answers(mwh, [("g", ["g", "g", "a", None, "g", "b"], tokens)])
    mean = """
        SELECT avg(pricing_trial_cost('latency', 'dense', 0, lout, 0,
                                      pricing_trial_terms('dense', 0, lout, 0, 0, 'exact', pl), 1, pl,
                                      pricing_context($pricing)))
        FROM (SELECT least(u.t, $cap) AS lout, p AS pl
              FROM unnest($tokens::INTEGER[]) u(t),
                   pricing_plan(pricing_context($pricing), 'aime24', $strategy, []::VARCHAR[]) p
              WHERE p.model = 'Qwen3-4B' AND p.setting = $setting)
    """
    pts = {}
    for strategy in ("majority", "long-cot", "best-of-n"):
        spec = fr.FrontierSpec.make(task="aime24", strategy=strategy, cost="latency", hardware="h100-sxm", vram_gb=24)
        pts[strategy] = fr.points(mwh, spec).filter(pl.col("model") == "Qwen3-4B")
        if strategy == "best-of-n":
            continue
        assert (6 in set(pts[strategy]["setting"])) if strategy == "majority" else (
            {1024, 16384} <= set(pts[strategy]["setting"]))  # fmt: skip
        cx = fr.pricing_context(mwh, spec.validated(mwh))
        for r in pts[strategy].iter_rows(named=True):
            cap = r["setting"] if strategy == "long-cot" else 1 << 30
            ref = mwh.con.execute(
                mean, {"pricing": cx, "cap": cap, "tokens": tokens, "strategy": strategy, "setting": r["setting"]}
            ).fetchall()[0][0]
            if strategy == "long-cot" or r["setting"] == 1:
                assert r["cost"] == pytest.approx(ref, rel=1e-12)
            else:  # every sample waits for the longest of the N drawn
                assert r["cost"] > ref * 1.05, (r["setting"], r["cost"], ref)
    maj = {r["setting"]: r["cost"] for r in pts["majority"].iter_rows(named=True)}
    bon = {r["setting"]: r["cost"] for r in pts["best-of-n"].iter_rows(named=True)}
    assert set(bon) == {1, 2, 4, 6} and set(bon) <= set(maj)
    for n, c in bon.items():
        assert maj[n] == c, n
    ns = sorted(maj)
    assert all(maj[a] < maj[b] for a, b in itertools.pairwise(ns))


def test_long_cot_from_lengths_through_the_cli(runner: CliRunner, db_path: str) -> None:
    """An answer table alone (no trial_budgets) is long-CoT data read by length: the CLI draws it, under datasheet
    and offload-aware costs, and a task without any stays an error naming what exists."""
    assert ingest(runner, db_path, str(AIME)).exit_code == 0
    for cost in ("eflops", "latency"):
        res = runner.invoke(cli, ["--db", db_path, "frontier", "--strategy", "long-cot", "--cost", cost,
                                  "--hardware", "h100-sxm", "-f", "csv"])  # fmt: skip
        assert res.exit_code == 0, res.output
        assert "Qwen3-4B dense boinf" in res.output and res.output.count("\n") > 2
    res = runner.invoke(cli, ["--db", db_path, "frontier", "--strategy", "long-cot", "--task", "math500"])
    assert res.exit_code == 1 and "no long-cot data for task 'math500'" in res.output and "aime24" in res.output


def test_long_cot_from_lengths_is_a_lower_bound_on_rescoring(runner: CliRunner, db_path: str) -> None:
    fixtures = sorted((Path(__file__).parent / "fixtures" / "kinetics").glob("*.jsonl"))
    assert ingest(runner, db_path, "--gen-budgets", "32:1024:32", *map(str, fixtures)).exit_code == 0
    rows = q(
        db_path,
        "SELECT gen_budget, count(*) FILTER (WHERE rescored AND NOT lengths),"
        " count(*) FILTER (WHERE lengths AND NOT rescored)"
        " FROM (SELECT tb.gen_budget, tb.correct AS rescored, t.correct AND t.gen_tokens <= tb.gen_budget AS lengths"
        "       FROM trial_budgets tb JOIN trials t USING (source, problem_id, trial)) GROUP BY 1 ORDER BY 1",
    )
    assert all(over == 0 for _, _, over in rows)  # never above the re-scored truncation
    assert max(under for _, under, _ in rows) == 4  # answers boxed before the trace ended: 4 of 64 at 960 tokens


def test_report_entries_for_answer_tables(mwh: Warehouse) -> None:
    from kinetics_sql.figures import paper, strategies

    load_answers(mwh, [("g", ["g", "g", "a", None, "g", "b"], [3000, 9000, 1500, 5000, 700, 2500])])
    (entry,) = strategies.key_numbers(mwh, "aime24")
    assert set(entry["rows"]["strategy"]) == {"best-of-n", "majority", "long-cot"}
    assert entry["sentence"].startswith("Majority voting tops out at accuracy")
    fig = paper.fig_strategies(paper.Context(mwh, task="aime24"))
    assert fig is not None and len(fig.queries) == 3 and fig.chart.to_dict()["hconcat"]
    assert strategies.key_numbers(mwh, "math500") == [] and paper.fig_strategies(paper.Context(mwh, "math500")) is None


def test_frontier_macro_averaged_over_tasks(mwh: Warehouse) -> None:
    load_answers(mwh, [("g", ["g", "g", "a", None, "g", "b"], [3000, 9000, 1500, 5000, 700, 2500])])
    one = fr.frontier(mwh, fr.FrontierSpec.make(task="aime24", strategy="majority", kind="deployable"))
    got = mwh.df("SELECT * FROM frontier_tasks(['aime24'], 'majority', 'eflops', 'b200', [])")
    assert got["accuracy"].to_list() == pytest.approx(one["accuracy"].to_list(), rel=1e-12)
    assert got["cost"].to_list() == pytest.approx(one["cost"].to_list(), rel=1e-12)
    # a second task where the same arm scores differently: each task weighs 1/2
    for table in ("problems", "trials", "majority_votes"):
        mwh.con.execute(
            f"INSERT INTO {table} BY NAME SELECT * REPLACE ('math500' AS task, 'x.jsonl' AS source) FROM {table}"
        )
    mwh.con.execute("UPDATE majority_votes SET accuracy = 1.0 WHERE task = 'math500'")
    both = mwh.df("SELECT * FROM frontier_tasks(['aime24', 'math500'], 'majority', 'eflops', 'b200', [])")
    per = mwh.df(
        "SELECT setting, avg(accuracy) AS a"
        " FROM frontier_points('aime24', 'majority', 'eflops', 'b200', 'exact', [], []) GROUP BY setting"
    )
    a = dict(zip(per["setting"], per["a"], strict=True))
    for r in both.iter_rows(named=True):
        assert r["accuracy"] == pytest.approx((a[r["setting"]] + 1.0) / 2, rel=1e-12)
        assert r["task_accuracy"].startswith("aime24 ") and "math500 1.0000" in r["task_accuracy"]


def test_best_of_n_includes_all_samples(mwh: Warehouse) -> None:
    """Best-of-N's settings are N = 1, 2, 4, ... and N = all samples (6 here, not a power of two; the fewest any
    problem of the configuration has), where coverage is 1 if any sample is correct."""
    load_answers(mwh, [("g", ["g", "a", None, "b", "a", "c"], [10, 20, 30, 40, 50, 60]),
                       ("7", ["8", "8", "9", "9", "8", "9", "8"], [10, 20, 30, 40, 50, 60, 70])])  # fmt: skip
    for cost in ("flops", "latency"):
        pts = fr.points(mwh, fr.FrontierSpec.make(task="aime24", strategy="best-of-n", cost=cost, hardware="h100-sxm"))
        at = {(r["problem_id"], r["setting"]): r["accuracy"] for r in pts.iter_rows(named=True)}
        assert sorted({s for _, s in at}) == [1, 2, 4, 6], cost
        assert at[("0", 6)] == pytest.approx(1.0) and at[("1", 6)] == pytest.approx(0.0)
        assert at[("0", 4)] == pytest.approx(1 - 5 / 15)  # C(5, 4) / C(6, 4) of the draws miss the gold one


def test_a_problem_whose_samples_are_all_empty_costs_its_prompt_not_nan(mwh: Warehouse) -> None:
    """An answer table can hold a problem whose every sample has 0 generated tokens (Phi-4-reasoning, GPQA-Diamond:
    one problem of 198, 160 samples): its seconds are finite (no decode step), so the frontier's mean over problems
    stays a number (it was NaN: 0 * 0 / 0 in the prompt's KV reads over the longest's steps)."""
    load_answers(mwh, [("g", ["g", "a", "g"], [3000, 5000, 700]), ("g", [None, None, None], [0, 0, 0])])
    for strategy in ("best-of-n", "majority"):
        spec = fr.FrontierSpec.make(task="aime24", strategy=strategy, cost="latency", hardware="h100-sxm")
        pts = fr.points(mwh, spec)
        assert pts.height > 0 and pts["cost"].is_nan().sum() == 0 and pts["cost"].is_null().sum() == 0, pts
        empty = pts.filter(pl.col("problem_id") == "1")
        lowest = pts.filter(pl.col("problem_id") == "0")["cost"].min()
        assert empty.height > 0 and all(0 <= c < lowest for c in empty["cost"].to_list()), (empty, lowest)  # type: ignore[operator]
