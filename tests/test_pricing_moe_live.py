"""MoE weight reads at the live batch of the best-of-N schedule (issue 20): in the latency regime the N samples of a
problem decode together until the longest ends and the batch shrinks as samples finish; a MoE step reads the shared
weights plus the experts its live samples touch. Checked against independent Python: every draw of N of a tiny
problem's samples enumerated, each draw's steps split into segments of the shrinking batch."""

from __future__ import annotations

import itertools
import random
import statistics
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from kinetics_sql import Warehouse, costmodel, sqlfiles
from kinetics_sql import fit as fitlib
from kinetics_sql import frontier as fr
from kinetics_sql import recommend as rec
from kinetics_sql.ingest import measurements as M

MOE = "Qwen3-30B-A3B-Thinking-2507"
DENSE = "Qwen3-8B"
LIN = 0  # no prompt: no prompt KV read at every step (tested below), so the trial rows isolate each sample's KV reads
LOUTS = [3000, 800, 5400, 3000, 1200, 7000]  # a tie: a segment of no steps
READS = "SELECT pricing_latency_reads($louts::DOUBLE[], $pl, pricing_live_read_weights(len($louts), $pl)) AS r"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One problem of task 'tinymoe' with six samples, for a MoE and a dense model."""
    path = str(tmp_path_factory.mktemp("tinymoe") / "tinymoe.duckdb")
    with Warehouse(path) as wh:
        for model in (MOE, DENSE):
            source = f"tinymoe_{model}.jsonl"
            wh.execute(
                "INSERT INTO problems (source, task, model, method, problem_id, n_samples, n_correct, prompt_tokens) "
                "VALUES (?, 'tinymoe', ?, 'dense', '0', ?, 2, ?)",
                [source, model, len(LOUTS), LIN],
            )
            for i, lout in enumerate(LOUTS):
                wh.execute(
                    "INSERT INTO trials (source, task, model, method, problem_id, trial, prompt_tokens, gen_tokens, "
                    "correct) VALUES (?, 'tinymoe', ?, 'dense', '0', ?, ?, ?, ?)",
                    [source, model, i, LIN, lout, i < 2],
                )
    return path


@pytest.fixture
def wh(db: str) -> Iterator[Warehouse]:
    with Warehouse(db, read_only=True) as w:
        yield w


def _cx(wh: Warehouse) -> dict:
    return costmodel.pricing_context(wh, costmodel.resolve(wh, hardware="h100-sxm"), vram_gb=None)


def _plan(wh: Warehouse, model: str, n: int) -> dict:
    plan: dict = wh.df(
        "SELECT pl FROM pricing_plan_for(pricing_context($cx), [{'strategy': 'x', 'model': $m, 'setting': $n, "
        "'n': $n, 'lin_max': 0.0, 'gen_len': 7000.0}]) pl",
        {"cx": _cx(wh), "m": model, "n": n},
    )["pl"].item()
    return plan


def _read_bytes(wh: Warehouse, plan: dict) -> dict[int, float]:
    """Weight bytes of one decode step of b live sequences, b = 0 .. 64, from the catalog: the plan's bytes less the
    routed experts no token of the batch picks, E (1 - (1 - k/E)^b) of E touched in every MoE layer."""
    m = wh.df(f"SELECT * FROM models WHERE name = '{MOE}'").row(0, named=True)
    e, k = m["experts"], m["experts_per_token"]
    expert_bytes = 2.0 * m["moe_layers"] * m["expert_params"]
    assert plan["k_layers"] == 0  # nothing offloaded: every MoE layer's experts are read from HBM
    return {b: plan["read_bytes"] - expert_bytes * (e - e * (1.0 - (1.0 - k / e) ** b)) for b in range(65)}


def _weight_reads(draw: tuple[int, ...], rb: dict[int, float]) -> float:
    """Weight bytes of the draw decoded together, segment by segment of the shrinking batch: steps from one sample's
    end to the next read at the number of samples still running."""
    total, prev = 0.0, 0
    for end in sorted(set(draw)):
        total += (end - prev) * rb[sum(x >= end for x in draw)]
        prev = end
    return total


def test_segments_are_the_steps_one_by_one() -> None:
    """The segment sum above against the schedule step by step (step s runs the samples of length >= s)."""
    rb = {b: 1.0 + b * b for b in range(7)}
    draw = (5, 2, 5, 9)
    by_step = sum(rb[sum(x >= s for x in draw)] for s in range(1, max(draw) + 1))
    assert _weight_reads(draw, rb) == by_step == 2 * rb[4] + 3 * rb[3] + 4 * rb[1]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
def test_expected_moe_weight_reads_equal_every_draw_enumerated(wh: Warehouse, n: int) -> None:
    """pricing_latency_reads (the hypergeometric sum over the sorted lengths) is the mean over all C(6, n) draws of
    the draw's weight reads decoded together, times the trials (its convention, as pricing_latency_steps')."""
    plan = _plan(wh, MOE, n)
    assert plan["wave_n"] == n and plan["waves"] == 1
    rb = _read_bytes(wh, plan)
    draws = list(itertools.combinations(LOUTS, n))
    want = len(LOUTS) * sum(_weight_reads(d, rb) for d in draws) / len(draws)
    got = wh.df(READS, {"louts": sorted(LOUTS), "pl": plan})["r"].item()
    if n == 1:
        assert got is None  # one sequence a wave: read_bytes(1) at every step, the plain formula
        got = len(LOUTS) * rb[1] * sum(LOUTS) / len(LOUTS)
    assert got == pytest.approx(want, rel=1e-9)
    full = len(LOUTS) * rb[n] * sum(max(d) for d in draws) / len(draws)  # the full wave's batch at every step
    if n > 1:
        assert got < full * (1 - 1e-3)


def test_dense_weight_reads_stay_the_longest_steps(wh: Warehouse) -> None:
    """A dense step reads every weight at any live batch: no live-batch sum (NULL: read_bytes x the longest's
    steps, the formula as before, bit for bit)."""
    plan = _plan(wh, DENSE, 4)
    got = wh.df(READS, {"louts": sorted(LOUTS), "pl": plan})
    assert plan["experts"] == 0 and got["r"].item() is None


def _priced(
    wh: Warehouse, model: str, louts: list[int], n: int, cx: dict, together: bool = False, lin: int = LIN
) -> pl.DataFrame:
    params = {"model": model, "method": "dense", "lin": lin, "louts": louts, "n": n, "budget": 0, "block_size": 0,
              "variant": "exact", "cost": "latency", "pricing": cx, "has_price": False,
              "together": together}  # fmt: skip
    return wh.df(sqlfiles.load("cost/priced"), params)


def test_cost_together_prices_moe_weight_reads_per_segment(wh: Warehouse) -> None:
    """`cost --together` (queries/cost/priced.sql) of the six samples: with only HBM bytes priced (b = 1 s/byte,
    every other coefficient 0) its seconds are the weight reads of the shrinking batch plus each sample's own KV
    reads; the 'trial' rows (n = 6 copies of one length) give those KV reads (their weights at batch 6)."""
    base = costmodel.resolve(wh, hardware="h100-sxm")
    bytes_only = replace(base, label="bytes only", a=0.0, b=1.0, c=0.0, t0=0.0)
    cx = costmodel.pricing_context(wh, bytes_only, vram_gb=None)
    rows = _priced(wh, MOE, LOUTS, len(LOUTS), cx, together=True)
    plan = rows.filter(pl.col("row") == "together").row(0, named=True)
    assert plan["waves"] == 1 and plan["wave_n"] == len(LOUTS) and plan["k_layers"] == 0
    rb = _read_bytes(wh, _plan(wh, MOE, len(LOUTS)))
    n = len(LOUTS)
    trials = rows.filter(pl.col("row") == "trial")
    kv = [(r["latency_s"] - rb[n] * r["lout"]) / n for r in trials.iter_rows(named=True)]  # one sequence's KV reads
    assert all(x > 0 for x in kv)
    reads = plan["latency_s"] - sum(kv)  # the together row: (n x weight reads + n x sum of KV) / n trials
    want = _weight_reads(tuple(LOUTS), rb)
    assert reads == pytest.approx(want, rel=1e-9)
    assert want < rb[n] * max(LOUTS) * 0.9  # the full batch at every step: over 10% more


def test_no_prompt_means_no_per_step_prompt_kv(wh: Warehouse) -> None:
    """The premise of the test above: at a prompt of 0 tokens a trial's KV reads at batch 0 (kv0) are 0."""
    sh = wh.df(f"SELECT pricing_shape(m, 1.0) AS sh FROM models m WHERE m.name = '{MOE}'")["sh"].item()
    got = wh.df("SELECT pricing_trial_terms('dense', 0, 3000, 0, 0, 'exact', $sh).kv0 AS kv0", {"sh": sh})["kv0"].item()
    assert got == 0.0


