"""MoE-aware fit features and best-of-N runs decoded together (issue 20): a fit trained on dense runs predicts MoE
runs and together runs with no refit. Synthetic records only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kinetics_sql import Warehouse, synthetic_measurements
from kinetics_sql import fit as fitlib
from kinetics_sql.catalog import builtin_model

MOE = "Qwen3-30B-A3B-Thinking-2507"


def _moe_records() -> list[dict]:
    base = synthetic_measurements.records(engine="vllm", models=("Qwen3-8B",), batches=(4,), gens=(1000,))[0]
    spec = builtin_model(MOE)
    assert spec is not None
    common = {**base, "model": MOE, "n_layers": spec.layers, "weight_bytes": int(2 * spec.params),
              "prompt_tokens": 128, "source": "vllm-moe-test.jsonl"}  # fmt: skip
    plain = [{**common, "seq": i, "batch": b, "gen_tokens": 1000} for i, b in enumerate((1, 4, 64))]
    together = [
        {**common, "seq": 10, "batch": 4, "gen_tokens": 1000, "extra": ({"schedule": "together",
         "lengths": [1000, 1000, 1000, 1000]})},
        {**common, "seq": 11, "batch": 3, "gen_tokens": 900, "extra": ({"schedule": "together",
         "lengths": [900, 100, 400]})},
    ]  # fmt: skip
    return plain + together


@pytest.fixture(scope="module")
def wh() -> Iterator[Warehouse]:
    w = Warehouse(":memory:")
    synthetic_measurements.load(w, _moe_records())
    w.execute("UPDATE measurements SET source = 'vllm-moe-test.jsonl'")
    fitlib.install_macros(w)
    yield w
    w.close()


def test_moe_features_read_the_experts_a_batch_touches(wh: Warehouse) -> None:
    """compute counts the active parameters (3.35B, not 30.5B); a step reads the shared weights and the experts the
    batch touches (moe_experts_touched: k at batch 1, nearly all 128 at batch 64); together runs are left out."""
    spec = builtin_model(MOE)
    assert spec is not None and spec.active_params is not None
    f = fitlib.features(wh, "vllm", "H100").sort("batch")
    assert f["batch"].to_list() == [1, 4, 64]  # the together records are schedules, not decode steps
    embed = spec.vocab * spec.hidden  # the untied input embedding is a lookup, not read per step
    for row in f.iter_rows(named=True):
        b = row["batch"]
        touched = 128 * (1 - (1 - 8 / 128) ** b)
        step_params = spec.params - spec.moe_layers * spec.expert_params * (128 - touched) - embed
        assert row["weight_reads"] == pytest.approx(2 * step_params * 1000, rel=1e-9)
    one = f.row(0, named=True)  # batch 1: 2 * active params per token plus Kinetics' attention term
    attention = 2.0 * (2 * 128 + 1000) * 1000 * spec.hq * spec.head_dim * spec.layers
    assert one["compute"] == pytest.approx(2 * spec.active_params * 1000 + attention, rel=1e-12)
    assert spec.active_params == pytest.approx(3.353e9, rel=1e-3)


def test_together_features_are_the_sum_of_their_segments(wh: Warehouse) -> None:
    """Equal lengths decode as one batch (the features of a plain run of that batch); unequal lengths as segments
    of a shrinking batch: weights read at every step until the longest ends, each sample's KV only its own length."""
    f = fitlib.features(wh, "vllm", "H100")
    t = wh.named("fit/together_features", {"engine": "vllm", "device": "H100", "sources": []}).sort("seq")
    plain4 = f.filter(f["batch"] == 4).row(0, named=True)
    eq = t.row(0, named=True)
    for col in ("compute", "hbm_bytes", "weight_reads", "kv_bytes", "seq_steps", "steps", "layer_steps",
                "prefill_flops"):  # fmt: skip
        assert eq[col] == pytest.approx(plain4[col], rel=1e-12), col
    uneq = t.row(1, named=True)
    assert uneq["steps"] == 900 and uneq["seq_steps"] == 900 + 100 + 400
    spec = builtin_model(MOE)
    assert spec is not None
    embed = spec.vocab * spec.hidden

    def resident(b: int) -> float:
        touched = 128 * (1 - (1 - 8 / 128) ** b)
        return 2 * (spec.params - spec.moe_layers * spec.expert_params * (128 - touched) - embed)

    want = resident(3) * 100 + resident(2) * 300 + resident(1) * 500  # batch 3, 2, 1 over steps 1-100, -400, -900
    assert uneq["weight_reads"] == pytest.approx(want, rel=1e-12)
    # each sample's KV reads over its own length only: the sum of three single-sequence runs
    kv = sum(4.0 * spec.hkv * spec.head_dim * spec.layers * (128 * n + n * (n + 1) / 2) for n in (900, 100, 400))
    assert uneq["kv_bytes"] == pytest.approx(kv, rel=1e-12)
