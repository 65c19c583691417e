"""An independent plain-Python model of tensor-parallel decode (the README's "Tensor parallelism").

Written from the description, not from queries/macros/040_tensor_parallel.sql: per-GPU FLOPs are
computed by running the one-GPU reference (tests/costmodel_reference.py) on a GPU's share of the
model (p / T parameters, hq / T query heads, its KV heads), and the interconnect traffic by
simulating the collectives step by step (a ring all-reduce: reduce-scatter then all-gather; a gather
onto one GPU) and counting the bytes each GPU sends and receives.
"""

from __future__ import annotations

import costmodel_reference as ref

BF16 = 2  # bytes per activation value


class TPError(ValueError):
    """A tensor-parallel size the model's heads cannot be split over."""


def check(hq: int | None, hkv: int, gpus: int) -> None:
    if gpus < 1 or int(gpus) != gpus:
        raise TPError(f"gpus must be a whole number >= 1, got {gpus}")
    if hq is not None and hq % gpus:
        raise TPError(f"{hq} query heads cannot be split over {gpus} GPUs")
    if hkv % gpus and gpus % hkv:
        raise TPError(f"{hkv} KV heads cannot be split over (or replicated on) {gpus} GPUs")


def kv_heads_per_gpu(hkv: int, gpus: int) -> float:
    """Each GPU keeps its hkv / T KV heads; past hkv GPUs each keeps one (vLLM replicates them)."""
    return hkv / gpus if gpus <= hkv else 1.0


def replicated_params(arch: ref.Arch) -> float:
    """Norm weights every GPU keeps whole: 2 RMSNorms per layer, Qwen3's q/k norms, the final norm."""
    return float(arch.layers * (2 * arch.hidden + 2 * arch.head_dim) + arch.hidden)


def params_per_gpu(p: float, replicated: float, gpus: int) -> float:
    return (p - replicated) / gpus + replicated


def ring_allreduce_traffic(message_bytes: float, gpus: int) -> list[float]:
    """Bytes each GPU sends plus receives in a ring all-reduce of one message, step by step.

    The message is cut into T chunks. Reduce-scatter: T - 1 steps, in each every GPU sends one chunk
    to its right neighbour and receives one from its left. All-gather: T - 1 more such steps.
    """
    traffic = [0.0] * gpus
    chunk = message_bytes / gpus
    for _phase in ("reduce-scatter", "all-gather"):
        for _step in range(gpus - 1):
            for g in range(gpus):
                traffic[g] += chunk  # sent to (g + 1) % T
                traffic[(g + 1) % gpus] += chunk  # received by the neighbour
    return traffic


def gather_traffic(message_bytes: float, gpus: int, root: int = 0) -> list[float]:
    """Every GPU holds 1/T of the message; the root receives the T - 1 others' shards."""
    traffic = [0.0] * gpus
    shard = message_bytes / gpus
    for g in range(gpus):
        if g != root:
            traffic[g] += shard
            traffic[root] += shard
    return traffic


def comm_bytes(hidden: int, vocab: int, layers: int, tokens: float, gpus: int) -> float:
    """The busiest GPU's bytes (sent + received) for one pass over `tokens` tokens.

    Per layer: an all-reduce after the attention output projection and one after the MLP; one more
    after the vocabulary-parallel embedding; the logits gathered onto GPU 0.
    """
    if gpus == 1:
        return 0.0
    activation = tokens * hidden * BF16
    per_gpu = [0.0] * gpus
    for _ in range(2 * layers + 1):
        per_gpu = [a + b for a, b in zip(per_gpu, ring_allreduce_traffic(activation, gpus), strict=True)]
    per_gpu = [a + b for a, b in zip(per_gpu, gather_traffic(tokens * vocab * BF16, gpus), strict=True)]
    return max(per_gpu)


def tokens(lin: float, lout: float, n: float) -> float:
    """Tokens that cross the interconnect: the prompt once, n per decode step."""
    return float(lin) + float(n) * float(lout)