def test_frontier_latency_is_the_mean_over_draws_decoded_together(wh: Warehouse) -> None:
    """The frontier's latency of best-of-N for the MoE model (the hypergeometric expectation) is the mean over every
    draw of N of the problem's six samples of `cost`'s seconds for that draw decoded together; it is `cost --n N`
    with all six lengths and recommend's latency to the bit, and at N = 6 `cost --together` of the six."""
    cx = _cx(wh)
    front = fr.points(wh, fr.FrontierSpec.make(task="tinymoe", cost="latency", hardware="h100-sxm", models=(MOE,)))
    assert sorted(front["setting"].to_list()) == [1, 2, 4, 6]
    for r in front.iter_rows(named=True):
        n = r["setting"]
        draws = list(itertools.combinations(LOUTS, n))
        walls = []
        for d in draws:
            rows = _priced(wh, MOE, list(d), n, cx)
            walls.append(rows.filter(pl.col("row") == ("mean" if n > 1 else "trial"))["latency_s"].item())
        assert r["cost"] == pytest.approx(sum(walls) / len(walls), rel=1e-9), n
        mean = _priced(wh, MOE, LOUTS, n, cx).filter(pl.col("row") == "mean")["latency_s"].item()
        assert r["cost"] == mean, n  # frontier and cost: the same bits
    together = _priced(wh, MOE, LOUTS, len(LOUTS), cx, together=True).filter(pl.col("row") == "together")
    assert together["latency_s"].item() == front.filter(pl.col("setting") == 6)["cost"].item()
    req = rec.Request.make(hardware="h100-sxm", tasks=("tinymoe",), models=(MOE,), budget_s=1e9).validated(wh)
    rec.arm_table(wh, req)
    points = wh.df("SELECT setting, latency_s FROM recommend_points").sort("setting")
    assert points["latency_s"].to_list() == front.sort("setting")["cost"].to_list()  # recommend too, to the bit


