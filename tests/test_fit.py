"""`kinetics-sql fit`: NNLS, recovery of known coefficients from synthetic measurements, device
matching, the hold-out split and the CLI. Synthetic records only (never the committed H100 files)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from kinetics_sql import Warehouse, synthetic_measurements
from kinetics_sql import fit as fitlib
from kinetics_sql.cli import cli
from kinetics_sql.errors import KineticsError


def brute_force_nnls(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Best unconstrained least-squares solution over every support whose solution is >= 0."""
    best, best_res = np.zeros(A.shape[1]), float(np.linalg.norm(b))
    for k in range(1, A.shape[1] + 1):
        for support in itertools.combinations(range(A.shape[1]), k):
            cols = list(support)
            z = np.linalg.lstsq(A[:, cols], b, rcond=None)[0]
            if (z < -1e-12).any():
                continue
            x = np.zeros(A.shape[1])
            x[cols] = z
            res = float(np.linalg.norm(A @ x - b))
            if res < best_res - 1e-12:
                best, best_res = x, res
    return best


@pytest.mark.parametrize("seed", range(25))
def test_nnls_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(5, 30)), int(rng.integers(1, 6))
    A = rng.normal(size=(m, n)) * 10.0 ** rng.integers(-3, 4, size=n)  # badly scaled columns
    b = rng.normal(size=m)
    x, res = fitlib.nnls(A, b)
    ref = brute_force_nnls(A, b)
    assert (x >= 0).all()
    assert res == pytest.approx(float(np.linalg.norm(A @ ref - b)), rel=1e-8, abs=1e-10)
    np.testing.assert_allclose(x, ref, rtol=1e-6, atol=1e-9 * np.abs(ref).max(initial=1.0))


def test_nnls_known_solution_and_zero_column() -> None:
    A = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0]])
    x, _ = fitlib.nnls(A, np.array([1.0, -2.0, -1.0]))
    np.testing.assert_allclose(x, [0.0, 0.0, 0.0], atol=1e-12)  # the minimiser over x >= 0 is the origin
    x, res = fitlib.nnls(A, A @ np.array([2.0, 3.0, 0.0]))
    np.testing.assert_allclose(x, [2.0, 3.0, 0.0])
    assert res == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match=r"nnls: A must be m x n and b of length m \(got \(3,\) and \(3,\)\)"):
        fitlib.nnls(np.ones(3), np.ones(3))


def loaded(recs: list[dict]) -> Warehouse:
    wh = Warehouse(":memory:")
    synthetic_measurements.load(wh, recs)
    return wh


@pytest.mark.parametrize("engine", ["llama.cpp", "torch"])
def test_fit_recovers_known_coefficients(engine: str) -> None:
    truth = synthetic_measurements.Truth()
    recs = synthetic_measurements.records(engine=engine, batches=(1, 4) if engine == "torch" else (1,), truth=truth)
    with loaded(recs) as wh:
        res = fitlib.fit(wh, engine, "H100")
    assert res.a == pytest.approx(truth.a, rel=1e-6)
    assert res.b == pytest.approx(truth.b, rel=1e-6)
    assert res.c == pytest.approx(truth.c, rel=1e-6)
    assert res.t0 == pytest.approx(truth.t0, rel=1e-6)
    assert res.i_gpu == pytest.approx(truth.b / truth.a, rel=1e-5)
    assert res.i_link == pytest.approx(truth.c / truth.a, rel=1e-5)
    assert res.r2_holdout == pytest.approx(1.0) and res.mape_holdout is not None and res.mape_holdout < 1e-9
    assert res.hardware == "h100-sxm"


