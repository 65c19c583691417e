"""Model and hardware catalog: architecture-derived parameter counts and profiles.

Everything here is plain Python so that runners, ingest and the warehouse share one
definition of a model's shape.
"""

from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from kinetics_sql.errors import KineticsError
from kinetics_sql.facts.sizes import INT32_MAX  # the catalog's sizes are INTEGER columns


@dataclass(frozen=True)
class ModelSpec:
    """A decoder-only transformer as the cost model sees it."""

    name: str
    family: str
    hf_repo: str | None
    params: float
    params_kinetics: float | None
    layers: int
    hidden: int
    hq: int
    hkv: int
    head_dim: int
    intermediate: int
    vocab: int
    tied_embeddings: bool
    attention_bias: bool
    qk_norm: bool
    embedding_params: float
    layer_params: float
    max_position: int | None
    config: dict[str, Any]
    # Architecture beyond a dense transformer (defaults: every layer full attention + dense MLP).
    active_params: float | None = None  # parameters one token uses (MoE: shared + its routed experts)
    experts: int = 0  # routed experts per MoE layer
    experts_per_token: int = 0
    expert_params: float = 0.0  # one routed expert of one layer
    moe_layers: int = 0
    attention_layers: int | None = None  # full-attention layers (None: every layer)
    window_layers: int = 0  # sliding-window attention layers
    sliding_window: int | None = None
    sink_tokens: int = 0  # KV tokens every windowed step also reads (StreamingLLM sinks); gpt-oss sinks are logits: 0
    ssm_layers: int = 0  # Mamba-2 layers (hybrid models)
    ssm_state_elements: float = 0.0  # SSM + conv state of one SSM layer for one sequence, in elements
    config_source: str | None = None  # where the architecture facts were read (citation)

    @property
    def full_attention_layers(self) -> int:
        return self.layers if self.attention_layers is None else self.attention_layers

    @property
    def kv_bytes_per_token(self) -> int:
        """bf16 K and V for every attention layer (full and windowed): 2 * layers * hkv * head_dim * 2 bytes."""
        return 2 * (self.full_attention_layers + self.window_layers) * self.hkv * self.head_dim * 2

    def row(self) -> dict[str, Any]:
        d = asdict(self)
        d["config"] = json.dumps(self.config, sort_keys=True)
        d["kv_bytes_per_token"] = self.kv_bytes_per_token
        d["active_params"] = self.params if self.active_params is None else self.active_params
        d["attention_layers"] = self.full_attention_layers
        return d


_REQUIRED = ("num_hidden_layers", "hidden_size", "num_attention_heads", "intermediate_size", "vocab_size")
# Other spellings of the same fields (EXAONE: num_layers).
_ALIASES = {"num_layers": "num_hidden_layers"}


def _field(config: dict[str, Any], key: str, source: str) -> int:
    if key not in config:
        raise KineticsError(f"{source}: field '{key}' is missing from the model config")
    value = config[key]
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= INT32_MAX:
        raise KineticsError(f"{source}: field '{key}' must be a positive integer up to {INT32_MAX}, got {value!r}")
    return value


def _count(config: dict[str, Any], key: str, source: str, default: int = 0) -> int:
    """An optional non-negative integer field (MoE, SSM shapes)."""
    value = config.get(key)
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= INT32_MAX:
        raise KineticsError(f"{source}: field '{key}' must be a non-negative integer up to {INT32_MAX}, got {value!r}")
    return value


def _layer_kinds(config: dict[str, Any], layers: int, source: str) -> list[str]:
    """One letter per layer: A full attention + MLP, W sliding-window attention + MLP, and for Nemotron-H
    hybrids (``hybrid_override_pattern``) the blocks M Mamba-2, * attention, - MLP, E MoE."""
    pattern = config.get("hybrid_override_pattern")
    if pattern is not None:
        if not isinstance(pattern, str) or len(pattern) != layers or set(pattern) - set("M*-E"):
            raise KineticsError(
                f"{source}: field 'hybrid_override_pattern' must be {layers} characters of M, *, - and E, "
                f"got {pattern!r}"
            )
        return list(pattern)
    types = config.get("layer_types")
    if types is not None:
        allowed = {"full_attention": "A", "sliding_attention": "W"}
        if not isinstance(types, list) or len(types) != layers or any(t not in allowed for t in types):
            raise KineticsError(
                f"{source}: field 'layer_types' must list {layers} of full_attention and sliding_attention"
            )
        return [allowed[t] for t in types]
    return ["A"] * layers


