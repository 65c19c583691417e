"""Fused block-sparse decode attention in Triton: attend to the selected KV blocks where they lie.

The unfused torch version copies the selected blocks out (read, write) and attends to the copy
(read again): three passes over the budget's K and V. This kernel reads each selected block once,
straight from the cache, with an online softmax (flash-decoding): program (sequence x KV head,
split) walks its share of the selected blocks and writes a partial (max, sum, accumulator); a
few torch ops combine the splits. The r query heads of a KV head are the rows of one tile.

Imported only where Triton and a GPU exist (or TRITON_INTERPRET=1 on the CPU, for tests).
"""

from __future__ import annotations

import math
from typing import Any

import torch
import triton
import triton.language as tl


# triton.jit reads these parameter annotations as kernel argument types (tl.constexpr), so the
# pointers and scalars stay unannotated: Python type hints here would change how triton specialises.
@triton.jit
def _blocksparse_decode(  # type: ignore[no-untyped-def]
    Q, K, V, IDX, ACC, M, L,
    T, NSEL, NSPLIT,
    scale,
    BLOCKS_PER_SPLIT: tl.constexpr,
    R: tl.constexpr, RP: tl.constexpr, BS: tl.constexpr, D: tl.constexpr,
):
    bh = tl.program_id(0)
    split = tl.program_id(1)
    offs_r = tl.arange(0, RP)
    offs_d = tl.arange(0, D)
    offs_t = tl.arange(0, BS)
    q = tl.load(Q + bh * R * D + offs_r[:, None] * D + offs_d[None, :], mask=offs_r[:, None] < R, other=0.0)
    m_i = tl.full([RP], float("-inf"), tl.float32)
    l_i = tl.zeros([RP], tl.float32)
    acc = tl.zeros([RP, D], tl.float32)
    kv_base = bh.to(tl.int64) * T * D
    start = split * BLOCKS_PER_SPLIT
    # every split holds at least one block (the host sizes them so); past NSEL the tail is masked
    for jj in range(0, BLOCKS_PER_SPLIT):
        j = start + jj
        valid = j < NSEL
        blk = tl.load(IDX + bh * NSEL + j, mask=valid, other=0).to(tl.int64)
        rows = blk * BS + offs_t
        k = tl.load(K + kv_base + rows[:, None] * D + offs_d[None, :])
        s = tl.dot(q, tl.trans(k)) * scale
        s = tl.where(valid, s, float("-inf"))
        m_new = tl.maximum(m_i, tl.max(s, 1))
        alpha = tl.exp(m_i - m_new)
        p = tl.exp(s - m_new[:, None])
        l_i = l_i * alpha + tl.sum(p, 1)
        v = tl.load(V + kv_base + rows[:, None] * D + offs_d[None, :])
        acc = acc * alpha[:, None] + tl.dot(p.to(v.dtype), v)
        m_i = m_new
    part = bh * NSPLIT + split
    tl.store(ACC + part * RP * D + offs_r[:, None] * D + offs_d[None, :], acc)
    tl.store(M + part * RP + offs_r, m_i)
    tl.store(L + part * RP + offs_r, l_i)


def splits_for(programs: int, nsel: int, target: int = 264) -> int:
    """Splits of the selected blocks so that about ``target`` programs run (2 per H100 SM)."""
    return max(1, min(nsel, math.ceil(target / programs)))


def blocksparse_decode(q: Any, k: Any, v: Any, idx: Any, block_size: int, nsplit: int | None = None) -> Any:
    """q [B, hq, d], k/v [B, hkv, T, d] (contiguous), idx [B, hkv, nsel] block indices -> [B, hq, d]."""
    b, hq, d = q.shape
    hkv, t = k.shape[1], k.shape[2]
    r = hq // hkv
    nsel = idx.shape[-1]
    rp = max(16, triton.next_power_of_2(r))
    nsplit = nsplit or splits_for(b * hkv, nsel)
    # blocks per split, a compile-time constant: rounded up to a power of two so that few kernel
    # variants get compiled; the count of splits follows, so every split holds at least one block
    per = triton.next_power_of_2(math.ceil(nsel / nsplit))
    nsplit = math.ceil(nsel / per)
    acc = torch.empty(b * hkv * nsplit, rp, d, device=q.device, dtype=torch.float32)
    m = torch.empty(b * hkv * nsplit, rp, device=q.device, dtype=torch.float32)
    l = torch.empty(b * hkv * nsplit, rp, device=q.device, dtype=torch.float32)  # noqa: E741
    _blocksparse_decode[(b * hkv, nsplit)](
        q.contiguous(), k, v, idx.to(torch.int32).contiguous(), acc, m, l,
        t, nsel, nsplit, 1.0 / math.sqrt(d),
        BLOCKS_PER_SPLIT=per, R=r, RP=rp, BS=block_size, D=d,
    )
    acc = acc.view(b, hkv, nsplit, rp, d)[:, :, :, :r]
    m = m.view(b, hkv, nsplit, rp)[:, :, :, :r]
    l = l.view(b, hkv, nsplit, rp)[:, :, :, :r]  # noqa: E741
    mx = m.max(dim=2, keepdim=True).values
    w = torch.exp(m - mx)  # [b, hkv, nsplit, r]
    out = (acc * w[..., None]).sum(dim=2) / (l * w).sum(dim=2)[..., None]
    return out.reshape(b, hq, d).to(q.dtype)
