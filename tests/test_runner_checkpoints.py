"""Random-weight checkpoints: architecture-exact shapes, readable GGUF and safetensors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kinetics_sql.catalog import builtin_model
from kinetics_sql.runners import checkpoints


def test_tensor_shapes_add_up_to_catalog_params() -> None:
    for name in ("Qwen3-0.6B", "Qwen3-8B", "Qwen3-14B"):
        spec = builtin_model(name)
        total = sum(int(np.prod(shape)) for _, shape, _ in checkpoints.tensor_shapes(spec))
        assert total == spec.params


def test_hf_config_matches_spec() -> None:
    spec = builtin_model("Qwen3-4B")
    cfg = checkpoints.hf_config(spec)
    assert cfg["num_hidden_layers"] == 36 and cfg["num_attention_heads"] == 32 and cfg["head_dim"] == 128
    assert cfg["tie_word_embeddings"] is True and cfg["architectures"] == ["Qwen3ForCausalLM"]


def test_tiled_random_is_cached_and_typed() -> None:
    rnd = checkpoints.TiledRandom(block=1000)
    a = rnd.array((30, 70), "f16")
    assert a.dtype == np.float16 and a.shape == (30, 70)
    assert rnd.array((30, 70), "f16") is a
    assert np.all(rnd.array((8,), "f32") == 1.0)
    bf = rnd.array((4, 5), "bf16")
    assert bf.dtype == np.uint16
    back = (bf.astype(np.uint32) << 16).view(np.float32)
    np.testing.assert_allclose(back, rnd.array((4, 5), "f32"), rtol=1e-2, atol=1e-4)


def test_write_hf_toy(tmp_path: Path) -> None:
    safetensors = pytest.importorskip("safetensors.numpy")
    spec = checkpoints.toy_spec()
    out = checkpoints.write_hf(spec, tmp_path / "hf", dtype="f32")
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["hidden_size"] == spec.hidden
    tensors = safetensors.load_file(str(out / "model.safetensors"))
    expected = {name: shape for name, shape, _ in checkpoints.tensor_shapes(spec)}
    assert {k: tuple(v.shape) for k, v in tensors.items()} == expected
    assert (out / "tokenizer.json").stat().st_size > 1_000_000


@pytest.mark.slow
def test_write_gguf_toy(tmp_path: Path) -> None:
    gguf = pytest.importorskip("gguf")
    spec = checkpoints.toy_spec()
    path = checkpoints.write_gguf(spec, tmp_path / "toy.gguf", dtype="f16")
    reader = gguf.GGUFReader(str(path))
    arch = reader.fields["general.architecture"]
    assert bytes(arch.parts[arch.data[0]]).decode() == "qwen3"
    names = {t.name: t for t in reader.tensors}
    assert len(names) == sum(1 for _ in checkpoints.tensor_shapes(spec))
    emb = names["token_embd.weight"]
    assert list(emb.shape) == [spec.hidden, spec.vocab]  # GGUF lists dimensions innermost first
    assert names["blk.1.attn_q.weight"].tensor_type == gguf.GGMLQuantizationType.F16
    assert names["blk.0.attn_norm.weight"].tensor_type == gguf.GGMLQuantizationType.F32
    blocks = reader.fields["qwen3.block_count"]
    assert int(blocks.parts[blocks.data[0]][0]) == spec.layers
