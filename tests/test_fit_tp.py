"""The latency fit past one GPU: per-GPU features of tensor-parallel runs, the interconnect terms
(net_bytes, net_steps), recovered from synthetic vLLM-like records of a known ground truth and
validated as the one-GPU fit is (train on short runs, MAPE <= 10% on runs of 4K+ tokens)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import tp_reference as tp
from click.testing import CliRunner
from costmodel_reference import QWEN3

from kinetics_sql import Warehouse
from kinetics_sql import fit as fitlib
from kinetics_sql import synthetic_measurements as fitsynth
from kinetics_sql.cli import cli
from kinetics_sql.errors import KineticsError

H200 = "NVIDIA H200"
# an H200-like GPU; NVLink at half its 900 GB/s datasheet figure, 10 us per collective
TRUTH = fitsynth.Truth(a=1 / 7.0e14, b=1 / 4.2e12, c=1 / 5.0e10, t0=0.02, step_s=1e-4, net=1 / 4.5e11,
                       net_step_s=1e-5)


def tp_records(truth: fitsynth.Truth = TRUTH, **kw: object) -> list[dict]:
    args: dict = dict(engine="vllm", device=H200, models=("Qwen3-8B", "Qwen3-14B", "Qwen3-32B"), depths=[0],
                      batches=(1, 8, 64), prompts=(128,), gens=(64, 256, 1024), tensor_parallel_sizes=(1, 2, 4),
                      truth=truth)
    args.update(kw)
    return fitsynth.records(**args)  # type: ignore[arg-type]


def loaded(recs: list[dict]) -> Warehouse:
    wh = Warehouse(":memory:")
    fitsynth.load(wh, recs)
    return wh


def test_sql_features_of_tensor_parallel_runs_match_python() -> None:
    recs = tp_records(depths=[0, 6], batches=(1, 16), prompts=(100, 900), gens=(32,))
    assert {r.get("tensor_parallel_size", 1) for r in recs} == {1, 2, 4}
    with loaded(recs) as wh:
        df = fitlib.features(wh, "vllm", "H200")
    assert set(df["device"]) == {H200, f"2 x {H200}", f"4 x {H200}"}
    by_seq = {r["seq"]: r for r in df.iter_rows(named=True)}
    for rec in recs:
        ref = fitsynth.features(fitsynth.shapes(rec["model"]), rec)
        row = by_seq[rec["seq"]]
        assert row["tensor_parallel_size"] == rec.get("tensor_parallel_size", 1)
        for k, v in ref.items():
            assert row[k] == pytest.approx(v, rel=1e-12, abs=0.0), k


def test_interconnect_features_are_the_cost_models_traffic() -> None:
    """fitsynth's closed form, the SQL feature and the simulated collectives of tests/tp_reference.py agree."""
    arch = QWEN3["Qwen3-32B"]
    spec = fitsynth.shapes("Qwen3-32B")
    for gpus in (1, 2, 4, 8):
        want = tp.comm_bytes(arch.hidden, arch.vocab, arch.layers, 128 + 8 * 512, gpus)
        assert fitsynth.net_bytes(spec, 128 + 8 * 512, gpus) == pytest.approx(want, rel=1e-12, abs=0.0)
    recs = tp_records(models=("Qwen3-32B",), batches=(8,), gens=(512,), tensor_parallel_sizes=(1, 2, 4, 8))
    with loaded(recs) as wh:
        df = fitlib.features(wh, "vllm", "H200").sort("tensor_parallel_size")
    assert df["net_bytes"].to_list() == pytest.approx(
        [tp.comm_bytes(arch.hidden, arch.vocab, arch.layers, 128 + 8 * 512, g) for g in (1, 2, 4, 8)], rel=1e-12
    )
    assert df["net_steps"].to_list() == [0.0] + [512.0 * (2 * 64 + 1)] * 3


def test_one_gpu_records_are_fitted_as_before() -> None:
    """No tensor_parallel_size (or 1): the interconnect features are 0, so the fit and its hold-out are
    exactly what they were (the hold-out keys of one-GPU configurations are unchanged)."""
    recs = fitsynth.records(engine="torch", batches=(1, 4), truth=fitsynth.Truth(noise=0.01))
    assert all("tensor_parallel_size" not in r for r in recs)
    with loaded(recs) as wh:
        res = fitlib.fit(wh, "torch", "H100", form="split")
    assert (res.points["net_bytes"] == 0).all() and (res.points["net_steps"] == 0).all()
    assert res.params["net_c"] == 0.0 and res.params["net_step_s"] == 0.0
    row = res.points.row(0, named=True)
    assert fitlib.config_key(row) == "|".join(str(row[k]) for k in fitlib.CONFIG_KEY)


