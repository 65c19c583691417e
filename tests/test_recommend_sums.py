"""recommend prices the trials' sums (queries/recommend/features.sql, batch_seconds_sums): the same seconds as the
frontier's per-trial offload costs, for coefficients with every term non-zero, offloaded layers and waves, block
top-k, the throughput regime and tensor parallelism; and the sums are taken once for many hardware profiles."""

from __future__ import annotations

from dataclasses import replace

import frontier_fixtures as ff
import polars as pl
import pytest

from kinetics_sql import Warehouse, costmodel, sqlfiles
from kinetics_sql import frontier as fr
from kinetics_sql import recommend as rec

aime_db, aime_wh = ff.aime_db, ff.aime_wh  # fixtures


def _every_term(wh: Warehouse, hardware: str, form: str) -> costmodel.Coefficients:
    base = costmodel.resolve(wh, hardware=hardware)
    return replace(
        base, label=f"test {form}", engine="llama.cpp", form=form, t0=0.05, prefill_a=2e-15, prefill_c=3e-11,
        step_s=1e-4, layer_step_s=2e-6, offload_layer_step_s=5e-6, offload_attn_a=4e-13,
        prefill_offload_attn_a=6e-14, net_c=1e-11, prefill_net_c=2e-11, net_step_s=3e-6,
    )  # fmt: skip


@pytest.mark.parametrize(("form", "gpus"), [("split", 1), ("plain", 2)])
def test_sums_price_as_the_frontier_prices_each_trial(
    aime_wh: Warehouse, monkeypatch: pytest.MonkeyPatch, form: str, gpus: int
) -> None:
    coef = _every_term(aime_wh, "h100-sxm", form)
    monkeypatch.setattr(costmodel, "resolve", lambda wh, **kw: coef)
    req = rec.Request(hardware="h100-sxm", vram_gb=24, budget_s=60, gpus=gpus,
                      include_oracle=True).validated(aime_wh)
    arms, _, _ = rec.arm_table(aime_wh, req)
    assert {"dense", "topk", "blocktopk"} <= set(arms["method"]) and arms["k_layers"].max() > 0  # type: ignore[operator]
    assert arms["waves"].max() > 1 and arms["batch_problems"].max() > 1  # type: ignore[operator]
    keys = ["config", "setting"]
    got = {}
    for cost in ("latency", "dollars-throughput"):
        spec = fr.FrontierSpec(cost=cost, hardware="h100-sxm", vram_gb=24, coefficients=coef, gpus=gpus)
        pts = fr.points(aime_wh, spec)
        got[cost] = pts.group_by(keys).agg(pl.col("cost").mean(), pl.col("accuracy").mean())
    joined = arms.join(got["latency"], on=keys).join(got["dollars-throughput"].drop("accuracy"), on=keys, suffix="_usd")
    assert joined.height == arms.height == got["latency"].height
    assert joined["accuracy"].to_list() == pytest.approx(joined["accuracy_right"].to_list(), abs=1e-15)
    assert float((joined["latency_s"] / joined["cost"] - 1).abs().max() or 0) < 1e-9  # type: ignore[arg-type]
    assert float((joined["usd_throughput"] / joined["cost_usd"] - 1).abs().max() or 0) < 1e-9  # type: ignore[arg-type]


def test_the_trials_are_summed_once_for_many_hardware_profiles(
    aime_wh: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    passes: list[str] = []
    load = sqlfiles.load

    def counted(name: str) -> str:
        passes.append(name)
        return load(name)

    monkeypatch.setattr(sqlfiles, "load", counted)
    for hardware in ("rtx-4090", "h100-sxm", "b200"):
        rec.arm_table(aime_wh, rec.Request(hardware=hardware, budget_s=60).validated(aime_wh))
    assert passes.count("recommend/trials") == 1 and passes.count("recommend/points") == 3
    rec.arm_table(aime_wh, rec.Request(hardware="b200", budget_s=60, models=("Qwen3-8B",)).validated(aime_wh))
    assert passes.count("recommend/trials") == passes.count("recommend/features") == 2  # another selection: summed
    assert set(aime_wh.named("recommend/arms_show")["model"]) == {"Qwen3-8B"}


PER_TRIAL = """
WITH b AS (
    SELECT source, task, problem_id, model, method, budget, block_size, prompt_tokens,
           model || ' ' || frontier_label(method, budget, block_size, source) AS config
    FROM problems WHERE task = 'aime24' AND list_contains($models, model)
),
t AS (
    SELECT b.*, coalesce(t.prompt_tokens, b.prompt_tokens, 0) AS lin, t.gen_tokens AS lout
    FROM b JOIN trials t ON t.source = b.source AND t.task = b.task AND t.problem_id = b.problem_id
)
SELECT t.config, p.setting, t.problem_id,
       avg(CASE $cost
               WHEN 'dollars-throughput'
                   THEN usd_per_1000(throughput_seconds(t.model, p.setting, t.method, t.lin, t.lout, t.budget,
                                                        t.block_size, 'exact'), context_price())
               ELSE offload_cost($cost, t.model, p.setting, t.method, t.lin, t.lout, t.budget, t.block_size, 'exact')
           END) AS per_trial
FROM t JOIN (SELECT DISTINCT model, setting FROM offload_plan) p ON p.model = t.model
GROUP BY ALL
"""


@pytest.mark.parametrize(("cost", "form", "gpus"), [("latency", "split", 1), ("rflops", "plain", 1),
                                                     ("dollars-throughput", "plain", 2)])  # fmt: skip
def test_frontier_sums_price_as_each_trial_priced_alone(aime_wh: Warehouse, cost: str, form: str, gpus: int) -> None:
    """frontier_points prices the trials' sums (trial_seconds_terms, batch_seconds_sums): per problem and N, the mean
    of offload_cost / throughput_seconds over its trials, for every term non-zero, offloaded layers, waves, block
    top-k's per-batch summary reads and tensor parallelism."""
    coef = _every_term(aime_wh, "h100-sxm", form)
    models = ["Qwen3-8B", "Qwen3-32B"]
    spec = fr.FrontierSpec(cost=cost, hardware="h100-sxm", vram_gb=24, coefficients=coef, gpus=gpus,
                           models=tuple(models))  # fmt: skip
    pts = fr.points(aime_wh, spec)  # writes the offload plan the per-trial prices read
    plan = aime_wh.con.execute("SELECT max(k_layers), max(waves) FROM offload_plan").fetchone()
    assert plan is not None and plan[0] > 0 and plan[1] > 1
    assert {"dense", "topk", "blocktopk"} <= set(pts["method"])
    ref = aime_wh.df(PER_TRIAL, {"models": models, "cost": cost})
    joined = pts.join(ref, on=["config", "setting", "problem_id"])
    assert joined.height == pts.height
    assert float((joined["cost"] / joined["per_trial"] - 1).abs().max() or 0) < 1e-12  # type: ignore[arg-type]