def spec_from_config(
    config: dict[str, Any],
    name: str,
    *,
    family: str | None = None,
    hf_repo: str | None = None,
    params_kinetics: float | None = None,
    source: str = "config.json",
    config_source: str | None = None,
) -> ModelSpec:
    """Build a :class:`ModelSpec` from a Hugging Face ``config.json`` dict.

    Parameter counts follow the architecture: embeddings (+ an untied LM head), per layer
    q/k/v/o projections (with biases for Qwen2-style attention), a gated MLP (3 matrices),
    two RMSNorms (+ per-head q/k norms for Qwen3), and the final norm. Mixture-of-experts layers
    (``num_experts`` / ``num_local_experts``, ``num_experts_per_tok``) count every routed expert in
    ``params`` and the token's own in ``active_params``; ``layer_types`` marks sliding-window layers;
    a Nemotron-H ``hybrid_override_pattern`` gives Mamba-2, attention and MLP blocks their own counts.
    """
    if config.get("is_encoder_decoder"):
        raise KineticsError(f"{source}: encoder-decoder models are not supported (decoder-only only)")
    published = config
    config = {**{_ALIASES[k]: v for k, v in config.items() if k in _ALIASES and _ALIASES[k] not in config}, **config}
    for key in _REQUIRED:
        _field(config, key, source)
    layers = _field(config, "num_hidden_layers", source)
    hidden = _field(config, "hidden_size", source)
    hq = _field(config, "num_attention_heads", source)
    hkv = _field(config, "num_key_value_heads", source) if config.get("num_key_value_heads") is not None else hq
    head_dim = _field(config, "head_dim", source) if config.get("head_dim") is not None else hidden // hq
    intermediate = _field(config, "intermediate_size", source)
    vocab = _field(config, "vocab_size", source)
    max_position = _field(config, "max_position_embeddings", source) if config.get("max_position_embeddings") else None
    model_type = str(config.get("model_type", "unknown"))
    tied = bool(config.get("tie_word_embeddings", False))
    bias = bool(config.get("attention_bias", model_type == "qwen2"))
    qk_norm = model_type in ("qwen3", "qwen3_moe", "olmo2", "gemma3")
    gpt_oss = model_type == "gpt_oss"

    n_experts = int(config.get("num_experts") or config.get("num_local_experts") or config.get("n_routed_experts") or 0)
    per_token = _count(config, "num_experts_per_tok", source) or _count(config, "experts_per_token", source)
    if n_experts and not 0 < per_token <= n_experts:
        raise KineticsError(f"{source}: field 'num_experts_per_tok' must lie in 1..{n_experts}, got {per_token!r}")
    moe_intermediate = int(config.get("moe_intermediate_size") or intermediate)

    q = hidden * hq * head_dim
    kv = 2 * hidden * hkv * head_dim
    o = hq * head_dim * hidden
    attn = q + kv + o + ((hq + 2 * hkv) * head_dim if bias else 0) + (2 * head_dim if qk_norm else 0)
    if gpt_oss:
        attn += hidden + hq  # o_proj bias, one learned sink logit per head
    dense_mlp = 3 * hidden * intermediate
    # one routed expert (gpt-oss: fused gate_up and down projections with biases) and the router
    expert = 3 * hidden * moe_intermediate + (2 * moe_intermediate + hidden if gpt_oss else 0)
    router = hidden * n_experts + (n_experts if gpt_oss else 0)
    mlp = n_experts * expert + router if n_experts else dense_mlp

    kinds = _layer_kinds(config, layers, source)
    if config.get("hybrid_override_pattern") is not None:
        # Nemotron-H: every block is one mixer with one RMSNorm; MLP blocks are ungated (relu^2): 2 matrices
        m_heads = _count(config, "mamba_num_heads", source)
        m_head_dim = _count(config, "mamba_head_dim", source)
        d_state = _count(config, "ssm_state_size", source)
        groups = _count(config, "n_groups", source) or _count(config, "mamba_n_groups", source, 1)
        conv_kernel = _count(config, "conv_kernel", source, 4)
        if "M" in kinds and not (m_heads and m_head_dim and d_state):
            raise KineticsError(f"{source}: Mamba layers need mamba_num_heads, mamba_head_dim and ssm_state_size")
        d_inner = m_heads * m_head_dim
        conv_dim = d_inner + 2 * groups * d_state
        mamba = (
            hidden * (2 * d_inner + 2 * groups * d_state + m_heads)  # in_proj: z, x, B, C, dt
            + conv_dim * conv_kernel
            + (conv_dim if config.get("use_conv_bias", True) else 0)
            + 3 * m_heads  # dt_bias, A_log, D
            + d_inner  # gated RMSNorm
            + d_inner * hidden  # out_proj
        )
        block = {"M": mamba, "*": attn, "-": 2 * hidden * intermediate, "E": mlp}
        total_layers = sum(block[k] + hidden for k in kinds)
        ssm_state = float(m_heads * m_head_dim * d_state + (conv_kernel - 1) * conv_dim)
        full_layers, window_layers, ssm_layers = kinds.count("*"), 0, kinds.count("M")
        moe_layers = kinds.count("E") if n_experts else 0
    else:
        total_layers = layers * (attn + mlp + 2 * hidden)
        ssm_state = 0.0
        full_layers, window_layers, ssm_layers = kinds.count("A"), kinds.count("W"), 0
        moe_layers = layers if n_experts else 0
    window = config.get("sliding_window") if window_layers else None
    if window_layers and (not isinstance(window, int) or window <= 0):
        raise KineticsError(f"{source}: sliding-window layers need a positive integer 'sliding_window', got {window!r}")
    embedding = vocab * hidden * (1 if tied else 2)
    params = float(total_layers + embedding + hidden)
    active = params - float(moe_layers * (n_experts - per_token) * expert) if n_experts else params
    return ModelSpec(
        name=name,
        family=family or model_type,
        hf_repo=hf_repo,
        params=params,
        params_kinetics=params_kinetics,
        layers=layers,
        hidden=hidden,
        hq=hq,
        hkv=hkv,
        head_dim=head_dim,
        intermediate=intermediate,
        vocab=vocab,
        tied_embeddings=tied,
        attention_bias=bias,
        qk_norm=qk_norm,
        embedding_params=float(embedding),
        layer_params=float(total_layers) / layers,
        max_position=max_position,
        config=published,
        active_params=active,
        experts=n_experts,
        experts_per_token=per_token if n_experts else 0,
        expert_params=float(expert) if n_experts else 0.0,
        moe_layers=moe_layers,
        attention_layers=full_layers,
        window_layers=window_layers,
        sliding_window=window,
        sink_tokens=0,
        ssm_layers=ssm_layers,
        ssm_state_elements=ssm_state,
        config_source=config_source,
    )


