"""The pricing layer's seconds are architecture-aware (issue 20): a hybrid SSM model's Mamba layers keep no KV cache
(they read their state), a sliding-window model's windowed layers read only their window, and a dense transformer
is priced as before."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kinetics_sql import Warehouse
from kinetics_sql.catalog import builtin_model

LIN, LOUT = 128, 4096


@pytest.fixture(scope="module")
def wh() -> Iterator[Warehouse]:
    w = Warehouse(":memory:")
    yield w
    w.close()


# One trial's pricing terms (queries/pricing/terms.sql) on a catalog model's shape, and its window's token-steps.
TERMS = """
    SELECT t.compute, t.kv0, t.kv_per_seq, window_token_steps($lin, $lout, m.sliding_window) AS win_steps
    FROM models m,
         LATERAL (SELECT unnest([pricing_trial_terms('dense', $lin, $lout, 0, 0, 'exact', pricing_shape(m, 1.0))],
                                recursive := true)) t
    WHERE m.name = $model
"""


def _terms(wh: Warehouse, model: str) -> dict[str, float]:
    row = wh.df(TERMS, {"model": model, "lin": LIN, "lout": LOUT}).row(0, named=True)
    return {k: float(v) if v is not None else 0.0 for k, v in row.items()}


def test_hybrid_ssm_layers_read_their_state_not_a_kv_cache(wh: Warehouse) -> None:
    """NVIDIA-Nemotron-Nano-9B-v2: 4 attention layers of 56 hold a KV cache; 27 Mamba-2 layers read and write their
    state once a step (2 x state elements) and update it (4 FLOPs per element)."""
    spec = builtin_model("NVIDIA-Nemotron-Nano-9B-v2")
    assert spec is not None and spec.full_attention_layers == 4 and spec.ssm_layers == 27
    d_full = spec.head_dim * 4
    t = _terms(wh, spec.name)
    state = spec.ssm_state_elements
    attention = 2.0 * (2 * LIN + LOUT) * LOUT * spec.hq * d_full
    assert t["compute"] == pytest.approx(2 * spec.params * LOUT + attention + 4.0 * LOUT * 27 * state, rel=1e-12)
    kv = 2.0 * (2 * LIN + LOUT) * LOUT * spec.hkv * d_full  # the prompt's KV (kv0) and the sample's own (per seq)
    assert t["kv0"] + t["kv_per_seq"] == pytest.approx(kv + 2.0 * LOUT * 27 * state, rel=1e-12)


def test_windowed_layers_read_only_their_window(wh: Warehouse) -> None:
    """gpt-oss-20b: 12 full-attention layers read the whole context, 12 sliding-window layers their last 128 tokens."""
    spec = builtin_model("gpt-oss-20b")
    assert spec is not None and spec.full_attention_layers == 12 and spec.window_layers == 12
    t = _terms(wh, spec.name)
    assert t["win_steps"] == pytest.approx(128 * LOUT, rel=0.01)  # every step attends the 128 latest tokens
    full = 2.0 * (2 * LIN + LOUT) * LOUT * spec.hkv * spec.head_dim * 12
    window = 4.0 * t["win_steps"] * spec.hkv * spec.head_dim * 12
    assert t["kv0"] + t["kv_per_seq"] == pytest.approx(full + window, rel=1e-12)
    assert window < 0.1 * full  # priced as full attention, the 12 windowed layers would double the reads


def test_a_dense_transformer_is_priced_over_every_layer(wh: Warehouse) -> None:
    spec = builtin_model("Qwen3-8B")
    assert spec is not None
    t = _terms(wh, spec.name)
    d = spec.head_dim * spec.layers
    attention = 2.0 * (2 * LIN + LOUT) * LOUT * spec.hq * d
    assert t["compute"] == pytest.approx(2 * spec.params * LOUT + attention, rel=1e-12)
    assert t["kv0"] + t["kv_per_seq"] == pytest.approx(2.0 * (2 * LIN + LOUT) * LOUT * spec.hkv * d, rel=1e-12)


def test_engine_datasheet_prices_by_the_roofline(wh: Warehouse) -> None:
    """`--engine datasheet` (as the issue spells it) is the datasheet roofline, as no --engine is."""
    from kinetics_sql import costmodel

    named = costmodel.resolve(wh, hardware="h100-sxm", engine="datasheet")
    assert named == costmodel.resolve(wh, hardware="h100-sxm")
    assert named.label == "datasheet h100-sxm" and named.fit_id is None