def test_fit_with_noise_meets_targets_and_split_form_captures_prefill_regime() -> None:
    # llama.cpp-like: the prompt ships offloaded weights over PCIe (slower per byte than decode's
    # host-memory reads), plus a per-step overhead: the plain form cannot express it, split can.
    truth = synthetic_measurements.Truth(prefill_c=1 / 2.0e10, step_s=2e-3, noise=0.02)
    recs = synthetic_measurements.records(prompts=(128, 512, 2048), gens=(16, 64, 256), repeats=2, truth=truth)
    with loaded(recs) as wh:
        plain = fitlib.fit(wh, "llama.cpp", "h100", form="plain")
        split = fitlib.fit(wh, "llama.cpp", "h100", form="split")
    assert split.r2_holdout is not None and split.mape_holdout is not None and plain.mape_holdout is not None
    assert split.r2_holdout > 0.98 and split.mape_holdout < 0.05
    assert split.mape_holdout < plain.mape_holdout
    assert split.params["prefill_c"] == pytest.approx(truth.prefill_c, rel=0.15)
    assert split.c == pytest.approx(truth.c, rel=0.15)
    assert split.params["step_s"] == pytest.approx(truth.step_s, rel=0.25)


def test_split_form_charges_cpu_attention_of_offloaded_layers() -> None:
    """llama.cpp runs the attention of offloaded layers on the CPU over a host-memory KV cache, so their
    cost grows with the context: the split form's offload_attn terms recover it; stream mode has none."""
    truth = synthetic_measurements.Truth(cpu_attn_s=1 / 5.0e10, noise=0.01)
    recs = synthetic_measurements.records(prompts=(128, 1024, 4096), gens=(32, 128), truth=truth)
    with loaded(recs) as wh:
        feats = fitlib.features(wh, "llama.cpp", "H100")
        split = fitlib.fit(wh, "llama.cpp", "h100", form="split")
    offloaded = feats.filter(pl.col("layers_offloaded") > 0)
    assert (offloaded["offload_attn_flops"] > 0).all()
    assert (feats.filter(pl.col("layers_offloaded") == 0)["offload_attn_flops"] == 0).all()
    assert split.params["offload_attn_a"] == pytest.approx(truth.cpu_attn_s, rel=0.2)
    assert split.r2_holdout is not None and split.r2_holdout > 0.99
    torch_recs = synthetic_measurements.records(engine="torch", prompts=(1024,))
    with loaded(torch_recs) as wh:
        assert (fitlib.features(wh, "torch", "H100")["offload_attn_flops"] == 0).all()


def test_holdout_is_by_configuration_and_seeded() -> None:
    recs = synthetic_measurements.records(models=["Qwen3-1.7B", "Qwen3-4B"], repeats=3)
    with loaded(recs) as wh:
        a = fitlib.fit(wh, "llama.cpp", "h100", seed=1).points
        b = fitlib.fit(wh, "llama.cpp", "h100", seed=1).points
        c = fitlib.fit(wh, "llama.cpp", "h100", seed=2).points
    assert a["holdout"].to_list() == b["holdout"].to_list()
    assert a["holdout"].to_list() != c["holdout"].to_list()
    sides = a.group_by("config").agg(pl.col("holdout").n_unique().alias("sides"))
    assert sides["sides"].max() == 1  # repeats of one configuration stay on one side
    n_cfg = a["config"].n_unique()
    assert a.filter("holdout")["config"].n_unique() == round(0.25 * n_cfg)
    assert fitlib.holdout_configs(["x", "y"], 0.0, 0) == set()
    with pytest.raises(KineticsError, match=r"--holdout must be in \[0, 1\), got 1.0"):
        fitlib.holdout_configs(["x"], 1.0, 0)


