"""The fused decode step's stages (``--kernels fused``): Triton kernels on a GPU, torch references elsewhere.

Each function runs ``runners.fused_triton``'s kernel when its tensors are on a GPU (or under
``TRITON_INTERPRET=1``, Triton's CPU interpreter, which the tests use) and the torch reference below
otherwise; the references are what the kernels are checked against.
"""

from __future__ import annotations

import os
from typing import Any

import torch
import torch.nn.functional as F


def use_triton(t: Any) -> bool:
    return bool(t.is_cuda) or os.environ.get("TRITON_INTERPRET") == "1"


# -- torch references -----------------------------------------------------------------------------

def add_rmsnorm_ref(h: Any, delta: Any | None, w: Any, eps: float) -> Any:
    if delta is not None:
        h.copy_(h + delta)
    return F.rms_norm(h, (h.shape[-1],), w, eps)


def silu_mul_ref(gu: Any) -> Any:
    g, u = gu.chunk(2, dim=-1)
    return F.silu(g) * u


def qk_rope_write_ref(qkv: Any, q_norm: Any, k_norm: Any, cos: Any, sin: Any, pos_t: Any, kc: Any, vc: Any,
                      summ: Any | None, bsum: Any | None, *, eps: float, hq: int, hkv: int,
                      block_size: int) -> Any:
    b = qkv.shape[0]
    d = kc.shape[3]
    q = qkv[:, :hq * d].reshape(b, hq, d)
    k = qkv[:, hq * d:(hq + hkv) * d].reshape(b, hkv, d)
    v = qkv[:, (hq + hkv) * d:].reshape(b, hkv, d)
    q = F.rms_norm(q, (d,), q_norm, eps)
    k = F.rms_norm(k, (d,), k_norm, eps)
    c, s = cos.index_select(0, pos_t), sin.index_select(0, pos_t)  # [1, d]
    half = d // 2
    q = q * c + torch.cat([-q[..., half:], q[..., :half]], dim=-1) * s
    k = k * c + torch.cat([-k[..., half:], k[..., :half]], dim=-1) * s
    kc[:b].index_copy_(2, pos_t, k.unsqueeze(2))
    vc[:b].index_copy_(2, pos_t, v.unsqueeze(2))
    if summ is not None:
        assert bsum is not None
        blk = torch.div(pos_t, block_size, rounding_mode="floor")
        n = pos_t - blk * block_size  # [1]
        new = torch.where(n > 0, bsum[:b] + k.float(), k.float())
        bsum[:b].copy_(new)
        summ[:b].index_copy_(2, blk, (new / (n + 1).to(torch.float32)).to(summ.dtype).unsqueeze(2))
    return q.contiguous()


def block_scores_ref(q: Any, summ: Any) -> Any:
    """[b, hkv, nb] float32: per query head q . summary as a bf16 matmul rounds it, summed over the head group."""
    b, hq, d = q.shape
    hkv = summ.shape[1]
    qg = q.reshape(b, hkv, hq // hkv, d)
    return (qg @ summ.transpose(-1, -2)).float().sum(dim=2)


def select_blocks_ref(q: Any, summ: Any, pos_t: Any, nsel: int, block_size: int) -> Any:
    scores = block_scores_ref(q, summ)
    nb = summ.shape[2]
    blk = torch.div(pos_t, block_size, rounding_mode="floor")
    blocks = torch.arange(nb, device=q.device)
    scores = scores.masked_fill(blocks > blk, float("-inf")).masked_fill(blocks == blk, float("inf"))
    return scores.topk(nsel, dim=-1).indices.to(torch.int32)


# -- dispatch -----------------------------------------------------------------------------------

def add_rmsnorm(h: Any, delta: Any | None, w: Any, eps: float) -> Any:
    """h [b, n] += delta (in place, when given); returns rmsnorm(h) * w."""
    if not use_triton(h):
        return add_rmsnorm_ref(h, delta, w, eps)
    from kinetics_sql.runners import fused_triton

    return fused_triton.add_rmsnorm(h, delta, w, eps, torch.empty_like(h))


def silu_mul(gu: Any) -> Any:
    if not use_triton(gu):
        return silu_mul_ref(gu)
    from kinetics_sql.runners import fused_triton

    return fused_triton.silu_mul(gu, gu.new_empty(gu.shape[0], gu.shape[1] // 2))


def qk_rope_write(qkv: Any, q_norm: Any, k_norm: Any, cos: Any, sin: Any, pos_t: Any, kc: Any, vc: Any,
                  summ: Any | None, bsum: Any | None, *, eps: float, hq: int, hkv: int, block_size: int) -> Any:
    """Returns q [b, hq, d]; writes k, v at pos_t (and the newest block's summary when summ is given)."""
    if not use_triton(qkv):
        return qk_rope_write_ref(qkv, q_norm, k_norm, cos, sin, pos_t, kc, vc, summ, bsum, eps=eps, hq=hq,
                                 hkv=hkv, block_size=block_size)
    from kinetics_sql.runners import fused_triton

    q_out = qkv.new_empty(qkv.shape[0], hq, kc.shape[3])
    return fused_triton.qk_rope_write(qkv, q_norm, k_norm, cos, sin, pos_t, kc, vc, summ, bsum, eps=eps, hq=hq,
                                      hkv=hkv, block_size=block_size, q_out=q_out)


def select_blocks(q: Any, summ: Any, pos_t: Any, nsel: int, block_size: int) -> Any:
    """int32 [b, hkv, nsel]: the newest block (always) and the best-scoring live blocks."""
    if not use_triton(q):
        return select_blocks_ref(q, summ, pos_t, nsel, block_size)
    from kinetics_sql.runners import fused_triton

    b, hkv, nb = q.shape[0], summ.shape[1], summ.shape[2]
    out = torch.empty(b, hkv, nsel, dtype=torch.int32, device=q.device)
    return fused_triton.select_blocks(q, summ, pos_t, nsel, block_size,
                                      fused_triton.scratch_for(b, hkv, nb, q.device), out)
