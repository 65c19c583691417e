"""Cost macros for MoE, sliding-window and hybrid attention/SSM models (queries/macros/010_arch.sql)
against an independent Python reference written per layer (a list of layer kinds summed up, where the
SQL uses closed forms over layer counts), and by brute force where a closed form is claimed."""

from __future__ import annotations

import itertools
import math
import random

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kinetics_sql import catalog

REL = 1e-9


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-6)


# -- reference, per layer ----------------------------------------------------------------------


def attended(lin: int, lout: int, cap: float) -> float:
    """Area under min(cap, lin + t) for t in [0, lout]: the continuous token-steps (Kinetics' exact S)."""
    if cap <= lin:
        return cap * lout
    ramp = min(float(lout), cap - lin)  # steps before the cap binds: a trapezoid, then a rectangle
    flat = cap * (lout - ramp) if ramp < lout else 0.0
    return ramp * (lin + (lin + ramp)) / 2.0 + flat


def layer_costs(
    kinds: list[str], hq: int, hkv: int, head_dim: int, window: int, sinks: int, state: float,
    lin: int, lout: int, n: int,
) -> tuple[float, float, float]:  # fmt: skip
    """(attention + SSM compute, KV reads, SSM state reads) of n dense-attention trials, layer by layer."""
    compute = kv = ssm = 0.0
    for kind in kinds:
        if kind == "A":  # full attention: each trial attends lin + t tokens; the prompt KV is read once for all
            tokens = attended(lin, lout, math.inf)
            compute += n * 4.0 * tokens * hq * head_dim
            kv += 4.0 * head_dim * hkv * (lin * lout + n * lout * lout / 2.0)
        elif kind == "W":  # sliding window (+ sinks), per trial
            tokens = attended(lin, lout, window + sinks)
            compute += n * 4.0 * tokens * hq * head_dim
            kv += n * 4.0 * tokens * hkv * head_dim
        elif kind == "M":  # Mamba: the state is read and written each step, 4 FLOPs per element
            compute += n * lout * 4.0 * state
            ssm += n * lout * 2.0 * state
    return compute, kv, ssm


def expected_distinct(experts: int, k: int, batch: int) -> float:
    """E[distinct experts] by inclusion: sum over experts of P(some token picks it)."""
    miss = math.comb(experts - 1, k) / math.comb(experts, k)  # one token's k-subset avoids a given expert
    return experts * (1.0 - miss**batch)


# -- MoE -------------------------------------------------------------------------------------------


def test_experts_touched_by_enumeration(con: duckdb.DuckDBPyConnection) -> None:
    # 6 experts, top-2, batch 3: average distinct experts over every choice of 3 token subsets
    subsets = list(itertools.combinations(range(6), 2))
    total = sum(len(set(a) | set(b) | set(c)) for a, b, c in itertools.product(subsets, repeat=3))
    exact = total / len(subsets) ** 3
    got = con.execute("SELECT moe_experts_touched(6, 2, 3)").fetchall()[0][0]
    assert math.isclose(got, exact, rel_tol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 256), st.data())
def test_experts_touched(con: duckdb.DuckDBPyConnection, experts: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(1, experts))
    batch = data.draw(st.integers(1, 512))
    got = con.execute("SELECT moe_experts_touched(?, ?, ?)", [experts, k, batch]).fetchall()[0][0]
    assert math.isclose(got, expected_distinct(experts, k, batch), rel_tol=1e-9, abs_tol=1e-9)
    assert k - 1e-9 <= got <= experts + 1e-9


@pytest.mark.parametrize("batch", [1, 64])
def test_moe_param_reads_at_batch_1_and_64(con: duckdb.DuckDBPyConnection, batch: int) -> None:
    spec = catalog.builtin_model("Qwen3-30B-A3B-Thinking-2507")
    shared = spec.params - spec.moe_layers * spec.experts * spec.expert_params
    step = shared + spec.moe_layers * spec.expert_params * expected_distinct(
        spec.experts, spec.experts_per_token, batch
    )
    got = con.execute(
        "SELECT param_reads, active_params, experts_touched FROM model_arch_cost(?, 'b200', 0, 1000, ?)",
        ["Qwen3-30B-A3B-Thinking-2507", batch],
    ).fetchall()[0]
    assert close(got[0], 2.0 * step * 1000)
    assert close(got[1], spec.params - spec.moe_layers * (spec.experts - spec.experts_per_token) * spec.expert_params)
    if batch == 1:  # one token reads exactly its 8 experts: the active parameters
        assert got[2] == pytest.approx(8.0) and close(step, got[1])
    else:  # 64 tokens touch ~126 of 128 experts: almost every parameter
        assert 125 < got[2] < 127 and step > 0.97 * spec.params