def test_device_matching_is_case_insensitive_substring() -> None:
    recs = synthetic_measurements.records(models=["Qwen3-1.7B"]) + synthetic_measurements.records(
        models=["Qwen3-1.7B"], device="NVIDIA H200", run_id="other"
    )
    with loaded(recs) as wh:
        h100 = fitlib.features(wh, "LLAMA.CPP", "h100")
        assert set(h100["device"]) == {synthetic_measurements.H100}
        both = {synthetic_measurements.H100, "NVIDIA H200"}
        assert set(fitlib.features(wh, "llama.cpp", "nvidia h")["device"]) == both
        with pytest.raises(KineticsError, match=r"llama\.cpp on NVIDIA H100 80GB HBM3"):
            fitlib.features(wh, "llama.cpp", "A100")
        with pytest.raises(KineticsError, match="no measurements of engine 'vllm'"):
            fitlib.features(wh, "vllm", "H100")
        assert fitlib.guess_hardware(wh, [synthetic_measurements.H100]) == "h100-sxm"
        assert fitlib.guess_hardware(wh, ["NVIDIA GeForce RTX 4090"]) == "rtx-4090"
        assert fitlib.guess_hardware(wh, ["cpu: AMD EPYC"]) is None


def test_sql_features_match_python_reference() -> None:
    recs = synthetic_measurements.records(engine="torch", batches=(1, 8), prompts=(100, 700))
    with loaded(recs) as wh:
        df = fitlib.features(wh, "torch", "H100")
    by_seq = {r["seq"]: r for r in df.iter_rows(named=True)}
    for rec in recs:
        ref = synthetic_measurements.features(synthetic_measurements.shapes(rec["model"]), rec)
        row = by_seq[rec["seq"]]
        for k, v in ref.items():
            assert row[k] == pytest.approx(v, rel=1e-12), k


def test_cli_fit_json_and_stored(tmp_path: Path) -> None:
    db = str(tmp_path / "w.duckdb")
    with Warehouse(db) as wh:
        synthetic_measurements.load(wh, synthetic_measurements.records(truth=synthetic_measurements.Truth(noise=0.01)))
    runner = CliRunner()
    res = runner.invoke(cli, ["--db", db, "fit", "--engine", "llama.cpp", "--device", "H100", "--format", "json"])
    assert res.exit_code == 0, res.output
    row = json.loads(res.stdout)[0]
    assert row["r2_holdout"] > 0.98 and row["mape_holdout"] < 0.1
    # batch-1 decode: compute and HBM bytes are both ~2*p*lout, so noise can drive a to 0 (then no i_gpu)
    assert row["i_gpu"] == (pytest.approx(row["b"] / row["a"]) if row["a"] > 0 else None)
    res = runner.invoke(cli, ["--db", db, "coefficients", "--format", "json"])
    stored = json.loads(res.stdout)
    assert len(stored) == 1 and stored[0]["hardware"] == "h100-sxm" and stored[0]["fit_id"] == row["fit_id"]
    res = runner.invoke(cli, ["--db", db, "fit", "--engine", "llama.cpp", "--device", "H100", "--points", "-f", "csv"])
    assert res.exit_code == 0 and res.stdout.splitlines()[0].startswith("source,run_id,seq,model")
    res = runner.invoke(cli, ["--db", db, "fit", "--engine", "torch", "--device", "H100"])
    assert res.exit_code == 1 and "no measurements of engine 'torch'" in res.output
    res = runner.invoke(cli, ["--db", db, "fit", "--engine", "llama.cpp", "--device", "H100", "--train-max-gen", "128",
                              "--no-store"])
    assert res.exit_code == 0, res.output
    assert "trained on <= 128 generated tokens" in res.output and "longer points evaluated" in res.output


