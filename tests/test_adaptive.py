"""Adaptive voting (kinetics_sql.adaptive, table adaptive_votes) against an independent simulation written from
issue 23's rule, step by step with Python's random module, not from the module's vectorised code or the SQL."""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from answer_rows import insert_answers
from click.testing import CliRunner

from kinetics_sql import adaptive
from kinetics_sql import frontier as fr
from kinetics_sql.cli import cli
from kinetics_sql.ingest import boinf, sources
from kinetics_sql.warehouse import Warehouse

AIME = Path(sources.bundled_roots()[1]) / "analysis_aime2024_Qwen3-4B.jsonl.gz"


def simulate(answers: list[str | None], gold: str, rule: str, setting: int, batch: int, max_n: int | None,
             lengths: list[int], rng: random.Random) -> tuple[float, int, list[int]]:
    """One run of the rule: (P(gold is the decision), samples drawn, longest sample of each batch drawn)."""
    order = list(range(len(answers)))
    rng.shuffle(order)
    cap = len(answers) if max_n is None else min(max_n, len(answers))
    votes: Counter[str] = Counter()
    drawn = 0
    longest = []
    while drawn < cap:
        take = order[drawn : min(drawn + batch, cap)]
        drawn += len(take)
        longest.append(max(take, key=lambda i: (lengths[i], i)))
        for i in take:
            if answers[i] is not None:
                votes[answers[i]] += 1  # type: ignore[index]
        ranked = [*sorted(votes.values(), reverse=True), 0, 0]
        if rule == "margin" and ranked[0] - ranked[1] >= setting:
            break
        window = [answers[i] for i in take]
        if rule == "esc" and len(take) == batch and window[0] is not None and len(set(window)) == 1:
            break
    if not votes:
        return 0.0, drawn, longest
    top = max(votes.values())
    leaders = [a for a, c in votes.items() if c == top]
    return (1.0 / len(leaders) if gold in leaders else 0.0), drawn, longest


def load(wh: Warehouse, problems: list[tuple[str, list[str | None], list[int]]]) -> None:
    adaptive.build(wh, insert_answers(wh, problems, answer_table=False))


@pytest.fixture(scope="module")
def awh() -> Any:
    w = Warehouse(":memory:")
    yield w
    w.close()


HARD: list[str | None] = ["g"] * 5 + ["a"] * 4 + ["b"] * 3 + ["c"] + [None] * 3 + ["d", "e"]
LENGTHS = [1000 + 137 * i % 900 for i in range(len(HARD))]


UNANIMOUS: list[str | None] = ["a"] * 16  # every sample the same wrong answer: exact rows


@pytest.mark.parametrize("answers", [HARD, UNANIMOUS], ids=["hard", "unanimous"])
def test_estimates_match_an_independent_simulation(awh: Warehouse, answers: list[str | None]) -> None:
    """Every rule and setting of a made-up problem: accuracy, mean samples and the cost weights within their
    Monte Carlo error (the module's standard error and the simulation's)."""
    lengths = LENGTHS[: len(answers)]
    load(awh, [("g", answers, lengths)])
    rows = awh.con.execute(
        "SELECT rule, setting, batch, max_n, accuracy, accuracy_se, mean_samples, mean_samples_se, drawn,"
        " coalesce(longest, drawn), replicates FROM adaptive_votes"
    ).fetchall()
    assert len(rows) == len(adaptive.configs())
    assert {r[-1] for r in rows} == ({0} if answers is UNANIMOUS else {adaptive.REPLICATES})
    rng = random.Random(5)
    runs = 2000
    for rule, setting, batch, max_n, acc, acc_se, ms, ms_se, drawn, longest, _ in rows:
        sims = [simulate(answers, "g", rule, setting, batch, max_n, lengths, rng) for _ in range(runs)]
        s_acc = [s[0] for s in sims]
        s_n = [s[1] for s in sims]
        mean_acc, mean_n = sum(s_acc) / runs, sum(s_n) / runs
        sd_acc = math.sqrt(sum((x - mean_acc) ** 2 for x in s_acc) / (runs - 1) / runs)
        sd_n = math.sqrt(sum((x - mean_n) ** 2 for x in s_n) / (runs - 1) / runs)
        what = f"{rule} {setting} batch {batch} max {max_n}"
        assert abs(acc - mean_acc) <= 4.5 * math.hypot(acc_se, sd_acc) + 1e-9, what
        assert abs(ms - mean_n) <= 4.5 * math.hypot(ms_se, sd_n) + 1e-9, what
        assert sum(drawn) == pytest.approx(ms, abs=1e-9)  # the weights sum to the samples drawn
        batches = Counter(i for s in sims for i in s[2])
        assert sum(longest) == pytest.approx(sum(len(s[2]) for s in sims) / runs, abs=0.25), what
        for i in range(len(answers)):  # batches whose longest sample is i: a count per run in [0, 1]
            assert abs(longest[i] - batches[i] / runs) <= 4.5 * math.sqrt(0.25 / runs) * math.sqrt(2), (what, i)