@settings(max_examples=40, deadline=None)
@given(
    st.floats(1e6, 1e11), st.floats(1e4, 1e8), st.integers(1, 64), st.integers(1, 256), st.data(),
    st.integers(1, 128), st.integers(1, 40000),
)  # fmt: skip
def test_moe_param_reads(
    con: duckdb.DuckDBPyConnection,
    shared: float,
    expert: float,
    layers: int,
    experts: int,
    data: st.DataObject,
    batch: int,
    lout: int,
) -> None:
    k = data.draw(st.integers(1, experts))
    params = shared + layers * experts * expert
    got = con.execute(
        "SELECT moe_param_reads(?, ?, ?, ?, ?, ?, ?)", [params, expert, layers, experts, k, batch, lout]
    ).fetchall()[0][0]
    touched = expected_distinct(experts, k, batch)
    assert math.isclose(got, 2.0 * lout * (shared + layers * expert * touched), rel_tol=1e-9)


# -- windows, hybrids: the per-layer reference ------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(
    kinds=st.lists(st.sampled_from("AWM"), min_size=1, max_size=12),
    hq=st.integers(1, 64), group=st.integers(1, 8), head_dim=st.sampled_from([64, 128]),
    window=st.integers(1, 5000), sinks=st.integers(0, 8), state=st.integers(0, 2_000_000),
    lin=st.integers(0, 4000), lout=st.integers(1, 120_000), n=st.integers(1, 64),
    p=st.floats(1e8, 5e10), i=st.floats(1.0, 1000.0),
)  # fmt: skip
def test_arch_macros_match_the_per_layer_reference(
    con: duckdb.DuckDBPyConnection, kinds: list[str], hq: int, group: int, head_dim: int, window: int, sinks: int,
    state: int, lin: int, lout: int, n: int, p: float, i: float,
) -> None:  # fmt: skip
    hkv = max(1, hq // group)
    d_full, d_window, ssm = head_dim * kinds.count("A"), head_dim * kinds.count("W"), kinds.count("M")
    args = [p, hq, hkv, d_full, d_window, window, sinks, ssm, state, lin, lout, n, i]
    compute, kv, ssm_reads, ef = con.execute(
        "SELECT arch_compute_flops('dense', $1, $2, $4, $5, $6, $7, $8, $9, $10, $11, $12),"
        " arch_kv_reads('dense', $3, $4, $5, $6, $7, $10, $11, $12),"
        " ssm_state_reads($8, $9, $11, $12),"
        " arch_eflops('dense', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        args,
    ).fetchall()[0]
    ref_compute, ref_kv, ref_ssm = layer_costs(kinds, hq, hkv, head_dim, window, sinks, state, lin, lout, n)
    ref_compute += n * 2.0 * p * lout
    assert math.isclose(compute, ref_compute, rel_tol=REL)
    assert math.isclose(kv, ref_kv, rel_tol=REL, abs_tol=1e-6)
    assert math.isclose(ssm_reads, ref_ssm, rel_tol=REL, abs_tol=1e-6)
    assert math.isclose(ef, ref_compute + i * (ref_kv + ref_ssm), rel_tol=REL)


def test_window_tokens_track_the_discrete_sum(con: duckdb.DuckDBPyConnection) -> None:
    # the continuous form differs from the step-by-step sum by under one token per step
    rng = random.Random(3)
    for _ in range(50):
        lin, lout, w = rng.randint(0, 300), rng.randint(1, 3000), rng.randint(1, 500)
        discrete = sum(min(w, lin + t) for t in range(lout))
        got = con.execute("SELECT window_token_steps(?, ?, ?)", [lin, lout, w]).fetchall()[0][0]
        assert abs(got - discrete) <= lout


@pytest.mark.parametrize("model", [s.name for s in catalog.builtin_models()])
def test_model_arch_cost_per_layer_for_every_builtin(con: duckdb.DuckDBPyConnection, model: str) -> None:
    spec = catalog.builtin_model(model)
    cfg = spec.config
    if cfg.get("hybrid_override_pattern"):
        kinds = ["A" if c == "*" else "M" if c == "M" else "-" for c in cfg["hybrid_override_pattern"]]
    elif cfg.get("layer_types"):
        kinds = ["W" if t == "sliding_attention" else "A" for t in cfg["layer_types"]]
    else:
        kinds = ["A"] * spec.layers
    lin, lout, n = 155, 20_000, 4
    compute, kv, ssm = layer_costs(kinds, spec.hq, spec.hkv, spec.head_dim, spec.sliding_window or 0, 0,
                                   spec.ssm_state_elements, lin, lout, n)  # fmt: skip
    p = spec.params_kinetics or spec.row()["active_params"]
    compute += n * 2.0 * p * lout
    got = con.execute(
        "SELECT compute_flops, kv_reads, ssm_reads, eflops FROM model_arch_cost(?, 'b200', ?, ?, ?)",
        [model, lin, lout, n],
    ).fetchall()[0]
    assert math.isclose(got[0], compute, rel_tol=REL)
    assert math.isclose(got[1], kv, rel_tol=REL)
    assert math.isclose(got[2], ssm, rel_tol=REL, abs_tol=1e-6)
    assert math.isclose(got[3], compute + 562.5 * (kv + ssm), rel_tol=REL)
    # `cost` (model_cost) prices the architecture as the frontier does (issue 20: MoE compute of the active
    # parameters, windowed layers their window, SSM layers their state); a dense model: exactly Kinetics'
    row = con.execute(
        "SELECT params, compute_flops, kv_reads, eflops FROM model_cost(?, 'b200', 'dense', ?, ?, ?)",
        [model, lin, lout, n],
    ).fetchall()[0]
    assert math.isclose(row[0], p, rel_tol=REL)
    assert math.isclose(row[1], got[0], rel_tol=REL) and math.isclose(row[2], got[1] + got[2], rel_tol=REL)
    assert math.isclose(row[3], got[3], rel_tol=REL)


def test_catalog_architecture_facts() -> None:
    moe = catalog.builtin_model("Qwen3-30B-A3B-Thinking-2507")
    assert (moe.experts, moe.experts_per_token, moe.moe_layers) == (128, 8, 48)
    assert math.isclose(moe.params / 1e9, 30.5, rel_tol=2e-3) and math.isclose(
        moe.row()["active_params"] / 1e9, 3.35, rel_tol=2e-3
    )
    oss = catalog.builtin_model("gpt-oss-20b")
    assert (oss.full_attention_layers, oss.window_layers, oss.sliding_window) == (12, 12, 128)
    assert math.isclose(oss.params / 1e9, 20.9, rel_tol=2e-3)
    # OpenAI's 3.6B active excludes the 0.58B embedding table; our count (Kinetics' convention) includes it
    assert math.isclose((oss.row()["active_params"] - oss.vocab * oss.hidden) / 1e9, 3.61, rel_tol=2e-3)
    nemo = catalog.builtin_model("NVIDIA-Nemotron-Nano-9B-v2")
    assert (nemo.full_attention_layers, nemo.ssm_layers) == (4, 27)
    assert math.isclose(nemo.params / 1e9, 8.89, rel_tol=2e-3)
    assert nemo.kv_bytes_per_token == 2 * 4 * 8 * 128 * 2


def test_bad_hybrid_pattern_names_the_field() -> None:
    cfg = dict(catalog.builtin_model("NVIDIA-Nemotron-Nano-9B-v2").config, hybrid_override_pattern="M*")
    with pytest.raises(catalog.KineticsError, match="field 'hybrid_override_pattern' must be 56 characters"):
        catalog.spec_from_config(cfg, "x")
