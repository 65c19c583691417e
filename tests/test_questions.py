"""The questions a new user asks, one command each, through the CLI on the demo warehouse (the bundled tables and
the committed measurements), each answer checked against the frontier that `frontier` prints."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from kinetics_sql.cli import cli


def run_json(db: str, *args: str) -> Any:
    res = CliRunner().invoke(cli, ["--db", db, *args, "-f", "json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def arms(db: str, strategy: str, cost: str, hardware: str, *extra: str) -> dict[str, dict[str, Any]]:
    """Every deployable arm of the frontier, by '<config> @<setting>' (its own frontier: --by arm --per-group)."""
    rows = run_json(db, "frontier", "--task", "aime24", "--strategy", strategy, "--kind", "deployable", "--by", "arm",
                    "--per-group", "--cost", cost, "--hardware", hardware, *extra)  # fmt: skip
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        key = f"{r['config']} @{r['setting']}"
        out[key] = r if key not in out or r["cost"] < out[key]["cost"] else out[key]
    return out


def same_arm(chosen: dict[str, Any], frontier: dict[str, dict[str, Any]], measure: str) -> dict[str, Any]:
    row = frontier[f"{chosen['config']} @{chosen['setting']}"]
    assert chosen["accuracy"] == pytest.approx(row["accuracy"], rel=1e-9)
    assert chosen[measure] == pytest.approx(row["cost"], rel=1e-6)
    return row


@pytest.mark.parametrize("strategy", ["majority", pytest.param("majority-budget", marks=pytest.mark.slow)])
def test_majority_recommendation_is_the_most_accurate_majority_arm_within_the_budget(
    demo_db: str, strategy: str
) -> None:
    got = run_json(demo_db, "recommend", "--strategy", strategy, "--task", "aime24", "--hardware", "h100-sxm",
                   "--budget-s", "600")  # fmt: skip
    chosen = got["chosen"]
    assert chosen["strategy"] == strategy and chosen["latency_s"] <= 600
    frontier = arms(demo_db, strategy, "latency", "h100-sxm")
    same_arm(chosen, frontier, "latency_s")
    within = [r for r in frontier.values() if r["cost"] <= 600]
    assert max(r["accuracy"] for r in within) == pytest.approx(chosen["accuracy"], rel=1e-12)
    assert got["chosen"]["data"] == "Best-of-Infinity answer tables"


@pytest.mark.slow
def test_majority_recommendation_says_it_votes_without_a_verifier(demo_db: str) -> None:
    res = CliRunner().invoke(cli, ["--db", demo_db, "recommend", "--strategy", "majority", "--task", "aime24",
                                   "--hardware", "h100-sxm", "--budget-s", "600"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "the most frequent answer wins (majority vote, no verifier)" in res.output
    assert "--strategy majority --kind deployable --by arm --per-group --cost latency" in res.output  # reproduce


def test_hardware_list_compares_profiles_each_on_its_frontier(demo_db: str) -> None:
    got = run_json(demo_db, "recommend", "--hardware", "h100-sxm,rtx-4090", "--task", "aime24", "--budget-s", "60")
    rows = {r["hardware"]: r for r in got["comparison"]}
    assert set(rows) == {"h100-sxm", "rtx-4090"} and got["measure"] == "latency_s"
    for hw, r in rows.items():
        frontier = arms(demo_db, "best-of-n", "latency", hw)
        same_arm(r, frontier, "latency_s")
        within = [a["accuracy"] for a in frontier.values() if a["cost"] <= 60]
        assert max(within) == pytest.approx(r["accuracy"], rel=1e-12)
    best = max(rows.values(), key=lambda r: r["accuracy"])
    assert got["best"]["hardware"] == best["hardware"] and got["comparison"][0]["hardware"] == best["hardware"]


@pytest.mark.slow
def test_hardware_all_with_a_budget_is_the_most_accurate_profile(demo_db: str) -> None:
    got = run_json(demo_db, "recommend", "--hardware", "all", "--task", "aime24", "--budget-s", "60")
    priced = run_json(demo_db, "hardware")
    assert {r["hardware"] for r in got["comparison"]} == {h["name"] for h in priced if h["price_per_hour"]}
    for r in got["comparison"]:
        frontier = arms(demo_db, "best-of-n", "latency", r["hardware"])
        same_arm(r, frontier, "latency_s")
        assert max(a["accuracy"] for a in frontier.values() if a["cost"] <= 60) == pytest.approx(r["accuracy"])
    assert got["best"]["chosen"]["accuracy"] == max(r["accuracy"] for r in got["comparison"])


def test_dollars_per_solved_across_hardware_is_the_cheapest_solved_problem(demo_db: str) -> None:
    got = run_json(demo_db, "recommend", "--hardware", "all", "--task", "aime24", "--target-accuracy", "0.5",
                   "--minimize", "dollars-per-solved")  # fmt: skip
    assert got["measure"] == "usd_per_solved_throughput"
    rows = [r for r in got["comparison"] if r["config"] is not None]
    assert len(rows) >= 5
    for r in rows:
        assert r["accuracy"] >= 0.5 and r["cost"] == pytest.approx(r["usd_throughput"] / r["accuracy"], rel=1e-12)
    assert [r["cost"] for r in rows] == sorted(r["cost"] for r in rows)  # best first
    best = got["best"]
    assert best["hardware"] == rows[0]["hardware"]
    assert best["request"].endswith("--minimize dollars-per-solved --regime throughput")
    # on the best profile, no configuration reaching 0.5 solves a problem for less (the frontier's dollars)
    frontier = arms(demo_db, "best-of-n", "dollars-throughput", best["hardware"])
    chosen = same_arm(best["chosen"], frontier, "usd_throughput")
    cheapest = min(a["cost"] / a["accuracy"] for a in frontier.values() if a["accuracy"] >= 0.5 - 1e-12)
    assert chosen["cost"] / chosen["accuracy"] == pytest.approx(cheapest, rel=1e-9)


def test_the_gain_over_the_naive_choice_is_in_the_budgets_units(demo_db: str) -> None:
    got = run_json(demo_db, "recommend", "--hardware", "h100-sxm", "--task", "aime24", "--budget-s", "600")
    naive, gain, chosen = got["naive"], got["gain"], got["chosen"]
    assert naive["method"] == "dense" and naive["setting"] == 1 and naive["k_layers"] == 0
    assert naive["latency_s"] <= 600
    assert gain["accuracy"] == pytest.approx(chosen["accuracy"] - naive["accuracy"])
    assert gain["cost_ratio"] == pytest.approx(chosen["latency_s"] / naive["latency_s"])
    # the largest model whose one dense sample fits the budget (the frontier's dense arms at N = 1)
    models = {m["name"]: m["params_b"] for m in run_json(demo_db, "models")}
    dense = arms(demo_db, "best-of-n", "latency", "h100-sxm", "--method", "dense")
    one = [a for a in dense.values() if a["setting"] == 1 and a["cost"] <= 600]
    assert models[naive["model"]] == max(models[a["model"]] for a in one)
    text = CliRunner().invoke(cli, ["--db", demo_db, "recommend", "--hardware", "h100-sxm", "--task", "aime24",
                                    "--budget-s", "600"]).output  # fmt: skip
    assert f"Naive choice (the largest model that fits the VRAM and the budget, one sample, dense attention): " \
           f"{naive['config']} @1" in text  # fmt: skip
    assert f"the recommendation: {gain['accuracy']:+.3f} accuracy within the same budget" in text


def test_a_comparison_across_sources_says_so(demo_db: str) -> None:
    args = ["--db", demo_db, "frontier", "--task", "aime24", "--kind", "deployable", "--by", "model", "--model",
            "Qwen3-30B-A3B-Thinking-2507", "--model", "Qwen3-8B", "--method", "dense", "--cost", "dollars-throughput",
            "--hardware", "h100-sxm"]  # fmt: skip
    # dollars-throughput: in the latency regime the MoE's steps (experts touched) dominate Qwen3-8B, one source left
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert "note: these configurations come from two sources" in res.stderr
    one = CliRunner().invoke(cli, [*args[:9], "--model", "Qwen3-8B", "--method", "dense", *args[15:17]])
    assert one.exit_code == 0 and "two sources" not in one.stderr


@pytest.mark.slow
def test_dollars_per_solved_is_the_cheapest_solved_problem_on_every_profile(demo_db: str) -> None:
    got = run_json(demo_db, "recommend", "--hardware", "all", "--task", "aime24", "--target-accuracy", "0.5",
                   "--minimize", "dollars-per-solved")  # fmt: skip
    for r in got["comparison"]:
        if r["config"] is None:
            continue
        frontier = arms(demo_db, "best-of-n", "dollars-throughput", r["hardware"])
        same_arm(r, frontier, "usd_throughput")
        cheapest = min(a["cost"] / a["accuracy"] for a in frontier.values() if a["accuracy"] >= 0.5 - 1e-12)
        assert r["usd_per_solved_throughput"] == pytest.approx(cheapest, rel=1e-9), r["hardware"]