def test_settled_and_degenerate_problems_are_exact(awh: Warehouse) -> None:
    """Unanimous answers: K = k stops after k samples (batch 1) and is right; no answers at all: every sample is drawn
    and the decision is wrong; margin 1 with batch 1 stops at the first vote, so its accuracy is P(first voter gold)."""
    load(awh, [("g", ["g"] * 10, [100] * 10), ("g", [None] * 6, [50] * 6), ("g", ["g", None, "a", "a"], [1, 2, 3, 4])])
    got = {(r[0], r[1], r[2], r[3], r[4]): r[5:] for r in awh.con.execute(
        "SELECT problem_id, rule, setting, batch, coalesce(max_n, 0), accuracy, mean_samples FROM adaptive_votes"
    ).fetchall()}  # fmt: skip
    for k in adaptive.MARGINS:
        assert got[("0", "margin", k, 1, 0)] == (1.0, float(min(k, 10)))
        assert got[("1", "margin", k, 1, 0)] == (0.0, 6.0)
    assert got[("0", "margin", 3, 8, 0)] == (1.0, 8.0)
    assert got[("2", "margin", 1, 1, 0)][0] == pytest.approx(1 / 3, abs=4 * math.sqrt(2 / 9 / adaptive.REPLICATES))


@pytest.fixture(scope="module")
def aime_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A warehouse with the bundled AIME24 answer table of Qwen3-4B."""
    db = str(tmp_path_factory.mktemp("adaptive") / "k.duckdb")
    assert CliRunner().invoke(cli, ["--db", db, "ingest", "-q", str(AIME)], catch_exceptions=False).exit_code == 0
    return db


@pytest.mark.slow
def test_done_when_frontier_prints_accuracy_and_samples_per_k(aime_db: str) -> None:
    """The issue's command on the bundled AIME24 table of Qwen3-4B: per configuration and K, accuracy and mean_samples,
    each within Monte Carlo error of the independent simulation run on the raw file."""
    db = aime_db
    runner = CliRunner()
    args = ["--db", db, "frontier", "--task", "aime24", "--strategy", "adaptive-majority", "--kind", "deployable",
            "--by", "arm", "--per-group", "-f", "csv"]  # fmt: skip
    out = runner.invoke(cli, args, catch_exceptions=False)
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.output)))
    assert sorted(int(r["setting"]) for r in rows) == list(adaptive.MARGINS)
    with gzip.open(AIME, "rt") as fh:
        raw = [json.loads(line) for line in fh]
    rng = random.Random(23)
    runs = 150
    for r in rows:
        k = int(r["setting"])
        accs, ns = [], []
        for p in raw:
            answers = [boinf.normalize_answer(a) for a, _ in p["all_answers"]]
            gold = boinf.normalize_answer(p["gold_answer"]) or ""
            lengths = [t for _, t in p["all_answers"]]
            sims = [simulate(answers, gold, "margin", k, 1, None, lengths, rng) for _ in range(runs)]
            accs.append(sum(s[0] for s in sims) / runs)
            ns.append(sum(s[1] for s in sims) / runs)
        # the simulation's standard error of a mean over problems of means over runs: at most 0.5 / sqrt(runs * 30)
        acc_err = 4.5 * math.hypot(float(r["accuracy_se"]), 0.5 / math.sqrt(runs * len(raw)))
        assert abs(float(r["accuracy"]) - sum(accs) / len(raw)) <= acc_err, k
        n_err = 4.5 * math.hypot(float(r["mean_samples_se"]), 40 / math.sqrt(runs * len(raw)))
        assert abs(float(r["mean_samples"]) - sum(ns) / len(raw)) <= n_err, k


def test_cost_is_the_weighted_cost_of_the_samples(awh: Warehouse) -> None:
    """Per sample drawn (flops): sum_i drawn[i] * cost(sample i); the latency regime: sum_i longest[i] * the cost of a
    batch of b sequences of sample i's length (both through the frontier's pricing macros)."""
    load(awh, [("g", HARD, LENGTHS)])
    spec = fr.FrontierSpec.make(task="aime24", strategy="adaptive-majority", cost="flops", batch=8)
    pts = fr.points(awh, spec)
    assert set(pts["config"]) == {"Qwen3-4B dense batch 8"} and sorted(pts["setting"]) == list(adaptive.MARGINS)
    for r in pts.iter_rows(named=True):
        drawn, longest = awh.con.execute(
            "SELECT drawn, longest FROM adaptive_votes WHERE rule = 'margin' AND batch = 8 AND max_n IS NULL"
            " AND setting = ?", [r["setting"]]
        ).fetchone()  # type: ignore[misc]
        ref = awh.con.execute(
            "SELECT sum(w * model_flops('Qwen3-4B', 'dense', 0, t, 8) / 8)"
            " FROM (SELECT unnest(?::DOUBLE[]) AS w, unnest(?::INTEGER[]) AS t)",
            [drawn, LENGTHS],
        ).fetchall()[0][0]
        assert r["cost"] == pytest.approx(ref, rel=1e-9)
        assert sum(longest) < sum(drawn) / 4  # batches of 8: far fewer batch-longest samples than samples
    with pytest.raises(Exception, match="--batch 3 was not computed at ingest"):
        fr.points(awh, fr.FrontierSpec.make(task="aime24", strategy="adaptive-majority", batch=3))
    with pytest.raises(Exception, match="apply to adaptive-majority and adaptive-esc, not majority"):
        fr.points(awh, fr.FrontierSpec.make(task="aime24", strategy="majority", batch=8))


@pytest.mark.slow
def test_recommend_answers_with_k_samples_and_seconds_and_replays_within_budget(aime_db: str) -> None:
    """recommend --strategy adaptive-majority names K, the expected samples and seconds; its Reproduce command's row
    shows the same seconds, within the budget; compare adaptive saves samples at the best fixed N's accuracy."""
    runner = CliRunner()
    args = ["--db", aime_db, "recommend", "--hardware", "h100-sxm", "--task", "aime24", "--strategy",
            "adaptive-majority", "--budget-s", "1500", "-f", "json"]  # fmt: skip
    out = runner.invoke(cli, args, catch_exceptions=False)
    assert out.exit_code == 0, out.output
    rec = json.loads(out.output)
    chosen = rec["chosen"]
    assert chosen["strategy"] == "adaptive-majority" and 1 <= chosen["setting"] <= 8
    assert 1 <= chosen["mean_samples"] <= 80 and chosen["latency_s"] <= 1500
    text = runner.invoke(cli, args[:-2], catch_exceptions=False).output
    assert f"K = {chosen['setting']}: draw" in text and "samples expected" in text and "s per problem" in text
    replay = rec["reproduce"].split("   #")[0].split()[1:]  # drop 'kinetics-sql'
    row = f"{chosen['config']} @{chosen['setting']}"
    got = runner.invoke(cli, ["--db", aime_db, *replay], catch_exceptions=False)
    assert got.exit_code == 0, got.output
    hit = [r for r in csv.DictReader(io.StringIO(got.output)) if r["group"] == row]
    assert len(hit) == 1 and float(hit[0]["cost"]) == pytest.approx(chosen["latency_s"], rel=1e-9)
    assert float(hit[0]["cost"]) <= 1500
    assert float(hit[0]["mean_samples"]) == pytest.approx(chosen["mean_samples"], rel=1e-12)
    cmp_args = ["--db", aime_db, "compare", "adaptive", "--task", "aime24", "--cost", "latency",
                "--hardware", "h100-sxm", "--batch", "8", "-f", "csv"]  # fmt: skip
    cmp = runner.invoke(cli, cmp_args, catch_exceptions=False)
    assert cmp.exit_code == 0, cmp.output
    (c,) = list(csv.DictReader(io.StringIO(cmp.output)))
    assert c["config"] == "Qwen3-4B dense boinf" and int(c["fixed_n"]) == 80
    tol = 2 * math.hypot(float(c["adaptive_accuracy_se"]), float(c["fixed_accuracy_se"]))
    assert float(c["adaptive_accuracy"]) >= float(c["fixed_accuracy"]) - tol - 1e-12
    assert float(c["samples_saved"]) > 0 and float(c["seconds_saved"]) > 0


def test_points_of_a_selection_met_again_are_priced_under_its_own_plan(awh: Warehouse) -> None:
    """majority, then adaptive-majority, then majority again on one connection (latency: the offload plan is per
    strategy): the third prices as the first (its cached points table must not skip writing its plan)."""
    load(awh, [("g", HARD, LENGTHS)])
    boinf.build_majority(awh, "analysis_aime2024_Qwen3-4B.jsonl")
    fixed = fr.FrontierSpec.make(task="aime24", strategy="majority", cost="latency", hardware="h100-sxm")
    first = fr.points(awh, fixed)
    fr.points(awh, fr.FrontierSpec.make(task="aime24", strategy="adaptive-majority", cost="latency",
                                        hardware="h100-sxm",
                                   batch=8))  # fmt: skip
    again = fr.points(awh, fixed)
    assert again["cost"].to_list() == first["cost"].to_list()
