"""The model and hardware catalog: architecture parameter counts, KV-cache sizes, built-in rows,
and the errors a bad config.json gets."""

from __future__ import annotations

import math
from typing import Any

import costmodel_reference as ref
import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kinetics_sql import catalog
from kinetics_sql.errors import KineticsError
from kinetics_sql.warehouse import Warehouse

BUILTIN_MODELS = {
    "Qwen3-0.6B",
    "Qwen3-1.7B",
    "Qwen3-4B",
    "Qwen3-8B",
    "Qwen3-14B",
    "Qwen3-32B",
    "DeepSeek-R1-Distill-Qwen-1.5B",
    "DeepSeek-R1-Distill-Qwen-7B",
    "DeepSeek-R1-Distill-Qwen-14B",
    "DeepSeek-R1-Distill-Qwen-32B",
    "QwQ-32B",
    # the Best-of-Infinity answer tables' models
    "Qwen3-30B-A3B-Thinking-2507",
    "gpt-oss-20b",
    "Phi-4-reasoning",
    "EXAONE-Deep-32B",
    "MetaStone-S1-32B",
    "LIMO-v2",
    "AM-Thinking-v1",
    "Datarus-R1-14B-preview",
    "NVIDIA-Nemotron-Nano-9B-v2",
}
REQUIRED = ("num_hidden_layers", "hidden_size", "num_attention_heads", "intermediate_size", "vocab_size")


def qwen3_config(arch: ref.Arch) -> dict[str, Any]:
    """A Hugging Face config.json for a Qwen3 architecture of the spec's table."""
    return {
        "model_type": "qwen3",
        "num_hidden_layers": arch.layers,
        "hidden_size": arch.hidden,
        "num_attention_heads": arch.hq,
        "num_key_value_heads": arch.hkv,
        "head_dim": arch.head_dim,
        "intermediate_size": arch.intermediate,
        "vocab_size": arch.vocab,
        "tie_word_embeddings": arch.tied,
        "attention_bias": False,
    }


# -- parameter counts ------------------------------------------------------------------------


def test_qwen3_8b_params_from_architecture() -> None:
    spec = catalog.spec_from_config(qwen3_config(ref.QWEN3["Qwen3-8B"]), "Qwen3-8B")
    assert math.isclose(spec.params, 8.19e9, rel_tol=1e-3)
    assert spec.params == ref.QWEN3["Qwen3-8B"].params
    assert not spec.tied_embeddings


@pytest.mark.parametrize(
    ("model", "billions"),
    [("Qwen3-8B", 8.19), ("Qwen3-14B", 14.77), ("Qwen3-32B", 32.76), ("Qwen3-4B", 4.02), ("Qwen3-1.7B", 1.72)],
)
def test_architecture_counts_match_published_sizes(model: str, billions: float) -> None:
    # 14B: 14.77 is the architecture count (Kinetics' cost scripts); its tables used 14.33
    spec = catalog.spec_from_config(qwen3_config(ref.QWEN3[model]), model)
    assert math.isclose(spec.params / 1e9, billions, rel_tol=2e-3)


@pytest.mark.parametrize("model", sorted(ref.QWEN3))
def test_spec_from_config_matches_reference(model: str) -> None:
    arch = ref.QWEN3[model]
    spec = catalog.spec_from_config(qwen3_config(arch), model)
    assert spec.params == arch.params
    assert spec.layer_params == arch.layer_params
    assert (spec.layers, spec.hidden, spec.hq, spec.hkv, spec.head_dim) == (
        arch.layers,
        arch.hidden,
        arch.hq,
        arch.hkv,
        arch.head_dim,
    )
    assert spec.kv_bytes_per_token == arch.kv_bytes_per_token == 2 * arch.layers * 8 * 128 * 2


