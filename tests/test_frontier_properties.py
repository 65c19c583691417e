"""Frontier properties on random data (hypothesis), the long-CoT strategy on a synthetic
trial_budgets fixture, and the expected cost as a mean over trials (not the cost of the mean)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import frontier_fixtures as ff
import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from traces import traces_db

from kinetics_sql import Warehouse
from kinetics_sql import frontier as fr
from kinetics_sql.figures import paper

MODELS = ["Qwen3-0.6B", "Qwen3-4B", "Qwen3-8B"]
CONFIGS = [(m, "dense", None) for m in MODELS] + [(m, "topk", b) for m in MODELS for b in (64, 512)]


@pytest.fixture(scope="module")
def mem() -> Iterator[Warehouse]:
    w = Warehouse(":memory:")
    yield w
    w.close()


def _clear(wh: Warehouse) -> None:
    for table in ("problems", "trials", "trial_budgets"):
        wh.execute(f"DELETE FROM {table}")


def _insert_best_of_n(wh: Warehouse, data: list[dict[str, Any]]) -> None:
    _clear(wh)
    for cfg in data:
        model, method, budget = cfg["config"]
        source = f"random_{model}_{method}_{budget}.csv"
        for pid, (n_correct, lengths, lin) in enumerate(cfg["problems"]):
            wh.execute(
                "INSERT INTO problems (source, task, model, method, budget, block_size, problem_id, n_samples,"
                " n_correct, prompt_tokens) VALUES (?, 't', ?, ?, ?, NULL, ?, ?, ?, ?)",
                [source, model, method, budget, str(pid), len(lengths), min(n_correct, len(lengths)), lin],
            )
            for i, g in enumerate(lengths):
                wh.execute(
                    "INSERT INTO trials (source, task, model, method, budget, block_size, problem_id, trial,"
                    " prompt_tokens, gen_tokens) VALUES (?, 't', ?, ?, ?, NULL, ?, ?, ?, ?)",
                    [source, model, method, budget, str(pid), i, lin, g],
                )


@st.composite
def datasets(draw: st.DrawFn) -> list[dict[str, Any]]:
    n_problems = draw(st.integers(1, 4))
    lins = draw(st.lists(st.integers(10, 300), min_size=n_problems, max_size=n_problems))
    configs = draw(st.lists(st.sampled_from(CONFIGS), min_size=1, max_size=4, unique=True))
    out = []
    for cfg in configs:
        problems = []
        for q in range(n_problems):
            lengths = draw(st.lists(st.integers(1, 4000), min_size=1, max_size=6))
            problems.append((draw(st.integers(0, len(lengths))), lengths, lins[q]))
        out.append({"config": cfg, "problems": problems})
    return out


def _check_properties(wh: Warehouse, spec: fr.FrontierSpec) -> None:
    pts = fr.points(wh, spec)
    df = fr.frontier(wh, spec)
    costs = np.unique(pts["cost"].to_numpy())
    at = np.concatenate([costs, np.nextafter(costs, 0), [costs.max() * 10]])
    by = spec.by if spec.by != "none" else "none"
    # exact: equal to the definition everywhere
    np.testing.assert_allclose(ff.sql_step(df, at), ff.brute(pts, spec.selection.kind, at, by=by), atol=1e-12)
    # monotone: costs and accuracies strictly increase along the rows
    assert (np.diff(df["cost"].to_numpy()) > 0).all()
    assert (np.diff(df["accuracy"].to_numpy()) > 0).all()
    assert ((df["accuracy"] > 0) & (df["accuracy"] <= 1 + 1e-12)).all()
    nq = pts["problem_id"].n_unique()
    arms = pts.group_by("config", "setting").agg(
        mean_cost=pl.col("cost").mean(), max_cost=pl.col("cost").max(), acc=pl.col("accuracy").sum() / nq
    )
    if spec.selection.kind == "deployable":
        # every point achievable: each breakpoint is some arm's (mean cost, mean accuracy)
        for c, a in df.select("cost", "accuracy").iter_rows():
            hit = arms.filter(((pl.col("mean_cost") - c).abs() <= 1e-9 * c) & ((pl.col("acc") - a).abs() <= 1e-12))
            assert hit.height >= 1
        # no arm beats the frontier at its cost
        f = ff.sql_step(df, arms["mean_cost"].to_numpy() * (1 + 1e-12))  # means summed in another order
        assert (arms["acc"].to_numpy() <= f + 1e-12).all()
    else:
        # every point achievable: a per-problem choice of arms within the cost cap attains it
        key = [by] if by != "none" else []
        for c, a in df.select("cost", "accuracy").iter_rows():
            best = pts.filter(pl.col("cost") <= c).group_by([*key, "problem_id"]).agg(pl.col("accuracy").max())
            per_group = (
                best.group_by(key).agg(pl.col("accuracy").sum() / nq)
                if key
                else best.select(pl.col("accuracy").sum() / nq)
            )
            assert per_group["accuracy"].max() == pytest.approx(a, abs=1e-12)
        # no configuration beats the frontier: any arm used on every problem, with cap = its max cost
        f = ff.sql_step(df, arms["max_cost"].to_numpy())
        assert (arms["acc"].to_numpy() <= f + 1e-12).all()


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=datasets(),
    kind=st.sampled_from(fr.KINDS),
    by=st.sampled_from(["none", "model", "method"]),
    cost=st.sampled_from(("flops", "eflops")),
)
def test_frontier_properties_on_random_data(
    mem: Warehouse, data: list[dict[str, Any]], kind: str, by: str, cost: str
) -> None:
    _insert_best_of_n(mem, data)
    _check_properties(mem, fr.FrontierSpec.make(task="t", kind=kind, by=by, cost=cost))


def test_expected_cost_is_mean_over_trials_not_cost_of_mean(mem: Warehouse) -> None:
    _insert_best_of_n(mem, [{"config": ("Qwen3-8B", "dense", None), "problems": [(1, [100, 20000], 155)]}])
    pts = fr.points(mem, fr.FrontierSpec.make(task="t")).filter(pl.col("setting") == 1)
    each = mem.df(
        "SELECT avg(model_eflops('Qwen3-8B', 'b200', 'dense', 155, g, 1)) AS mean_cost,"
        " model_eflops('Qwen3-8B', 'b200', 'dense', 155, 10050, 1) AS cost_of_mean FROM unnest([100, 20000]) t(g)"
    ).row(0, named=True)
    assert pts["cost"][0] == pytest.approx(each["mean_cost"], rel=1e-12)
    assert each["mean_cost"] > each["cost_of_mean"] * 1.01
    assert pts["accuracy"][0] == pytest.approx(0.5)


def _insert_long_cot(wh: Warehouse) -> None:
    """2 configurations x 3 problems x 4 trials, each cut at 3 generation budgets."""
    _clear(wh)
    rng = np.random.default_rng(3)
    for model, method, budget in (("Qwen3-4B", "dense", None), ("Qwen3-8B", "topk", 512)):
        source = f"lc_{model}_{method}.jsonl"
        for pid in range(3):
            lin = 120 + 10 * pid
            wh.execute(
                "INSERT INTO problems (source, task, model, method, budget, problem_id, n_samples, n_correct,"
                " prompt_tokens) VALUES (?, 'lc', ?, ?, ?, ?, 4, NULL, ?)",
                [source, model, method, budget, str(pid), lin],
            )
            for trial in range(4):
                full = int(rng.integers(500, 9000))
                for gen_budget in (1024, 4096, 8192):
                    used = min(full, gen_budget)
                    correct = bool(used == full and rng.random() < 0.7)
                    wh.execute(
                        "INSERT INTO trial_budgets (source, task, model, method, budget, block_size, problem_id, trial,"
                        " gen_budget, tokens_used, correct) VALUES (?, 'lc', ?, ?, ?, NULL, ?, ?, ?, ?, ?)",
                        [source, model, method, budget, str(pid), trial, gen_budget, used, correct],
                    )


def test_long_cot_points_and_frontier(mem: Warehouse) -> None:
    _insert_long_cot(mem)
    spec = fr.FrontierSpec.make(task="lc", strategy="long-cot")
    pts = fr.points(mem, spec)
    assert pts.height == 2 * 3 * 3
    assert set(pts["setting"].unique()) == {1024, 4096, 8192}
    ref = mem.df(
        """
        SELECT tb.model, tb.problem_id, tb.gen_budget AS setting, avg(tb.correct::DOUBLE) AS accuracy,
               avg(model_eflops(tb.model, 'b200', tb.method, p.prompt_tokens, tb.tokens_used, 1,
                                budget := coalesce(tb.budget, 0))) AS cost
        FROM trial_budgets tb JOIN problems p USING (source, task, problem_id)
        GROUP BY ALL
        """
    )
    joined = pts.join(ref, on=["model", "problem_id", "setting"], suffix="_ref")
    assert joined.height == pts.height
    np.testing.assert_allclose(joined["cost"], joined["cost_ref"], rtol=1e-12)
    np.testing.assert_allclose(joined["accuracy"], joined["accuracy_ref"], atol=1e-15)
    for kind in fr.KINDS:
        for by in ("none", "model"):
            _check_properties(mem, fr.FrontierSpec.make(task="lc", strategy="long-cot", kind=kind, by=by))
    env = fr.frontier(mem, fr.FrontierSpec.make(task="lc", strategy="long-cot", by="model"))
    assert set(env["setting"].unique()) <= {1024, 4096, 8192}


def test_long_cot_without_prompt_tokens_is_a_clear_error(mem: Warehouse) -> None:
    _insert_long_cot(mem)
    mem.execute("DELETE FROM problems")
    with pytest.raises(Exception, match="no prompt_tokens"):
        fr.points(mem, fr.FrontierSpec.make(task="lc", strategy="long-cot"))


def test_long_cot_on_ingested_traces(tmp_path: Path) -> None:
    """The raw trace loader's trial_budgets (tests/fixtures/kinetics/*.jsonl) drive a long-CoT frontier."""
    db = traces_db(tmp_path)
    with Warehouse(db) as wh:
        spec = fr.FrontierSpec.make(strategy="long-cot")
        pts = fr.points(wh, spec)
        ref = wh.df(
            "SELECT model || ' ' || method AS mm, problem_id, gen_budget AS setting, avg(correct::DOUBLE) AS acc"
            " FROM trial_budgets GROUP BY ALL"
        )
        joined = pts.with_columns(mm=pl.col("model") + " " + pl.col("method")).join(
            ref, on=["mm", "problem_id", "setting"]
        )
        assert joined.height == pts.height > 0
        np.testing.assert_allclose(joined["accuracy"], joined["acc"], atol=1e-15)
        for kind in fr.KINDS:
            _check_properties(wh, fr.FrontierSpec.make(strategy="long-cot", kind=kind, by="model"))
        fig = paper.fig3cd_long_cot(paper.Context(wh))
        assert fig is not None and "generation budget" in str(fig.chart.to_dict())