@pytest.mark.parametrize("form", ["plain", "split"])
def test_fit_recovers_the_interconnect(form: str) -> None:
    truth = TRUTH if form == "split" else fitsynth.Truth(a=TRUTH.a, b=TRUTH.b, c=TRUTH.c, t0=TRUTH.t0, net=TRUTH.net)
    with loaded(tp_records(truth)) as wh:
        res = fitlib.fit(wh, "vllm", "H200", form=form)
    assert res.hardware == "h200"
    assert res.params["net_c"] == pytest.approx(truth.net, rel=1e-6)
    assert res.a == pytest.approx(truth.a, rel=1e-6) and res.b == pytest.approx(truth.b, rel=1e-6)
    if form == "split":
        assert res.params["net_step_s"] == pytest.approx(truth.net_step_s, rel=1e-6)
        assert res.params["prefill_net_c"] == pytest.approx(truth.net, rel=1e-6)
    assert res.summary()["eff_net_bytes_per_s"] == pytest.approx(1 / truth.net, rel=1e-6)
    assert res.mape_holdout is not None and res.mape_holdout < 1e-9


def test_trained_on_short_runs_the_fit_predicts_4k_and_8k_runs() -> None:
    """The issue's validation on synthetic data: 2% noise, T = 1, 2, 4, batch 1-64, Qwen3-8B/14B/32B;
    train on 64-1024 generated tokens, hold out every run of 4096 and 8192."""
    truth = fitsynth.Truth(**{**TRUTH.__dict__, "noise": 0.02})
    recs = tp_records(truth, gens=(64, 256, 1024, 4096, 8192), repeats=2)
    with loaded(recs) as wh:
        res = fitlib.fit(wh, "vllm", "H200", form="split", holdout_min_gen=4096)
    held = res.points.filter(pl.col("holdout"))
    assert set(held["gen_tokens"]) == {4096, 8192}
    assert set(res.points.filter(~pl.col("holdout"))["gen_tokens"]) == {64, 256, 1024}
    assert res.mape_holdout is not None and res.mape_holdout <= 0.10
    assert res.r2_holdout is not None and res.r2_holdout >= 0.98
    assert res.params["net_c"] == pytest.approx(truth.net, rel=0.2)
    tp_held = held.filter(pl.col("tensor_parallel_size") > 1)
    assert tp_held.height and float(tp_held["rel_error"].abs().to_numpy().mean()) <= 0.10


def test_without_an_interconnect_term_tensor_parallel_runs_are_mispredicted() -> None:
    """What the term buys: the same data fitted with the interconnect coefficients forced to 0 (one-GPU
    features only) misses the T > 1 runs."""
    with loaded(tp_records()) as wh:
        full = fitlib.fit(wh, "vllm", "H200", form="split")
        feats = fitlib.features(wh, "vllm", "H200")
    tp_runs = feats.filter(pl.col("tensor_parallel_size") > 1)
    no_net = {t: {c: (0.0 if c in fitlib.TP_FEATURES else v) for c, v in k.items()} for t, k in full.coefs.items()}
    pred = fitlib.predict(tp_runs, "split", no_net)
    err = abs(pred - tp_runs["total_s"].to_numpy()) / tp_runs["total_s"].to_numpy()
    assert err.mean() > 0.05  # the interconnect is that much of these runs' time
    assert full.mape is not None and full.mape < 1e-9


def test_holdout_min_gen_needs_both_sides() -> None:
    with loaded(tp_records(gens=(64, 256))) as wh:
        with pytest.raises(KineticsError, match="leaves no held-out runs"):
            fitlib.fit(wh, "vllm", "H200", holdout_min_gen=4096)
        with pytest.raises(KineticsError, match="leaves no training runs"):
            fitlib.fit(wh, "vllm", "H200", holdout_min_gen=1)


def test_cli_fit_holdout_min_gen(tmp_path: Path) -> None:
    db = str(tmp_path / "w.duckdb")
    with Warehouse(db) as wh:
        fitsynth.load(wh, tp_records(gens=(64, 256, 4096)))
    res = CliRunner().invoke(
        cli, ["--db", db, "fit", "--engine", "vllm", "--device", "H200", "--form", "split", "--holdout-min-gen",
              "4096", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    row = json.loads(res.stdout)[0]
    assert row["net_c"] == pytest.approx(TRUTH.net, rel=1e-6)
    assert row["n_holdout"] == 27 and row["n_train"] == 54