@settings(max_examples=40, deadline=None)
@given(
    layers=st.integers(1, 128),
    hkv=st.integers(1, 16),
    group=st.integers(1, 8),
    head_dim=st.sampled_from([64, 80, 96, 128, 256]),
    hidden=st.integers(1, 64).map(lambda x: 64 * x),
    intermediate=st.integers(1, 40_000),
    vocab=st.integers(1, 300_000),
    tied=st.booleans(),
)
def test_spec_from_config_random_qwen3(
    layers: int, hkv: int, group: int, head_dim: int, hidden: int, intermediate: int, vocab: int, tied: bool
) -> None:
    arch = ref.Arch(
        layers=layers,
        hidden=hidden,
        hq=hkv * group,
        intermediate=intermediate,
        tied=tied,
        hkv=hkv,
        head_dim=head_dim,
        vocab=vocab,
    )
    spec = catalog.spec_from_config(qwen3_config(arch), "random")
    assert spec.params == arch.params
    assert spec.kv_bytes_per_token == arch.kv_bytes_per_token


def test_config_defaults_hkv_and_head_dim() -> None:
    config = {
        k: v for k, v in qwen3_config(ref.QWEN3["Qwen3-8B"]).items() if k not in ("num_key_value_heads", "head_dim")
    }
    spec = catalog.spec_from_config(config, "mha")
    assert spec.hkv == spec.hq == 32
    assert spec.head_dim == 4096 // 32


# -- the warehouse catalog tables -------------------------------------------------------------


