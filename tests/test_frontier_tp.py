"""`--gpus T` on frontiers and comparisons: with T = 1 every cost is what the one-GPU macros give;
with T > 1 one GPU's cost (its share of the work, its memory plan, the interconnect); `compare gpus`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl
import pytest
import test_fit_offload as fit_offload
import tp_reference as tp
from click.testing import CliRunner
from costmodel_reference import QWEN3
from test_fit_offload import GENS, LIN, add_trials

from kinetics_sql import Warehouse, catalog, compare_gpus, costmodel
from kinetics_sql import frontier as fr
from kinetics_sql import synthetic_measurements as fitsynth
from kinetics_sql.cli import cli
from kinetics_sql.errors import KineticsError

H100 = (9.89e14, 3.35e12, 45e9)  # peak FLOP/s, HBM bytes/s, link bytes/s of the h100-sxm profile


twh = fit_offload.twh  # fixture: the in-memory warehouse of test_fit_offload's trials


@pytest.mark.parametrize("cost", ["flops", "eflops"])
def test_one_gpu_points_are_the_one_gpu_macros_bit_for_bit(twh: Warehouse, cost: str) -> None:
    pts = fr.points(twh, fr.FrontierSpec.make(task="t", cost=cost, hardware="h200"))
    macro = "model_flops(t.model, 'dense'," if cost == "flops" else "model_eflops(t.model, 'h200', 'dense',"
    want = twh.df(
        f"SELECT t.model, s.setting, t.problem_id, avg({macro} t.prompt_tokens, t.gen_tokens, s.setting)"
        " ORDER BY t.source, t.trial) AS want FROM trials t, (SELECT unnest([1, 2, 4]) AS setting) s"
        " WHERE t.task = 't' GROUP BY ALL"
    )
    j = pts.join(want, on=["model", "setting", "problem_id"])
    assert j.height == pts.height == 3 * 3 * 3
    assert (j["cost"] == j["want"]).all()  # equal, not close
    assert (pts["gpus"] == 1).all() and (pts["gpu_seconds"] == pts["seconds"]).all()


def datasheet_latency(model: str, lin: int, lout: int, plan: dict[str, Any], gpus: int) -> float:
    """Seconds of waves x one batch of wave_n trials, datasheet h100-sxm: a*compute + b*HBM bytes + c*link
    bytes of one GPU, + its interconnect bytes / NVLink bandwidth (tests/tp_reference.py)."""
    peak, hbm, link = H100
    arch, spec = QWEN3[model], catalog.builtin_model(model)
    n, k = plan["wave_n"], plan["k"]
    rec = {"prompt_tokens": lin, "gen_tokens": lout, "batch": n, "prefill_batch": 10**12, "layers_offloaded": k,
           "weight_bytes": 2 * spec.params, "offload_bytes": k * 2 * spec.layer_params, "offload_mode": "stream"}
    f = fitsynth.features(spec, rec)  # one GPU's features
    seconds = f["compute"] / peak + f["hbm_bytes"] / hbm + f["link_bytes"] / link
    if gpus > 1:  # per GPU: 1/T of the work, its KV heads, its own weights (norms whole), its offloaded shard
        replicated = tp.replicated_params(arch)
        embed = 0.0 if spec.tied_embeddings else 2 * spec.vocab * spec.hidden / gpus
        weights = 2 * tp.params_per_gpu(spec.params, replicated, gpus) - k * 2 * spec.layer_params / gpus
        kv = tp.kv_reads("dense", arch.hkv, arch.d, lin, lout, n, gpus)
        seconds = (f["compute"] / gpus / peak + ((weights - embed) * lout + kv) / hbm
                   + k * 2 * spec.layer_params / gpus * (1 + lout) / link
                   + tp.comm_bytes(arch.hidden, arch.vocab, arch.layers, lin + n * lout, gpus) / 9e11)
    return float(plan["waves"] * seconds)


@pytest.mark.parametrize("gpus", [1, 2])
def test_latency_points_per_gpu(twh: Warehouse, gpus: int) -> None:
    spec = fr.FrontierSpec.make(task="t", cost="latency", hardware="h100-sxm", vram_gb=24, gpus=gpus)
    pts = fr.points(twh, spec)
    plan = {(r["model"], r["setting"]): r for r in costmodel.plan(
        twh, costmodel.resolve(twh, hardware="h100-sxm"), task="t", vram_gb=24, gpus=gpus).iter_rows(named=True)}
    trials = twh.df("SELECT model, problem_id, trial, gen_tokens FROM trials ORDER BY trial")
    for r in pts.iter_rows(named=True):
        if plan[(r["model"], r["setting"])]["wave_n"] > 1:
            continue  # a wave of several samples waits for its longest: test_pricing_layer replays that schedule
        gens = trials.filter((pl.col("model") == r["model"]) & (pl.col("problem_id") == r["problem_id"]))["gen_tokens"]
        want = math.fsum(datasheet_latency(r["model"], LIN, g, plan[(r["model"], r["setting"])], gpus)
                         for g in gens) / len(gens)
        assert r["cost"] == pytest.approx(want, rel=1e-12), r
        assert r["gpus"] == gpus and r["gpu_seconds"] == pytest.approx(gpus * r["seconds"], rel=1e-15)


def test_two_gpus_hold_what_one_offloads(twh: Warehouse) -> None:
    """24 GB GPUs: Qwen3-14B's 29.5 GB of weights offload on one, fit on two (14.8 GB each) next to the KV."""
    datasheet = costmodel.resolve(twh, hardware="h100-sxm")
    one = costmodel.plan(twh, datasheet, task="t", vram_gb=24)
    two = costmodel.plan(twh, datasheet, task="t", vram_gb=24, gpus=2)
    at = {(r["model"], r["setting"]): r for r in two.iter_rows(named=True)}
    gen_max = max(max(g) for g in GENS.values())
    for r in one.filter(pl.col("model") == "Qwen3-14B").iter_rows(named=True):
        assert r["k"] > 0
        t = at[("Qwen3-14B", r["setting"])]
        fits_on_two = tp.vram_needed(QWEN3["Qwen3-14B"], 2, LIN, gen_max, t["wave_n"], 1e9) <= 24e9
        assert (t["k"] == 0) == fits_on_two
        assert t["weights_gb"] == pytest.approx(
            2 * tp.params_per_gpu(catalog.builtin_model("Qwen3-14B").params, tp.replicated_params(QWEN3["Qwen3-14B"]),
                                  2) / 1e9, rel=1e-12)
    assert at[("Qwen3-14B", 1)]["k"] == 0


