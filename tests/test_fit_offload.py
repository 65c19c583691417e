"""Offload-aware frontier costs: VRAM depth selection, rflops/latency frontiers with fitted and
datasheet coefficients, compare offload. Small hand-made trials; synthetic measurements only."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from kinetics_sql import Warehouse, catalog, costmodel, synthetic_measurements
from kinetics_sql import fit as fitlib
from kinetics_sql import frontier as fr
from kinetics_sql.cli import cli

MODELS = ("Qwen3-1.7B", "Qwen3-8B", "Qwen3-14B")
LIN = 150
GENS = {0: [1000, 3000, 2000, 4000], 1: [8000, 6000, 7000, 5000], 2: [500, 900, 700, 600]}


def add_trials(wh: Warehouse) -> None:
    """Three problems, four trials each, for three models (larger models right more often)."""
    rows_p, rows_t = [], []
    for mi, model in enumerate(MODELS):
        for q, gens in GENS.items():
            correct = [t <= mi + q for t in range(4)]
            rows_p.append(("src-" + model, "t", model, "dense", None, None, str(q), 4, sum(correct), LIN, None, None))
            for t, g in enumerate(gens):
                rows_t.append(("src-" + model, "t", model, "dense", None, None, str(q), t, LIN, g, correct[t]))
    wh.con.executemany(
        "INSERT INTO problems (source, task, model, method, budget, block_size, problem_id, n_samples, n_correct,"
        " prompt_tokens, gold_answer, question) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows_p,
    )
    wh.con.executemany(
        "INSERT INTO trials (source, task, model, method, budget, block_size, problem_id, trial, prompt_tokens,"
        " gen_tokens, correct) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows_t,
    )


@pytest.fixture
def twh() -> Iterator[Warehouse]:
    w = Warehouse(":memory:")
    add_trials(w)
    yield w
    w.close()


def expected_depth(model: str, n: int, vram: float, reserve: float) -> int:
    spec = catalog.builtin_model(model)
    gen_max = max(max(g) for g in GENS.values())
    kv = (LIN + n * gen_max) * spec.kv_bytes_per_token
    need = 2 * spec.params + kv + reserve - vram
    return min(spec.layers, max(0, math.ceil(need / (2 * spec.layer_params))))


def test_vram_picks_smallest_depth_that_fits(twh: Warehouse) -> None:
    datasheet = costmodel.resolve(twh, hardware="h100-sxm")
    plan = costmodel.plan(twh, datasheet, task="t", vram_gb=24, reserve_gb=1.5)
    assert set(plan["model"]) == set(MODELS)
    for r in plan.filter(pl.col("setting") <= 4).iter_rows(named=True):
        assert r["waves"] == 1
        assert r["k"] == expected_depth(r["model"], r["n"], 24e9, 1.5e9), r
        assert r["vram_needed_gb"] <= 24 + 1e-9
        if r["k"] > 0:  # one layer fewer would not fit
            spec = catalog.builtin_model(r["model"])
            assert r["vram_needed_gb"] + 2 * spec.layer_params / 1e9 > 24
    by = {(r["model"], r["setting"]): r for r in plan.iter_rows(named=True)}
    assert by[("Qwen3-1.7B", 1)]["k"] == 0
    assert by[("Qwen3-14B", 1)]["k"] > 0  # 29.5 GB of bf16 weights cannot fit in 24 GB
    big = by[("Qwen3-8B", 1024)]  # 1024 trials of 8K tokens: the KV alone needs many waves
    assert big["waves"] > 1 and big["wave_n"] * big["waves"] >= 1024 and big["fits"]
    # without a limit nothing is offloaded
    assert costmodel.plan(twh, datasheet, task="t", vram_gb=1e6)["k"].max() == 0


def test_datasheet_latency_and_rflops_frontiers(twh: Warehouse) -> None:
    spec = fr.FrontierSpec.make(task="t", cost="rflops", hardware="h100-sxm", kind="deployable", vram_gb=24)
    coefficients = spec.validated(twh).coefficients
    assert coefficients is not None
    assert coefficients.label == "datasheet h100-sxm" and coefficients.fit_id is None
    assert coefficients.i_gpu == pytest.approx(9.89e14 / 3.35e12)
    rf = fr.points(twh, spec)
    lat = fr.points(twh, spec.but(cost="latency"))
    j = rf.join(lat, on=["config", "setting", "problem_id"], suffix="_lat")
    # datasheet: t0 = 0, so latency = rflops / peak exactly
    assert (j["cost_lat"] - j["cost"] / 9.89e14).abs().to_numpy().max() < 1e-9 * j["cost_lat"].to_numpy().max()
    assert (lat["seconds"] == lat["cost"]).all()
    # offloading makes 14B slower per token than a resident 8B at the same N
    one = lat.filter(pl.col("setting") == 1).group_by("model").agg(pl.col("cost").mean())
    per = dict(one.iter_rows())
    assert per["Qwen3-14B"] > 2 * per["Qwen3-8B"]
    f = fr.frontier(twh, spec)
    assert f.height > 0 and (f["cost"].diff().drop_nulls() > 0).all()
    assert set(f["priced_by"]) == {"rflops: datasheet h100-sxm, 24 GB - 1 GB reserve"}


def test_fitted_coefficients_drive_the_cost(twh: Warehouse) -> None:
    truth = synthetic_measurements.Truth()
    synthetic_measurements.load(twh, synthetic_measurements.records(engine="torch", batches=(1, 4), truth=truth))
    fitlib.store(twh, fitlib.fit(twh, "torch", "H100"))
    spec = fr.FrontierSpec.make(task="t", cost="latency", hardware="h100-sxm", engine="torch", vram_gb=24)
    coefficients = spec.validated(twh).coefficients
    assert coefficients is not None and coefficients.fit_id is not None
    assert coefficients.label.startswith(f"fit {coefficients.fit_id} (torch")
    assert coefficients.i_gpu == pytest.approx(truth.b / truth.a, rel=1e-5)
    assert coefficients.i_link == pytest.approx(truth.c / truth.a, rel=1e-5)
    lat = fr.points(twh, spec)
    plan_rows = costmodel.plan(twh, coefficients, task="t", vram_gb=24)
    plan = {(r["model"], r["setting"]): r for r in plan_rows.iter_rows(named=True)}
    row = lat.filter((pl.col("model") == "Qwen3-14B") & (pl.col("setting") == 2) & (pl.col("problem_id") == "0"))
    p = plan[("Qwen3-14B", 2)]
    arch = catalog.builtin_model("Qwen3-14B")
    d = arch.head_dim * arch.layers
    expected = []
    n, gens = p["wave_n"], sorted(GENS[0])
    # the wave's samples decode together until the longest ends: weights, the prompt's KV and the offloaded layers
    # are read for the expected longest of n drawn from the problem's samples; compute and own KV per sample
    steps = sum(x * math.comb(j - 1, n - 1) for j, x in enumerate(gens, 1)) / math.comb(len(gens), n)
    for g in GENS[0]:
        compute = n * (2 * arch.params * g + 2 * (2 * LIN + g) * g * arch.hq * d)
        hbm = (2 * arch.params - p["offload_gb"] * 1e9 - 2 * arch.vocab * arch.hidden) * steps
        hbm += 2 * 2 * LIN * steps * arch.hkv * d + 2 * n * g * g * arch.hkv * d
        link = p["offload_gb"] * 1e9 * (1 + steps)  # torch: the whole prompt in one forward pass
        expected.append(p["waves"] * (truth.a * compute + truth.b * hbm + truth.c * link + truth.t0))
    assert row["cost"].item() == pytest.approx(sum(expected) / len(expected), rel=1e-9)


def test_cli_frontier_and_compare_offload(tmp_path: Path) -> None:
    db = str(tmp_path / "w.duckdb")
    with Warehouse(db) as wh:
        add_trials(wh)
        synthetic_measurements.load(wh, synthetic_measurements.records())
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "fit", "--engine", "llama.cpp", "--device", "h100"]).exit_code == 0
    base = ["--db", db]
    opts = ["--task", "t", "--hardware", "h100-sxm", "--engine", "llama.cpp", "--vram-gb", "24"]
    res = runner.invoke(cli, [*base, "frontier", "--cost", "latency", *opts, "-f", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert rows and all(r["seconds"] == r["cost"] for r in rows)
    res = runner.invoke(cli, [*base, "compare", "offload", "--cost", "rflops", *opts, "-f", "json"])
    assert res.exit_code == 0, res.output
    per = {r["model"]: r for r in json.loads(res.stdout)}
    assert per["Qwen3-14B"]["offloaded_arms"] == per["Qwen3-14B"]["arms"] > 0
    assert per["Qwen3-1.7B"]["offloaded_arms"] == 0
    assert sum(r["envelope_breakpoints"] for r in per.values()) > 0
    res = runner.invoke(cli, [*base, "compare", "offload", "--cost", "eflops", "--task", "t"])
    assert res.exit_code == 1 and "needs --cost rflops or latency" in res.output
    res = runner.invoke(cli, [*base, "frontier", "--cost", "latency", "--task", "t", "--engine", "vllm"])
    assert res.exit_code == 1 and "no fitted coefficients for engine 'vllm'" in res.output


def test_latency_figures_and_report_numbers(twh: Warehouse) -> None:
    from kinetics_sql.figures import latency

    truth = synthetic_measurements.Truth(noise=0.02)
    recs = synthetic_measurements.records(truth=truth)
    synthetic_measurements.load(twh, recs + synthetic_measurements.records(engine="torch", truth=truth, run_id="t"))
    fitlib.store(twh, fitlib.fit(twh, "llama.cpp", "H100", form="split"))
    fitlib.store(twh, fitlib.fit(twh, "torch", "H100"))
    figs = latency.figures(twh, task="t")
    assert [f.name for f in figs] == ["latency_fit", "latency_vs_length", "offload_frontier"]
    for f in figs:
        spec = f.chart.to_dict()
        assert spec and f.queries
    numbers = {n["key"]: n for n in latency.key_numbers(twh, task="t")}
    assert "held-out R^2" in numbers["latency_fit"]["sentence"]
    assert "Qwen3-14B" in numbers["offload_dominated"]["sentence"]


def test_latency_figures_without_stored_fits(twh: Warehouse) -> None:
    from kinetics_sql.figures import latency

    synthetic_measurements.load(twh, synthetic_measurements.records(truth=synthetic_measurements.Truth(noise=0.01)))
    figs = latency.figures(twh, task="t")
    assert [f.name for f in figs] == ["latency_fit", "latency_vs_length", "offload_frontier"]
    numbers = {n["key"]: n for n in latency.key_numbers(twh, task="t")}
    assert "llama.cpp" in numbers["latency_fit"]["sentence"] and "split form" in numbers["latency_fit"]["sentence"]
