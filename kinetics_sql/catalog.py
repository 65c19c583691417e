"""Model and hardware catalog: architecture-derived parameter counts and profiles.

Everything here is plain Python so that runners, ingest and the warehouse share one
definition of a model's shape.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from kinetics_sql.errors import KineticsError


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

    @property
    def kv_bytes_per_token(self) -> int:
        """bf16 K and V for every layer: 2 * layers * hkv * head_dim * 2 bytes."""
        return 2 * self.layers * self.hkv * self.head_dim * 2

    def row(self) -> dict[str, Any]:
        d = asdict(self)
        d["config"] = json.dumps(self.config, sort_keys=True)
        d["kv_bytes_per_token"] = self.kv_bytes_per_token
        return d


_REQUIRED = ("num_hidden_layers", "hidden_size", "num_attention_heads", "intermediate_size", "vocab_size")


def _field(config: dict[str, Any], key: str, source: str) -> int:
    if key not in config:
        raise KineticsError(f"{source}: field '{key}' is missing from the model config")
    value = config[key]
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise KineticsError(f"{source}: field '{key}' must be a positive integer, got {value!r}")
    return value


def spec_from_config(
    config: dict[str, Any],
    name: str,
    *,
    family: str | None = None,
    hf_repo: str | None = None,
    params_kinetics: float | None = None,
    source: str = "config.json",
) -> ModelSpec:
    """Build a :class:`ModelSpec` from a Hugging Face ``config.json`` dict.

    Parameter counts follow the architecture: embeddings (+ an untied LM head), per layer
    q/k/v/o projections (with biases for Qwen2-style attention), a gated MLP (3 matrices),
    two RMSNorms (+ per-head q/k norms for Qwen3), and the final norm.
    """
    if config.get("is_encoder_decoder"):
        raise KineticsError(f"{source}: encoder-decoder models are not supported (decoder-only only)")
    for key in _REQUIRED:
        _field(config, key, source)
    layers = _field(config, "num_hidden_layers", source)
    hidden = _field(config, "hidden_size", source)
    hq = _field(config, "num_attention_heads", source)
    hkv = _field(config, "num_key_value_heads", source) if config.get("num_key_value_heads") is not None else hq
    head_dim = _field(config, "head_dim", source) if config.get("head_dim") is not None else hidden // hq
    intermediate = _field(config, "intermediate_size", source)
    vocab = _field(config, "vocab_size", source)
    model_type = str(config.get("model_type", "unknown"))
    tied = bool(config.get("tie_word_embeddings", False))
    bias = bool(config.get("attention_bias", model_type == "qwen2"))
    qk_norm = model_type in ("qwen3", "qwen3_moe", "olmo2", "gemma3")

    n_experts = int(config.get("num_experts") or config.get("num_local_experts") or config.get("n_routed_experts") or 0)
    moe_intermediate = int(config.get("moe_intermediate_size") or intermediate)

    q = hidden * hq * head_dim
    kv = 2 * hidden * hkv * head_dim
    o = hq * head_dim * hidden
    attn = q + kv + o + ((hq + 2 * hkv) * head_dim if bias else 0) + (2 * head_dim if qk_norm else 0)
    dense_mlp = 3 * hidden * intermediate
    mlp = n_experts * (3 * hidden * moe_intermediate + hidden) if n_experts else dense_mlp
    layer = attn + mlp + 2 * hidden
    embedding = vocab * hidden * (1 if tied else 2)
    params = float(layers * layer + embedding + hidden)
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
        layer_params=float(layer),
        max_position=config.get("max_position_embeddings"),
        config=config,
    )


def builtin_models() -> list[ModelSpec]:
    """The shipped catalog: six Qwen3 sizes, four R1 distills and QwQ-32B."""
    text = resources.files("kinetics_sql").joinpath("data/models.json").read_text()
    return [
        spec_from_config(
            m["config"], m["name"], family=m["family"], hf_repo=m["hf_repo"], params_kinetics=m["params_kinetics"]
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
            config = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise KineticsError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from exc
        name = path.parent.name if path.name == "config.json" else path.stem
        return config, name, None
    if ref.count("/") != 1 or ref.endswith(".json"):
        raise KineticsError(f"{ref}: no such file, and not a Hugging Face repo id (owner/name)")
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    try:
        local = hf_hub_download(ref, "config.json", revision=revision)
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
        )
        for r in rows
    ]


def gib(n_bytes: float) -> float:
    return n_bytes / 2**30


def finite(x: float) -> bool:
    return math.isfinite(x)