def test_frontier_gpus_columns_and_pricing_label(twh: Warehouse) -> None:
    one = fr.frontier(twh, fr.FrontierSpec.make(task="t", hardware="h200", by="model"))
    two = fr.frontier(twh, fr.FrontierSpec.make(task="t", hardware="h200", by="model", gpus=2))
    assert one.columns == two.columns and one.columns[-2:] == ["gpus", "gpu_seconds"]
    assert set(two["gpus"]) == {2} and (two["gpu_seconds"] == 2 * two["seconds"]).all()
    assert set(two["priced_by"]) == {"eFLOPs, i = 2 * peak / HBM of h200 (datasheet); 2 x h200 tensor parallel, "
                                     "per GPU (datasheet interconnect)"}
    # eFLOPs split two ways plus the traffic: more than half the one-GPU cost, so never cheaper in GPU-seconds
    p1 = fr.points(twh, fr.FrontierSpec.make(task="t", hardware="h200"))
    p2 = fr.points(twh, fr.FrontierSpec.make(task="t", hardware="h200", gpus=2))
    j = p1.join(p2, on=["config", "setting", "problem_id"], suffix="_2")
    assert (j["cost_2"] > j["cost"] / 2).all() and (j["gpu_seconds_2"] > j["gpu_seconds"]).all()


def test_bad_gpus(twh: Warehouse) -> None:
    with pytest.raises(KineticsError, match=r"query heads \(40\) divisible by 16"):
        fr.points(twh, fr.FrontierSpec.make(task="t", hardware="h200", gpus=16))
    with pytest.raises(KineticsError, match="--gpus must be a whole number >= 1"):
        fr.points(twh, fr.FrontierSpec.make(task="t", hardware="h200", gpus=0))
    twh.execute("INSERT INTO hardware (name, peak_flops, hbm_bytes_per_s, vram_bytes) VALUES ('lab', 1e14, 1e12, 24e9)")
    assert fr.points(twh, fr.FrontierSpec.make(task="t", hardware="lab")).height > 0
    with pytest.raises(KineticsError, match=r"hardware lab has no interconnect bandwidth.*--interconnect"):
        fr.points(twh, fr.FrontierSpec.make(task="t", hardware="lab", gpus=2))