def builtin_models() -> list[ModelSpec]:
    """The shipped catalog: six Qwen3 sizes, four R1 distills, QwQ-32B and the Best-of-Infinity models."""
    text = resources.files("kinetics_sql").joinpath("data/models.json").read_text()
    return [
        spec_from_config(
            m["config"],
            m["name"],
            family=m["family"],
            hf_repo=m["hf_repo"],
            params_kinetics=m["params_kinetics"],
            config_source=m.get("source"),
        )
        for m in json.loads(text)
    ]


def builtin_model(name: str) -> ModelSpec:
    for spec in builtin_models():
        if spec.name.lower() == name.lower():
            return spec
    raise KineticsError(f"unknown model {name!r}; known: {', '.join(s.name for s in builtin_models())}")


def load_config(ref: str, *, revision: str | None = None) -> tuple[dict[str, Any], str, str | None]:
    """Read a config.json from a local path or a Hugging Face repo id.

    Returns (config, default model name, hf repo id or None). Hub access goes through
    huggingface-hub, so ``HF_HUB_OFFLINE=1`` serves it from the local cache.
    """
    path = Path(ref)
    if path.is_dir():
        path = path / "config.json"
    if path.exists():
        try:
            config = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise KineticsError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from exc
        except UnicodeDecodeError as exc:
            raise KineticsError(f"{path}:1: not a UTF-8 text file (byte {exc.start + 1}): not a config.json") from None
        except OSError as exc:
            raise KineticsError(f"{path}: cannot read: {exc.strerror or exc}") from None
        if not isinstance(config, dict):
            raise KineticsError(f"{path}:1: expected a JSON object (a config.json), got {type(config).__name__}")
        name = path.parent.name if path.name == "config.json" else path.stem
        return config, name, None
    if ref.count("/") != 1 or ref.endswith(".json"):
        raise KineticsError(f"{ref}: no such file, and not a Hugging Face repo id (owner/name)")
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    # huggingface-hub reads HF_HUB_CACHE and HF_HUB_OFFLINE once, at its import: read them at each call instead
    offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")
    try:
        local = hf_hub_download(
            ref, "config.json", revision=revision, cache_dir=os.environ.get("HF_HUB_CACHE"), local_files_only=offline
        )
    except (LocalEntryNotFoundError, HfHubHTTPError, OSError) as exc:
        raise KineticsError(
            f"{ref}: could not fetch config.json from the Hugging Face hub or its cache: {exc}"
        ) from exc
    return json.loads(Path(local).read_text()), ref.split("/")[1], ref


