"""An independent plain-Python implementation of the cost model in docs/cost-model.md.

Written from the specification (docs/cost-model.md), not from the SQL macros, so that
the tests compare two implementations of one text. Every function returns a float in raw counts
(FLOPs, element reads or bytes); integer inputs are Python ints, which never overflow.

Notation (the spec's): p parameters, hq/hkv query/KV heads, d = head_dim * layers, lin prompt
tokens, lout generated tokens of one trial, n trials, i FLOPs per KV element, b the KV budget.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

METHODS = ("dense", "topk", "blocktopk", "window")
VARIANTS = ("exact", "published")
PASSES = ("forward", "per_token")
# model_cost's columns (queries/macros/010_arch.sql), which model_cost_tp repeats
MODEL_COST_COLUMNS = ["model", "hardware", "method", "lin", "lout", "n", "budget", "block_size", "variant", "params",
                      "i", "compute_flops", "kv_reads", "eflops", "eflops_tera", "seconds"]  # fmt: skip


class CostModelError(ValueError):
    """An argument the spec does not define (unknown method, missing budget, ...)."""


def _check(method: str, variant: str, budget: float, block_size: float) -> None:
    if method not in METHODS:
        raise CostModelError(f"unknown method {method!r}")
    if variant not in VARIANTS:
        raise CostModelError(f"unknown variant {variant!r}")
    if method != "dense" and not budget > 0:
        raise CostModelError(f"method {method!r} needs a KV budget > 0")
    if method == "blocktopk" and not block_size > 0:
        raise CostModelError("blocktopk needs block_size > 0")


# -- the sparse KV-token term S ------------------------------------------------------------


def kv_token_steps(lin: float, lout: float, budget: float, variant: str = "exact") -> float:
    """S: attended KV tokens summed over the lout decode steps of one trial with budget b.

    exact:     x = min(lout, max(0, b - lin)); S = lin*x + x^2/2 + b*(lout - x)
    published: S = b*lout + 0.5*max(0, b - lin)^2
    """
    lin, lout, b = float(lin), float(lout), float(budget)
    if variant == "published":
        return b * lout + 0.5 * max(0.0, b - lin) ** 2
    if variant == "exact":
        x = min(lout, max(0.0, b - lin))
        return lin * x + x * x / 2.0 + b * (lout - x)
    raise CostModelError(f"unknown variant {variant!r}")


def kv_token_steps_sum(lin: int, lout: int, budget: int) -> int:
    """The discrete sum over decode steps t = 0..lout-1 of min(b, lin + t) (for sanity checks)."""
    return sum(min(budget, lin + t) for t in range(lout))


# -- FLOPs, KV reads, eFLOPs -----------------------------------------------------------------


def compute_flops(
    method: str,
    p: float,
    hq: float,
    d: float,
    lin: float,
    lout: float,
    n: float,
    budget: float = 0,
    block_size: float = 0,
    variant: str = "exact",
) -> float:
    """Compute FLOPs of n trials (the compute-only baseline, per attention method)."""
    _check(method, variant, budget, block_size)
    p, hq, d, lin, lout, n = (float(v) for v in (p, hq, d, lin, lout, n))
    weights = 2.0 * p * lout
    if method == "dense":
        return n * (weights + 2.0 * (2.0 * lin + lout) * lout * hq * d)
    s = kv_token_steps(lin, lout, budget, variant)
    attention = 4.0 * s * hq * d
    if method == "blocktopk":
        # floor is integer division, as in the reference code
        search = math.floor((2.0 * lin + lout) / float(block_size)) * lout * hq * d
        return n * (weights + attention + search)
    return n * (weights + attention)  # topk, and window with b = w


def kv_reads(
    method: str,
    hkv: float,
    d: float,
    lin: float,
    lout: float,
    n: float,
    budget: float = 0,
    block_size: float = 0,
    variant: str = "exact",
) -> float:
    """KV-cache element reads; dense shares the prompt KV across the n trials."""
    _check(method, variant, budget, block_size)
    hkv, d, lin, lout, n = (float(v) for v in (hkv, d, lin, lout, n))
    if method == "dense":
        return 2.0 * (2.0 * lin + n * lout) * lout * hkv * d
    s = kv_token_steps(lin, lout, budget, variant)
    reads = n * 4.0 * s * hkv * d
    if method == "blocktopk":
        reads += math.floor((2.0 * lin + n * lout) / float(block_size)) * lout * hkv * d
    return reads


def eflops(
    method: str,
    p: float,
    hq: float,
    hkv: float,
    d: float,
    lin: float,
    lout: float,
    n: float,
    i: float,
    budget: float = 0,
    block_size: float = 0,
    variant: str = "exact",
) -> float:
    """eFLOPs = compute + i * kv_reads."""
    c = compute_flops(method, p, hq, d, lin, lout, n, budget, block_size, variant)
    k = kv_reads(method, hkv, d, lin, lout, n, budget, block_size, variant)
    return c + float(i) * k


# -- rFLOPs (Kinetics++) ---------------------------------------------------------------------


def param_reads(p: float, lout: float) -> float:
    """2*p*lout bf16 weight elements: once per decode step, shared by the n trials."""
    return 2.0 * float(p) * float(lout)


def forward_passes(lin: float, lout: float, n: float, prefill_batch: float = 512, passes: str = "forward") -> float:
    if passes == "forward":
        return float(math.ceil(float(lin) / float(prefill_batch))) + float(lout)
    if passes == "per_token":
        return float(lin) + float(n) * float(lout)
    raise CostModelError(f"unknown passes {passes!r}")


def offload_bytes(
    layer_bytes: float,
    k: float,
    lin: float,
    lout: float,
    n: float,
    prefill_batch: float = 512,
    passes: str = "forward",
) -> float:
    """Bytes of the k offloaded layers, moved once per forward pass (or per token, published)."""
    return float(layer_bytes) * float(k) * forward_passes(lin, lout, n, prefill_batch, passes)


def rflops(
    method: str,
    p: float,
    hq: float,
    hkv: float,
    d: float,
    lin: float,
    lout: float,
    n: float,
    i_gpu: float,
    i_link: float,
    layer_bytes: float,
    k: float,
    budget: float = 0,
    block_size: float = 0,
    variant: str = "exact",
    prefill_batch: float = 512,
    passes: str = "forward",
) -> float:
    """rflops = compute + i_gpu * (param_reads + kv_reads) + i_link * offload_bytes."""
    c = compute_flops(method, p, hq, d, lin, lout, n, budget, block_size, variant)
    k_reads = kv_reads(method, hkv, d, lin, lout, n, budget, block_size, variant)
    off = offload_bytes(layer_bytes, k, lin, lout, n, prefill_batch, passes)
    return c + float(i_gpu) * (param_reads(p, lout) + k_reads) + float(i_link) * off


# -- catalog facts from the spec -------------------------------------------------------------


@dataclass(frozen=True)
class Arch:
    layers: int
    hidden: int
    hq: int
    intermediate: int
    tied: bool
    hkv: int = 8
    head_dim: int = 128
    vocab: int = 151_936

    @property
    def d(self) -> int:
        """Kinetics folds the layer count into the head dimension: D = hd * layers."""
        return self.head_dim * self.layers

    @property
    def kv_bytes_per_token(self) -> int:
        """2 (K and V) * layers * hkv * hd * 2 bytes (bf16)."""
        return 2 * self.layers * self.hkv * self.head_dim * 2

    @property
    def layer_params(self) -> int:
        """One Qwen3 decoder layer: q/k/v/o projections, q/k RMSNorm, gated MLP, two RMSNorms."""
        h, hd = self.hidden, self.head_dim
        attention = h * self.hq * hd + 2 * h * self.hkv * hd + self.hq * hd * h + 2 * hd
        mlp = 3 * h * self.intermediate
        return attention + mlp + 2 * h

    @property
    def params(self) -> int:
        """Architecture parameter count: layers, embeddings (+ untied LM head), final norm."""
        embeddings = self.vocab * self.hidden * (1 if self.tied else 2)
        return self.layers * self.layer_params + embeddings + self.hidden


QWEN3: dict[str, Arch] = {
    "Qwen3-0.6B": Arch(layers=28, hidden=1024, hq=16, intermediate=3072, tied=True),
    "Qwen3-1.7B": Arch(layers=28, hidden=2048, hq=16, intermediate=6144, tied=True),
    "Qwen3-4B": Arch(layers=36, hidden=2560, hq=32, intermediate=9728, tied=True),
    "Qwen3-8B": Arch(layers=36, hidden=4096, hq=32, intermediate=12288, tied=False),
    "Qwen3-14B": Arch(layers=40, hidden=5120, hq=40, intermediate=17408, tied=False),
    "Qwen3-32B": Arch(layers=64, hidden=5120, hq=64, intermediate=25600, tied=False),
}

# Parameter counts the Kinetics tables were computed with (14B: 14.33, not the scripts' 14.77).
KINETICS_PARAMS: dict[str, float] = {
    "Qwen3-0.6B": 0.752e9,
    "Qwen3-1.7B": 2.03e9,
    "Qwen3-4B": 4.02e9,
    "Qwen3-8B": 8.19e9,
    "Qwen3-14B": 14.33e9,
    "Qwen3-32B": 32.76e9,
}

# Kinetics file spelling -> catalog name.
FILE_MODEL: dict[str, str] = {
    "qwen3-0-6b": "Qwen3-0.6B",
    "qwen3-1-7b": "Qwen3-1.7B",
    "qwen3-4b": "Qwen3-4B",
    "qwen3-8b": "Qwen3-8B",
    "qwen3-14b": "Qwen3-14B",
    "qwen3-32b": "Qwen3-32B",
}

# (peak dense bf16 FLOP/s, HBM bytes/s): the spec's hardware table.
HARDWARE: dict[str, tuple[float, float]] = {
    "b200": (2.25e15, 8.0e12),
    "h200": (9.89e14, 4.8e12),
    "h100-sxm": (9.89e14, 3.35e12),
    "a100-80g": (3.12e14, 2.04e12),
    "a5000": (1.11e14, 7.68e11),
    "rtx-4090": (1.65e14, 1.01e12),
}

KINETICS_I = 562.5  # B200: 2 * 2.25e15 / 8e12
B200_SECONDS_PER_TERA = 1 / 4500  # Kinetics plots "B200 seconds" as Tera-eFLOPs / 4500


def intensity(peak_flops: float, hbm_bytes_per_s: float) -> float:
    """Kinetics' i: FLOPs per bf16 KV element, 2 * peak / HBM bytes/s."""
    return 2.0 * peak_flops / hbm_bytes_per_s