def test_compare_gpus_finds_the_offloaded_arms(twh: Warehouse) -> None:
    spec = fr.FrontierSpec.make(task="t", cost="latency", hardware="h100-sxm", vram_gb=24, gpus=2)
    arms = compare_gpus.arms(twh, spec)
    assert arms.height == 3 * 3  # three models, N = 1, 2, 4 of four samples
    means = (fr.points(twh, spec).group_by("config", "setting").agg(pl.col("seconds").mean().alias("s2")))
    j = arms.join(means, on=["config", "setting"])
    assert j.height == arms.height
    np.testing.assert_allclose(j["seconds_t"].to_numpy(), j["s2"].to_numpy(), rtol=1e-12)
    assert (arms["gpu_seconds_t"] == 2 * arms["seconds_t"]).all()
    assert (arms["t_cheaper"] == (arms["gpu_seconds_ratio"] < 1)).all()
    cheaper = arms.filter("t_cheaper")
    # what two 24 GB GPUs buy: Qwen3-14B without offloading; a resident Qwen3-1.7B gains nothing
    assert "Qwen3-14B" in set(cheaper["model"])
    assert arms.filter((pl.col("model") == "Qwen3-1.7B") & (pl.col("setting") == 1))["t_cheaper"].to_list() == [False]
    summary = compare_gpus.summary(twh, spec)
    by = {r["model"]: r for r in summary.iter_rows(named=True)}
    assert set(by) == {"Qwen3-1.7B", "Qwen3-8B", "Qwen3-14B", "all models"}
    assert by["all models"]["arms"] == arms.height
    assert by["all models"]["arms_cheaper_on_t"] == cheaper.height
    assert by["Qwen3-14B"]["arms_cheaper_on_t"] == cheaper.filter(pl.col("model") == "Qwen3-14B").height
    with pytest.raises(KineticsError, match="needs --gpus 2 or more"):
        compare_gpus.summary(twh, fr.FrontierSpec.make(task="t", cost="latency", hardware="h100-sxm"))


def test_cli_frontier_and_compare_gpus(tmp_path: object) -> None:
    db = str(tmp_path) + "/w.duckdb"  # type: ignore[operator]
    with Warehouse(db) as wh:
        add_trials(wh)
    runner = CliRunner()
    res = runner.invoke(cli, ["--db", db, "frontier", "--task", "t", "--hardware", "h200", "--gpus", "2", "-f", "csv"])
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0].endswith("priced_by,gpus,gpu_seconds")
    res = runner.invoke(cli, ["--db", db, "compare", "gpus", "--task", "t", "--hardware", "h100-sxm", "--cost",
                              "latency", "--vram-gb", "24", "--gpus", "2", "-f", "csv"])
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0].startswith("model,gpus,arms,arms_cheaper_on_t")
    res = runner.invoke(cli, ["--db", db, "frontier", "--task", "t", "--hardware", "h200", "--gpus", "3"])
    assert res.exit_code == 1 and "divisible by 3" in res.output
    res = runner.invoke(cli, ["--db", db, "hardware", "add", "lab", "--peak-flops", "1e14", "--hbm", "1e12",
                              "--interconnect", "5e10"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["--db", db, "frontier", "--task", "t", "--hardware", "lab", "--gpus", "2", "-f", "csv"])
    assert res.exit_code == 0, res.output


def brute_envelope(arms: pl.DataFrame) -> dict[str, tuple[int, int]]:
    """(breakpoints, of which on T GPUs) of the deployable GPU-seconds frontier over every arm on 1 and on T
    GPUs, per model and over all models, straight from the definition (ties: one GPU first)."""
    out = {}
    rows = arms.iter_rows(named=True)
    both = [(r["model"], r["gpu_seconds_1"], r["accuracy"], 1) for r in arms.iter_rows(named=True)]
    both += [(r["model"], r["gpu_seconds_t"], r["accuracy"], r["gpus"]) for r in rows]
    for scope in [*sorted({b[0] for b in both}), "all models"]:
        pts = sorted((b for b in both if scope in (b[0], "all models")), key=lambda b: (b[1], -b[2], b[3]))
        best, count, on_t = 0.0, 0, 0
        for _, _, acc, g in pts:
            if acc > best:
                best, count, on_t = acc, count + 1, on_t + (g > 1)
        out[scope] = (count, on_t)
    return out


@pytest.mark.parametrize(("hardware", "vram_gb"), [("h100-sxm", 24.0), ("h200", None)])
def test_compare_gpus_envelope_is_the_brute_force_one(twh: Warehouse, hardware: str, vram_gb: float | None) -> None:
    spec = fr.FrontierSpec.make(task="t", cost="latency", hardware=hardware, vram_gb=vram_gb, gpus=2)
    want = brute_envelope(compare_gpus.arms(twh, spec))
    got = {r["model"]: (r["envelope_breakpoints"], r["envelope_breakpoints_t"])
           for r in compare_gpus.summary(twh, spec).iter_rows(named=True)}
    assert got == want