def test_more_sequences_than_samples_run_the_samples_in_equal_shares(wh: Warehouse) -> None:
    """`cost --n 4` with two --lout lengths (the 'mean' row: a problem with those samples, a wave of 4): the four
    sequences are the two samples twice each, 4 live until the shorter ends, then 2; one --lout at --n 4 (a 'trial'
    row) is 4 copies of it, 4 live throughout."""
    plan = _plan(wh, MOE, 4)
    rb = _read_bytes(wh, plan)
    got = wh.df(READS, {"louts": [1200, 5400], "pl": plan})["r"].item()
    assert got == pytest.approx(2 * (1200 * rb[4] + 4200 * rb[2]), rel=1e-12)
    one = wh.df(READS, {"louts": [5400], "pl": plan})["r"].item()
    assert one == pytest.approx(5400 * rb[4], rel=1e-12)


@pytest.mark.parametrize("n", [2, 5, 17, 64])
def test_reads_that_do_not_shrink_with_the_batch_give_the_expected_longest(wh: Warehouse, n: int) -> None:
    """If every expert is picked by every token (k = E), a step reads the same bytes at any live batch >= 1, as a
    dense step does: the hypergeometric sum is then read_bytes x E[longest of n] (pricing_expected_longest's other
    closed form, sum_j L_(j) C(j-1, n-1) / C(M, n)), at the 80 samples of a MATH500 problem too."""
    plan = {**_plan(wh, MOE, n), "experts_per_token": 128.0}
    rng = random.Random(n)
    louts = sorted(rng.randint(300, 32000) for _ in range(80))
    got = wh.df(
        READS.replace(" AS r", " AS r, pricing_latency_steps($louts::DOUBLE[], $pl) * $pl.read_bytes AS dense"),
        {"louts": louts, "pl": plan},
    ).row(0, named=True)
    assert got["r"] == pytest.approx(got["dense"], rel=1e-12)