def test_models_table_has_the_builtin_models(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("SELECT name, builtin FROM models").fetchall()
    assert len(rows) == len(BUILTIN_MODELS)
    assert {name for name, _ in rows} == BUILTIN_MODELS
    assert all(builtin for _, builtin in rows)


@pytest.mark.parametrize("model", sorted(ref.QWEN3))
def test_qwen3_rows_match_the_spec(con: duckdb.DuckDBPyConnection, model: str) -> None:
    arch = ref.QWEN3[model]
    row = con.execute(
        "SELECT layers, hidden, hq, hkv, head_dim, intermediate, vocab, tied_embeddings, params, params_kinetics,"
        " kv_bytes_per_token, layer_params FROM models WHERE name = ?",
        [model],
    ).fetchall()
    assert row == [
        (
            arch.layers,
            arch.hidden,
            arch.hq,
            arch.hkv,
            arch.head_dim,
            arch.intermediate,
            arch.vocab,
            arch.tied,
            float(arch.params),
            ref.KINETICS_PARAMS[model],
            arch.kv_bytes_per_token,
            float(arch.layer_params),
        )
    ]


@pytest.mark.parametrize(
    ("model", "billions"),
    [
        ("DeepSeek-R1-Distill-Qwen-1.5B", 1.78),
        ("DeepSeek-R1-Distill-Qwen-7B", 7.62),
        ("DeepSeek-R1-Distill-Qwen-14B", 14.77),
        ("DeepSeek-R1-Distill-Qwen-32B", 32.76),
        ("QwQ-32B", 32.76),
    ],
)
def test_other_builtin_models(con: duckdb.DuckDBPyConnection, model: str, billions: float) -> None:
    params, kinetics, family = con.execute(
        "SELECT params, params_kinetics, family FROM models WHERE name = ?", [model]
    ).fetchall()[0]
    assert math.isclose(params / 1e9, billions, rel_tol=2e-3)
    assert kinetics is None
    assert family == "qwen2"
    # without a Kinetics count the default param_count falls back to the architecture count
    assert con.execute("SELECT model_params(?)", [model]).fetchall() == [(params,)]


def test_kv_cache_at_32k_tokens(con: duckdb.DuckDBPyConnection) -> None:
    """The blog's Figure 4a: Qwen3-0.6B needs 3.5 GiB and Qwen3-32B 8 GiB for 32K tokens."""
    got = con.execute(
        "SELECT kv_cache_bytes('Qwen3-0.6B', 32768) / 2^30, kv_cache_bytes('Qwen3-32B', 32768) / 2^30"
    ).fetchall()
    assert got == [(3.5, 8.0)]
    assert catalog.gib(ref.kv_cache_bytes("Qwen3-0.6B", 32768)) == 3.5


def test_kv_bytes_per_token_for_every_model(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT name, attention_layers + window_layers, hkv, head_dim, kv_bytes_per_token FROM models"
    ).fetchall()
    for name, layers, hkv, head_dim, per_token in rows:  # only attention layers (full or windowed) keep a KV cache
        assert per_token == 2 * layers * hkv * head_dim * 2, name
        assert con.execute("SELECT kv_cache_bytes(?, 1000)", [name]).fetchall() == [(per_token * 1000.0,)]


def test_hardware_table_matches_the_spec(con: duckdb.DuckDBPyConnection) -> None:
    rows = {r[0]: r[1:] for r in con.execute("SELECT name, peak_flops, hbm_bytes_per_s FROM hardware").fetchall()}
    for name, (peak, hbm) in ref.HARDWARE.items():
        assert rows[name] == (peak, hbm), name
    assert con.execute("SELECT hardware_intensity('b200')").fetchall() == [(562.5,)]


def test_kinetics_pp_constants(con: duckdb.DuckDBPyConnection) -> None:
    """Kinetics++ on an A5000: i_gpu = 36.16 and i_link = 881.6 (27.77 TFLOP/s over 768 GB/s and 31.5 GB/s)."""
    peak, hbm, link = con.execute(
        "SELECT peak_flops, hbm_bytes_per_s, link_bytes_per_s FROM hardware WHERE name = 'a5000-kpp'"
    ).fetchall()[0]
    assert math.isclose(peak / hbm, 36.16, rel_tol=1e-3)
    assert math.isclose(peak / link, 881.6, rel_tol=1e-3)


def test_added_model_is_usable_in_the_macros() -> None:
    arch = ref.Arch(layers=4, hidden=256, hq=4, intermediate=512, tied=True, hkv=2, head_dim=64, vocab=1000)
    with Warehouse(":memory:") as wh:
        wh.upsert_model(catalog.spec_from_config(qwen3_config(arch), "Tiny"))
        got = wh.con.execute(
            "SELECT model_params('Tiny'), kv_cache_bytes('Tiny', 10), model_eflops('Tiny', 'b200', 'dense', 100, 50, 2)"
        ).fetchall()[0]
    want = ref.eflops("dense", arch.params, arch.hq, arch.hkv, arch.d, 100, 50, 2, 562.5)
    assert got[0] == arch.params
    assert got[1] == arch.kv_bytes_per_token * 10
    assert math.isclose(got[2], want, rel_tol=1e-12)


# -- bad configs ------------------------------------------------------------------------------


@pytest.mark.parametrize("field", REQUIRED)
def test_missing_field_is_named(field: str) -> None:
    config = qwen3_config(ref.QWEN3["Qwen3-8B"])
    del config[field]
    with pytest.raises(KineticsError, match=f"'{field}'") as exc:
        catalog.spec_from_config(config, "broken", source="my/config.json")
    assert "missing" in str(exc.value)
    assert "my/config.json" in str(exc.value)


@pytest.mark.parametrize("field", REQUIRED)
@pytest.mark.parametrize("value", ["36", 36.0, 36.5, True, None, 0, -4, [36]])
def test_non_integer_field_is_named(field: str, value: Any) -> None:
    config = qwen3_config(ref.QWEN3["Qwen3-8B"])
    config[field] = value
    with pytest.raises(KineticsError, match=f"'{field}'"):
        catalog.spec_from_config(config, "broken")


@pytest.mark.parametrize("field", ["num_key_value_heads", "head_dim"])
@pytest.mark.parametrize("value", ["eight", 8.5])
def test_non_integer_optional_field_is_named(field: str, value: Any) -> None:
    config = qwen3_config(ref.QWEN3["Qwen3-8B"])
    config[field] = value
    with pytest.raises(KineticsError, match=f"'{field}'"):
        catalog.spec_from_config(config, "broken")


def test_encoder_decoder_is_rejected() -> None:
    config = qwen3_config(ref.QWEN3["Qwen3-8B"]) | {"is_encoder_decoder": True}
    with pytest.raises(KineticsError, match="decoder-only"):
        catalog.spec_from_config(config, "t5")


def test_unknown_builtin_model() -> None:
    with pytest.raises(KineticsError, match="unknown model"):
        catalog.builtin_model("Qwen3-9000B")
    assert catalog.builtin_model("qwen3-8b").name == "Qwen3-8B"
