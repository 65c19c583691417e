"""Decode attention over the live context only, in Triton: dense or block top-k, one CUDA graph for all lengths.

Serving engines (vLLM's FlashAttention with ``cache_seqlens``) read, at each decode step, only the
KV positions a sequence has written: the cost of a step grows with its context. The kernel here
does the same from a device-side length per sequence (``lens``, int32 [B]), so the step's shapes
never change and one captured CUDA graph serves every context length:

- dense: program (sequence x KV head, split) walks its share of the ``ceil(len / BS)`` live blocks
  of BS tokens (the share is computed on the device from ``len``, so all splits work at every
  length), masks the positions at or past ``len``, and writes a partial (max, sum, accumulator);
- block top-k: the same walk over ``NSEL`` selected block indices (``idx`` [B, hkv, NSEL]), rows
  at or past ``len`` masked (the newest, partial block is always selected by the caller).

A few torch ops combine the splits (flash-decoding). The r query heads of a KV head are the rows
of one tile. Imported only where Triton and a GPU exist.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import triton
import triton.language as tl


# pointers and scalars stay unannotated: Python type hints here would change how triton specialises.
@triton.jit
def _live_decode(  # type: ignore[no-untyped-def]
    Q, K, V, IDX, LEN, ACC, M, L,
    T, NSEL, NSPLIT, HKV,
    scale,
    SPARSE: tl.constexpr, F32: tl.constexpr, R: tl.constexpr, RP: tl.constexpr, BS: tl.constexpr, D: tl.constexpr,
):
    bh = tl.program_id(0)
    split = tl.program_id(1)
    seq = bh // HKV
    length = tl.load(LEN + seq)
    offs_r = tl.arange(0, RP)
    offs_d = tl.arange(0, D)
    offs_t = tl.arange(0, BS)
    q = tl.load(Q + bh * R * D + offs_r[:, None] * D + offs_d[None, :], mask=offs_r[:, None] < R, other=0.0)
    m_i = tl.full([RP], float("-inf"), tl.float32)
    l_i = tl.zeros([RP], tl.float32)
    acc = tl.zeros([RP, D], tl.float32)
    kv_base = bh.to(tl.int64) * T * D
    if SPARSE:  # noqa: SIM108 (if on a constexpr: each kernel variant compiles one branch)
        nblk = NSEL
    else:
        nblk = tl.cdiv(length, BS)
    per = tl.cdiv(nblk, NSPLIT)
    start = split * per
    end = tl.minimum(start + per, nblk)
    for j in tl.range(start, end):
        if SPARSE:  # noqa: SIM108
            blk = tl.load(IDX + bh * NSEL + j).to(tl.int64)
        else:
            blk = j
        rows = blk * BS + offs_t
        valid = rows < length
        k = tl.load(K + kv_base + rows[:, None] * D + offs_d[None, :], mask=valid[:, None], other=0.0)
        if F32:  # noqa: SIM108 (full float32 products: tl.dot would take float32 inputs as TF32)
            s = tl.dot(q, tl.trans(k), input_precision="ieee") * scale
        else:
            s = tl.dot(q, tl.trans(k)) * scale
        s = tl.where(valid[None, :], s, float("-inf"))
        m_new = tl.maximum(m_i, tl.max(s, 1))
        m_safe = tl.where(m_new == float("-inf"), 0.0, m_new)
        alpha = tl.exp(m_i - m_safe)
        p = tl.exp(s - m_safe[:, None])
        l_i = l_i * alpha + tl.sum(p, 1)
        v = tl.load(V + kv_base + rows[:, None] * D + offs_d[None, :], mask=valid[:, None], other=0.0)
        if F32:
            acc = acc * alpha[:, None] + tl.dot(p.to(v.dtype), v, input_precision="ieee")
        else:
            acc = acc * alpha[:, None] + tl.dot(p.to(v.dtype), v)
        m_i = m_new
    part = bh * NSPLIT + split
    tl.store(ACC + part * RP * D + offs_r[:, None] * D + offs_d[None, :], acc)
    tl.store(M + part * RP + offs_r, m_i)
    tl.store(L + part * RP + offs_r, l_i)


def default_splits(programs: int, max_blocks: int, target: int = 264) -> int:
    """Splits per (sequence, KV head) so that about ``target`` programs run (2 per H100/H200 SM)."""
    return max(1, min(max_blocks, math.ceil(target / programs)))


class LiveAttention:
    """Preallocated partial buffers for one batch size, so the call can be captured in a CUDA graph."""

    def __init__(self, batch: int, hq: int, hkv: int, head_dim: int, max_ctx: int, *, device: Any,
                 block_size: int = 64, nsel: int = 0, nsplit: int | None = None) -> None:
        self.b, self.hq, self.hkv, self.d = batch, hq, hkv, head_dim
        self.r = hq // hkv
        self.rp = max(16, triton.next_power_of_2(self.r))
        self.bs = block_size
        self.nsel = nsel
        max_blocks = nsel if nsel else math.ceil(max_ctx / block_size)
        self.nsplit = nsplit or default_splits(batch * hkv, max_blocks)
        n = batch * hkv * self.nsplit
        self.acc = torch.empty(n, self.rp, head_dim, device=device, dtype=torch.float32)
        self.m = torch.empty(n, self.rp, device=device, dtype=torch.float32)
        self.l = torch.empty(n, self.rp, device=device, dtype=torch.float32)
        self.scale = 1.0 / math.sqrt(head_dim)

    def __call__(self, q: Any, k: Any, v: Any, lens: Any, idx: Any | None = None, *,
                 fused_combine: bool = False) -> Any:
        """q [B, hq, d]; k/v [B, hkv, T, d] with contiguous (T, d) per head; lens int32 [B];
        idx int32 [B, hkv, nsel] block indices (block top-k) or None (dense) -> [B, hq, d].
        fused_combine: merge the splits in one Triton kernel (runners/fused_triton.py) instead of torch ops."""
        b, hq, d = q.shape
        t = k.shape[2]
        sparse = idx is not None
        assert k.stride(3) == 1 and k.stride(2) == d and k.stride(1) == t * d and k.stride(0) == self.hkv * t * d
        _live_decode[(b * self.hkv, self.nsplit)](
            q.contiguous(), k, v, idx if sparse else lens, lens, self.acc, self.m, self.l,
            t, self.nsel if sparse else 0, self.nsplit, self.hkv, self.scale,
            SPARSE=sparse, F32=q.dtype == torch.float32, R=self.r, RP=self.rp, BS=self.bs, D=d,
        )
        if fused_combine:
            from kinetics_sql.runners.fused_triton import combine

            return combine(self.acc, self.m, self.l, self.nsplit, self.r, q.new_empty(b, hq, d))
        acc = self.acc.view(b, self.hkv, self.nsplit, self.rp, d)[:, :, :, :self.r]
        m = self.m.view(b, self.hkv, self.nsplit, self.rp)[:, :, :, :self.r]
        l = self.l.view(b, self.hkv, self.nsplit, self.rp)[:, :, :, :self.r]  # noqa: E741
        mx = m.max(dim=2, keepdim=True).values
        w = torch.exp(m - mx)  # a split that saw no live position has m = -inf: weight 0
        out = (acc * w[..., None]).sum(dim=2) / (l * w).sum(dim=2)[..., None]
        return out.reshape(b, hq, d).to(q.dtype)