def kv_cache_bytes(model: str, tokens: float) -> float:
    return float(QWEN3[model].kv_bytes_per_token) * float(tokens)


def model_params(model: str, param_count: str = "kinetics") -> float:
    if param_count == "kinetics":
        return KINETICS_PARAMS[model]
    if param_count == "architecture":
        return float(QWEN3[model].params)
    raise CostModelError(f"unknown param_count {param_count!r}")


@dataclass(frozen=True)
class ModelCase:
    """What the reference needs of a hypothesis case over a catalog model on a hardware profile."""

    arch: Arch
    peak: float  # FLOP/s
    hbm: float  # bytes/s
    p: float  # parameters (the case's param_count)
    shape: tuple[float, float, float]  # lin, lout, n
    sparse: tuple[float, float, str]  # budget, block_size, variant


def model_case(c: dict[str, Any]) -> ModelCase:
    peak, hbm = HARDWARE[c["hardware"]]
    return ModelCase(QWEN3[c["model"]], peak, hbm, model_params(c["model"], c["param_count"]),
                     (c["lin"], c["lout"], c["n"]), (c["budget"], c["block_size"], c["variant"]))  # fmt: skip


def expected_cost(cost, lengths: list[int]) -> float:  # type: ignore[no-untyped-def]
    """The spec's expected cost of a problem: mean over trial lengths g of cost(lout = g)."""
    return math.fsum(cost(g) for g in lengths) / len(lengths)