def test_source_filter_and_offload_layer_steps() -> None:
    truth = synthetic_measurements.Truth()
    recs = synthetic_measurements.records(engine="torch", run_id="graphs") + [
        {**r, "run_id": "eager", "total_s": r["total_s"] * 3, "decode_s": r["decode_s"] * 3}
        for r in synthetic_measurements.records(engine="torch")
    ]
    with loaded(recs) as wh:
        wh.execute(
            "UPDATE measurements SET source = CASE WHEN run_id = 'graphs' THEN 'torch-h100.jsonl'"
            " ELSE 'torch-eager-h100.jsonl' END"
        )
        both = fitlib.fit(wh, "torch", "H100")
        graphs = fitlib.fit(wh, "torch", "H100", sources=["torch-h100"])
        assert graphs.sources == ["torch-h100.jsonl"] and graphs.n_points == both.n_points // 2
        assert graphs.b == pytest.approx(truth.b, rel=1e-6)
        assert graphs.mape_holdout is not None and graphs.mape_holdout < 1e-9
        assert both.mape_holdout is not None and both.mape_holdout > 0.1  # two regimes in one fit
        fitlib.store(wh, graphs)
        assert fitlib.latest(wh, "torch", "h100-sxm")["sources"] == ["torch-h100.jsonl"]
        with pytest.raises(KineticsError, match="in sources matching vllm"):
            fitlib.fit(wh, "torch", "H100", sources=["vllm"])
        feats = fitlib.features(wh, "torch", "H100")
        assert (feats["offload_layer_steps"] == feats["gen_tokens"] * feats["layers_offloaded"]).all()


def test_train_max_gen_validates_by_extrapolation_in_length() -> None:
    truth = synthetic_measurements.Truth()
    recs = synthetic_measurements.records(engine="torch", batches=(1, 4), gens=(64, 256, 1024, 4096), truth=truth)
    with loaded(recs) as wh:
        res = fitlib.fit(wh, "torch", "H100", train_max_gen=256, eval_min_gen=4096)
        trained = {int(g) for g in res.points.filter(~res.points["holdout"])["gen_tokens"]}
        assert trained == {64, 256}
        assert res.n_holdout == len([r for r in recs if r["gen_tokens"] >= 4096])
        assert res.mape_holdout is not None and res.max_ape_holdout is not None
        assert res.r2_holdout == pytest.approx(1.0) and res.mape_holdout < 1e-9 and res.max_ape_holdout < 1e-8
        assert res.summary()["train_max_gen"] == 256 and res.b == pytest.approx(truth.b, rel=1e-6)
        with pytest.raises(KineticsError, match=r"--eval-min-gen \(256\) must exceed --train-max-gen \(256\)"):
            fitlib.fit(wh, "torch", "H100", train_max_gen=256, eval_min_gen=256)
        with pytest.raises(KineticsError, match="no measurements of 8192 or more generated tokens"):
            fitlib.fit(wh, "torch", "H100", train_max_gen=256, eval_min_gen=8192)


def test_attn_form_keeps_flops_and_bytes_within_the_datasheet() -> None:
    """Batch-1 data cannot tell a FLOP from a weight byte apart; the attn form floors both at the
    profile's datasheet rates (h100-sxm: 989 TFLOP/s, 3.35 TB/s) and prices KV bytes on their own."""
    truth = synthetic_measurements.Truth(b=1 / 3.0e12, noise=0.03)
    recs = synthetic_measurements.records(engine="torch", depths=[0], prompts=(128, 2048), gens=(64, 512, 2048),
                                          repeats=2, truth=truth)
    with loaded(recs) as wh:
        res = fitlib.fit(wh, "torch", "H100", form="attn")
        peak = wh.df("SELECT peak_flops, hbm_bytes_per_s FROM hardware WHERE name = 'h100-sxm'").row(0)
        s = res.summary()
        assert s["eff_flops_per_s"] <= peak[0] * (1 + 1e-9)
        assert s["eff_hbm_bytes_per_s"] <= peak[1] * (1 + 1e-9) and s["eff_kv_bytes_per_s"] <= peak[1] * (1 + 1e-9)
        assert res.mape_holdout is not None and res.mape_holdout < 0.1
        fitlib.store(wh, res)
        # frontier costs price plain and split fits only: the attn fit is not picked, nor priced when asked
        with pytest.raises(KineticsError, match="no fitted coefficients for engine 'torch'"):
            fitlib.latest(wh, "torch", "h100-sxm")
        with pytest.raises(KineticsError, match="attn form, which frontier costs do not price yet"):
            fitlib.latest(wh, "torch", "h100-sxm", form="attn")