def test_expected_reads_of_eighty_samples_agree_with_monte_carlo(wh: Warehouse) -> None:
    """80 samples, waves of 8 (MATH500's shape): the SQL expectation against 20,000 random draws of 8, within four
    standard errors of the Monte Carlo mean (the full 8 at every step is 61% more, ~490 standard errors away)."""
    n, draws = 8, 20_000
    plan = _plan(wh, MOE, n)
    rb = _read_bytes(wh, plan)
    rng = random.Random(20)
    louts = sorted(rng.randint(300, 32000) for _ in range(80))
    got = wh.df(READS, {"louts": louts, "pl": plan})["r"].item() / len(louts)
    xs = [_weight_reads(tuple(rng.sample(louts, n)), rb) for _ in range(draws)]
    mean, se = statistics.fmean(xs), statistics.stdev(xs) / draws**0.5
    assert abs(got - mean) < 4 * se
    full = rb[n] * statistics.fmean(max(rng.sample(louts, n)) for _ in range(draws))
    assert (full - got) > 20 * se


MEASUREMENTS = Path(__file__).resolve().parents[1] / "warehouse" / "measurements"


@pytest.fixture(scope="module")
def measured() -> Iterator[Warehouse]:
    """The committed vLLM runs on one H100: dense, MoE, and MoE best-of-8 decoded together (vllm-moe2-h100)."""
    w = Warehouse(":memory:")
    for name in ("vllm-dense-h100.jsonl", "vllm-moe-h100.jsonl", "vllm-moe2-h100.jsonl"):
        M.load_measurements(w, MEASUREMENTS / name, source=name)
    fitlib.install_macros(w)
    yield w
    w.close()


def test_cost_together_is_the_fits_prediction_of_the_measured_moe_runs(measured: Warehouse) -> None:
    """Two MoE best-of-8 runs decoded together on an H100 (vLLM; MATH500 problem 52's lengths, 1,270-4,623 tokens,
    and 4,256-5,740): `cost --together --engine vllm` (the pricing layer, live batch per step) equals the fit's own
    prediction of those runs (queries/fit/together_features.sql, segment by segment) and is within 10% of the
    measured wall time. The fit never saw them (dense runs and another day's MoE runs)."""
    res = fitlib.fit(measured, "vllm", "H100", form="split", sources=["vllm-dense-h100", "vllm-moe-h100.jsonl"])
    fitlib.store(measured, res)
    pred = fitlib.predict_measurements(measured, res, ["vllm-moe2-h100"])
    runs = pred.filter(pl.col("target") == "together total_s").join(
        measured.df(
            "SELECT gen_tokens, json_extract(extra, '$.lengths')::INTEGER[] AS lengths FROM measurements "
            "WHERE json_extract_string(extra, '$.schedule') = 'together' AND model = $m",
            {"m": MOE},
        ),
        on="gen_tokens",
    )
    assert runs.height == 2
    cx = costmodel.pricing_context(
        measured, costmodel.resolve(measured, hardware="h100-sxm", engine="vllm"), vram_gb=None
    )
    for r in runs.iter_rows(named=True):
        rows = _priced(measured, MOE, r["lengths"], len(r["lengths"]), cx, together=True, lin=r["prompt_tokens"])
        got = rows.filter(pl.col("row") == "together")["latency_s"].item()
        assert got == pytest.approx(r["predicted_s"], rel=1e-9)
        assert got == pytest.approx(r["measured_s"], rel=0.10)