def compute_flops(method: str, p: float, hq: int, hkv: int, d: float, lin: float, lout: float, n: float,
                  gpus: int, budget: float = 0, block_size: float = 0, variant: str = "exact") -> float:
    """One GPU's FLOPs: the whole model's formula on its p / T parameters and hq / T query heads."""
    check(hq, hkv, gpus)
    return ref.compute_flops(method, p / gpus, hq / gpus, d, lin, lout, n, budget, block_size, variant)


def kv_reads(method: str, hkv: int, d: float, lin: float, lout: float, n: float, gpus: int,
             budget: float = 0, block_size: float = 0, variant: str = "exact") -> float:
    check(None, hkv, gpus)
    return ref.kv_reads(method, kv_heads_per_gpu(hkv, gpus), d, lin, lout, n, budget, block_size, variant)


def eflops(method: str, p: float, hq: int, hkv: int, d: float, lin: float, lout: float, n: float, i: float,
           i_net: float, hidden: int, vocab: int, layers: int, gpus: int, budget: float = 0,
           block_size: float = 0, variant: str = "exact") -> float:
    """The critical path of T GPUs in eFLOPs: one GPU's compute, KV reads and interconnect bytes."""
    comm = comm_bytes(hidden, vocab, layers, tokens(lin, lout, n), gpus)
    return (
        compute_flops(method, p, hq, hkv, d, lin, lout, n, gpus, budget, block_size, variant)
        + i * kv_reads(method, hkv, d, lin, lout, n, gpus, budget, block_size, variant)
        + (i_net * comm if gpus > 1 else 0.0)
    )


def rflops(method: str, p: float, hq: int, hkv: int, d: float, lin: float, lout: float, n: float, i_gpu: float,
           i_link: float, i_net: float, layer_bytes: float, k: int, hidden: int, vocab: int, layers: int,
           gpus: int, replicated: float = 0.0, budget: float = 0, block_size: float = 0, variant: str = "exact",
           prefill_batch: float = 512, passes: str = "forward") -> float:
    """One GPU's rFLOPs: its weights, its KV share, its shard of the k offloaded layers, its traffic."""
    comm = comm_bytes(hidden, vocab, layers, tokens(lin, lout, n), gpus)
    return (
        compute_flops(method, p, hq, hkv, d, lin, lout, n, gpus, budget, block_size, variant)
        + i_gpu * (ref.param_reads(params_per_gpu(p, replicated, gpus), lout)
                   + kv_reads(method, hkv, d, lin, lout, n, gpus, budget, block_size, variant))
        + i_link * ref.offload_bytes(layer_bytes / gpus, k, lin, lout, n, prefill_batch, passes)
        + (i_net * comm if gpus > 1 else 0.0)
    )


def vram_needed(arch: ref.Arch, gpus: int, lin: float, lout: float, n: float, reserve: float) -> float:
    """One GPU's bytes: its bf16 weights (architecture count), its KV heads for lin + n * lout tokens."""
    check(arch.hq, arch.hkv, gpus)
    weights = BF16 * params_per_gpu(float(arch.params), replicated_params(arch), gpus)
    kv_per_token = 2 * arch.layers * kv_heads_per_gpu(arch.hkv, gpus) * arch.head_dim * BF16
    return weights + kv_per_token * tokens(lin, lout, n) + reserve


def max_n(arch: ref.Arch, vram: float, gpus: int, lin: float, lout: float, reserve: float) -> int:
    """The largest n that fits, by search (0 when none does)."""
    n = 0
    while vram_needed(arch, gpus, lin, lout, n + 1, reserve) <= vram:
        n += 1
    return n


# Datasheet interconnect bandwidths (both directions together), from data/interconnect.csv's sources.
INTERCONNECT: dict[str, float] = {
    "b200": 1.8e12,
    "h200": 9.0e11,
    "h100-sxm": 9.0e11,
    "a100-80g": 6.0e11,
    "a5000": 1.125e11,
    "rtx-4090": 6.4e10,
}
VRAM: dict[str, float] = {"b200": 180e9, "h200": 141e9, "h100-sxm": 80e9, "a100-80g": 80e9, "a5000": 24e9,
                          "rtx-4090": 24e9}