@dataclass(frozen=True)
class HardwareSpec:
    name: str
    peak_flops: float
    hbm_bytes_per_s: float
    vram_bytes: float | None
    link_bytes_per_s: float | None
    host_mem_bytes_per_s: float | None
    notes: str
    # GPU-to-GPU links of one GPU, both directions together (NVLink: 900 GB/s on H100/H200 SXM), for
    # tensor parallelism; datasheet values and their sources: data/interconnect.csv
    interconnect_bytes_per_s: float | None = None
    price_per_hour: float | None = None  # USD per GPU-hour (on-demand); dollars = GPU-seconds x price / 3600
    price_source: str | None = None  # where the price comes from, and when

    @property
    def intensity(self) -> float:
        """Kinetics' i: FLOPs per bf16 KV element, 2 * peak / HBM bytes/s."""
        return 2 * self.peak_flops / self.hbm_bytes_per_s


def _opt(value: str) -> float | None:
    return float(value) if value.strip() else None


def builtin_interconnect() -> dict[str, tuple[float, str]]:
    """Datasheet interconnect bandwidth (bytes/s, both directions) and its source, by hardware name."""
    text = resources.files("kinetics_sql").joinpath("data/interconnect.csv").read_text()
    return {r["name"]: (float(r["interconnect_bytes_per_s"]), r["source"]) for r in csv.DictReader(text.splitlines())}


def builtin_hardware() -> list[HardwareSpec]:
    text = resources.files("kinetics_sql").joinpath("data/hardware.csv").read_text()
    rows = csv.DictReader(text.splitlines())
    links = builtin_interconnect()
    return [
        HardwareSpec(
            name=r["name"],
            peak_flops=float(r["peak_flops"]),
            hbm_bytes_per_s=float(r["hbm_bytes_per_s"]),
            vram_bytes=_opt(r["vram_bytes"]),
            link_bytes_per_s=_opt(r["link_bytes_per_s"]),
            host_mem_bytes_per_s=_opt(r["host_mem_bytes_per_s"]),
            notes=r["notes"],
            interconnect_bytes_per_s=links[r["name"]][0] if r["name"] in links else None,
            price_per_hour=_opt(r.get("price_per_hour") or ""),
            price_source=r.get("price_source") or None,
        )
        for r in rows
    ]


def gib(n_bytes: float) -> float:
    return n_bytes / 2**30


def finite(x: float) -> bool:
    return math.isfinite(x)
