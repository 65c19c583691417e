"""Triton kernels of the fused decode step (``--kernels fused``): one launch per stage, CUDA-graph capturable.

Per layer the torch step launches about 30 kernels (norms, RoPE as cat/neg/mul/add, index_copy, the
attention's combine as eight ops) and block top-k adds about ten more for the selection. Here:

- ``add_rmsnorm``: residual add (in place) and RMSNorm in one pass over the hidden row;
- ``qk_rope_write``: per-head q/k RMSNorm, RoPE, the K/V cache write at the device-side position and,
  for block top-k, the newest block's summary (mean key) kept up to date incrementally from a float32
  running sum of that block's keys (no re-read of the block);
- ``select_blocks``: score every live block summary against the r query heads of a KV head (per-head
  scores rounded as a bf16 matmul would, summed; one program per chunk of 64 blocks), then force the
  newest block and take the top k by a bitonic top-k of (order-preserving score bits, block index) keys:
  two kernels, no host sync;
- ``silu_mul``: SwiGLU's silu(gate) * up from the fused gate/up projection;
- ``combine``: the flash-decoding merge of the attention kernel's splits.

Pointers and scalars stay unannotated: Python type hints would change how triton specialises them.
Runs on a GPU, or on the CPU under ``TRITON_INTERPRET=1`` (the tests' interpreter path).
"""

from __future__ import annotations

from typing import Any

import torch
import triton
import triton.language as tl


@triton.jit
def _add_rmsnorm(H, DELTA, W, X, N, eps, HAS_DELTA: tl.constexpr, BLOCK: tl.constexpr):  # type: ignore[no-untyped-def]
    row = tl.program_id(0).to(tl.int64)
    offs = tl.arange(0, BLOCK)
    msk = offs < N
    h = tl.load(H + row * N + offs, mask=msk, other=0.0)
    if HAS_DELTA:
        d = tl.load(DELTA + row * N + offs, mask=msk, other=0.0)
        h = (h.to(tl.float32) + d.to(tl.float32)).to(H.dtype.element_ty)
        tl.store(H + row * N + offs, h, mask=msk)
    hf = h.to(tl.float32)
    var = tl.sum(hf * hf, 0) / N
    w = tl.load(W + offs, mask=msk, other=0.0).to(tl.float32)
    x = hf * (1.0 / tl.sqrt(var + eps)) * w
    tl.store(X + row * N + offs, x.to(X.dtype.element_ty), mask=msk)


def add_rmsnorm(h: Any, delta: Any | None, w: Any, eps: float, out: Any) -> Any:
    """h [b, n] (+= delta in place), out = rmsnorm(h) * w."""
    b, n = h.shape
    block = triton.next_power_of_2(n)
    _add_rmsnorm[(b,)](h, delta if delta is not None else h, w, out, n, eps, HAS_DELTA=delta is not None,
                       BLOCK=block, num_warps=8 if block >= 4096 else 4)
    return out


@triton.jit
def _silu_mul(GU, OUT, NI, BLOCK: tl.constexpr):  # type: ignore[no-untyped-def]
    row = tl.program_id(0).to(tl.int64)
    col = tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)
    m = col < NI
    g = tl.load(GU + row * 2 * NI + col, mask=m, other=0.0).to(tl.float32)
    u = tl.load(GU + row * 2 * NI + NI + col, mask=m, other=0.0).to(tl.float32)
    s = (g / (1.0 + tl.exp(-g))).to(OUT.dtype.element_ty).to(tl.float32)  # torch rounds silu's output
    tl.store(OUT + row * NI + col, (s * u).to(OUT.dtype.element_ty), mask=m)


def silu_mul(gu: Any, out: Any) -> Any:
    """gu [b, 2I] (gate, up) -> out [b, I] = silu(gate) * up."""
    b, two_i = gu.shape
    i = two_i // 2
    _silu_mul[(b, triton.cdiv(i, 1024))](gu, out, i, BLOCK=1024, num_warps=4)
    return out


@triton.jit
def _qk_rope_write(  # type: ignore[no-untyped-def]
    QKV, QN, KN, COS, SIN, POS, QOUT, KC, VC, SUMM, BSUM,
    eps, T, NB,
    HQ: tl.constexpr, HKV: tl.constexpr, D: tl.constexpr, BS: tl.constexpr, SUMM_ON: tl.constexpr,
):
    b = tl.program_id(0).to(tl.int64)
    head = tl.program_id(1)
    HALF: tl.constexpr = D // 2
    o = tl.arange(0, HALF)
    pos = tl.load(POS).to(tl.int64)
    row = QKV + b * (HQ + 2 * HKV) * D
    x1 = tl.load(row + head * D + o).to(tl.float32)
    x2 = tl.load(row + head * D + HALF + o).to(tl.float32)
    if head < HQ:
        w1 = tl.load(QN + o).to(tl.float32)
        w2 = tl.load(QN + HALF + o).to(tl.float32)
    else:
        w1 = tl.load(KN + o).to(tl.float32)
        w2 = tl.load(KN + HALF + o).to(tl.float32)
    r = 1.0 / tl.sqrt((tl.sum(x1 * x1, 0) + tl.sum(x2 * x2, 0)) / D + eps)
    y1 = (x1 * r * w1).to(QOUT.dtype.element_ty).to(tl.float32)  # torch rounds the normed head
    y2 = (x2 * r * w2).to(QOUT.dtype.element_ty).to(tl.float32)
    cos = tl.load(COS + pos * D + o).to(tl.float32)
    sin = tl.load(SIN + pos * D + o).to(tl.float32)
    o1 = (y1 * cos - y2 * sin).to(QOUT.dtype.element_ty)
    o2 = (y2 * cos + y1 * sin).to(QOUT.dtype.element_ty)
    if head < HQ:
        qo = QOUT + (b * HQ + head) * D
        tl.store(qo + o, o1)
        tl.store(qo + HALF + o, o2)
    else:
        j = head - HQ
        kv = ((b * HKV + j) * T + pos) * D
        tl.store(KC + kv + o, o1)
        tl.store(KC + kv + HALF + o, o2)
        tl.store(VC + kv + o, tl.load(row + (HQ + HKV + j) * D + o))
        tl.store(VC + kv + HALF + o, tl.load(row + (HQ + HKV + j) * D + HALF + o))
        if SUMM_ON:
            blk = pos // BS
            n = pos - blk * BS
            sb = BSUM + (b * HKV + j) * D
            k1 = o1.to(tl.float32)
            k2 = o2.to(tl.float32)
            s1 = tl.where(n > 0, tl.load(sb + o) + k1, k1)
            s2 = tl.where(n > 0, tl.load(sb + HALF + o) + k2, k2)
            tl.store(sb + o, s1)
            tl.store(sb + HALF + o, s2)
            cnt = (n + 1).to(tl.float32)
            so = SUMM + ((b * HKV + j) * NB + blk) * D
            tl.store(so + o, (s1 / cnt).to(SUMM.dtype.element_ty))
            tl.store(so + HALF + o, (s2 / cnt).to(SUMM.dtype.element_ty))


def qk_rope_write(qkv: Any, q_norm: Any, k_norm: Any, cos: Any, sin: Any, pos_t: Any, kc: Any, vc: Any,
                  summ: Any | None, bsum: Any | None, *, eps: float, hq: int, hkv: int, block_size: int,
                  q_out: Any) -> Any:
    """qkv [b, (hq + 2 hkv) d] -> q_out [b, hq, d] (normed, rotated); k (normed, rotated) and v written
    into kc/vc [B, hkv, T, d] at pos_t; with summ/bsum the newest block's mean key refreshed."""
    b = qkv.shape[0]
    d, t = kc.shape[3], kc.shape[2]
    on = summ is not None
    _qk_rope_write[(b, hq + hkv)](
        qkv, q_norm, k_norm, cos, sin, pos_t, q_out, kc, vc, summ if on else kc, bsum if on else kc,
        eps, t, summ.shape[2] if summ is not None else 1, HQ=hq, HKV=hkv, D=d, BS=block_size, SUMM_ON=on, num_warps=1,
    )
    return q_out


@triton.jit
def _score_blocks(  # type: ignore[no-untyped-def]
    Q, SUMM, SCR, POS, NB,
    R: tl.constexpr, RP: tl.constexpr, D: tl.constexpr, BS: tl.constexpr, CH: tl.constexpr, NBP: tl.constexpr,
    F32: tl.constexpr,
):
    """Program (sequence x KV head, chunk of CH blocks): the chunk's live blocks' scores into SCR."""
    bh = tl.program_id(0).to(tl.int64)
    blocks = tl.program_id(1) * CH + tl.arange(0, CH)
    offs_r = tl.arange(0, RP)
    offs_d = tl.arange(0, D)
    blk_now = tl.load(POS).to(tl.int32) // BS
    live = blocks <= blk_now  # loads past the newest block are masked off: they move no bytes
    q = tl.load(Q + bh * R * D + offs_r[:, None] * D + offs_d[None, :], mask=offs_r[:, None] < R, other=0.0)
    s = tl.load(SUMM + bh * NB * D + blocks[:, None].to(tl.int64) * D + offs_d[None, :], mask=live[:, None],
                other=0.0)
    # [RP, CH]; float32 operands: TF32 holds bf16 values exactly (and Triton's interpreter multiplies bf16
    # wrong); a float32 model's scores need full float32 products
    if F32:
        sc = tl.dot(q.to(tl.float32), tl.trans(s.to(tl.float32)), input_precision="ieee")
    else:
        sc = tl.dot(q.to(tl.float32), tl.trans(s.to(tl.float32)))
    sc = tl.sum(sc.to(Q.dtype.element_ty).to(tl.float32), 0)  # per-head scores rounded as torch's matmul
    tl.store(SCR + bh * NBP + blocks, sc, mask=live)


@triton.jit
def _topk_blocks(SCR, IDX, POS, NB, NSEL, BS: tl.constexpr, NBP: tl.constexpr, KP: tl.constexpr):  # type: ignore[no-untyped-def]
    """Program (sequence x KV head): the newest block and the NSEL - 1 best scores among the older live
    blocks, by a bitonic top-KP of (order-preserving score bits, block index) keys."""
    bh = tl.program_id(0).to(tl.int64)
    blk_now = tl.load(POS).to(tl.int32) // BS
    offs = tl.arange(0, NBP)
    sc = tl.load(SCR + bh * NBP + offs, mask=offs < blk_now, other=float("-inf"))
    sc = tl.where(offs == blk_now, float("inf"), sc)
    bits = sc.to(tl.int32, bitcast=True)
    key = bits ^ ((bits >> 31) & 0x7FFFFFFF)  # signed-integer order = float order
    key = tl.where(offs < NB, key, -2147483648)
    k64 = (key.to(tl.int64) << 32) + offs.to(tl.int64)
    top = tl.topk(k64, KP)  # [KP], descending
    offs_k = tl.arange(0, KP)
    tl.store(IDX + bh * NSEL + offs_k, top.to(tl.int32), mask=offs_k < NSEL)  # the low 32 bits: the index


def select_blocks(q: Any, summ: Any, pos_t: Any, nsel: int, block_size: int, scratch: Any, out: Any) -> Any:
    """q [b, hq, d], summ [b, hkv, nb, d] -> out int32 [b, hkv, nsel]: the newest block and the best
    scoring live blocks (score = sum over the KV head's query heads of q . mean key). Two launches: the
    scores of every (sequence, KV head, chunk of 64 blocks) in parallel, then one top-k per (sequence,
    KV head). scratch: float32 [b * hkv, next_power_of_2(nb)]."""
    b, hq, d = q.shape
    hkv, nb = summ.shape[1], summ.shape[2]
    r = hq // hkv
    nbp = scratch.shape[1]
    ch = 64
    _score_blocks[(b * hkv, triton.cdiv(nb, ch))](q, summ, scratch, pos_t, nb, R=r,
                                                 RP=max(16, triton.next_power_of_2(r)), D=d, BS=block_size, CH=ch,
                                                 NBP=nbp, F32=q.dtype == torch.float32, num_warps=4)
    _topk_blocks[(b * hkv,)](scratch, out, pos_t, nb, nsel, BS=block_size, NBP=nbp,
                             KP=triton.next_power_of_2(nsel), num_warps=8 if nbp >= 2048 else 4)
    return out


@triton.jit
def _combine(ACC, M, L, OUT, NSPLIT: tl.constexpr, R: tl.constexpr, RP: tl.constexpr, D: tl.constexpr):  # type: ignore[no-untyped-def]
    bh = tl.program_id(0).to(tl.int64)
    offs_r = tl.arange(0, RP)
    offs_d = tl.arange(0, D)
    mx = tl.full([RP], float("-inf"), tl.float32)
    for s in range(NSPLIT):
        mx = tl.maximum(mx, tl.load(M + (bh * NSPLIT + s) * RP + offs_r))
    mx = tl.where(mx == float("-inf"), 0.0, mx)
    acc = tl.zeros([RP, D], tl.float32)
    den = tl.zeros([RP], tl.float32)
    for s in range(NSPLIT):
        part = bh * NSPLIT + s
        w = tl.exp(tl.load(M + part * RP + offs_r) - mx)
        den += tl.load(L + part * RP + offs_r) * w
        acc += tl.load(ACC + part * RP * D + offs_r[:, None] * D + offs_d[None, :]) * w[:, None]
    out = acc / den[:, None]
    tl.store(OUT + (bh * R + offs_r[:, None]) * D + offs_d[None, :], out.to(OUT.dtype.element_ty),
             mask=offs_r[:, None] < R)


def combine(acc: Any, m: Any, l: Any, nsplit: int, r: int, out: Any) -> Any:  # noqa: E741
    """Merge the splits' partial (acc [bh * nsplit, RP, d], m, l) into out [b, hq, d]."""
    rp, d = acc.shape[1], acc.shape[2]
    bh = out.shape[0] * out.shape[1] // r
    _combine[(bh,)](acc, m, l, out, nsplit, R=r, RP=rp, D=d, num_warps=4)
    return out


def scratch_for(batch: int, hkv: int, nb: int, device: Any) -> Any:
    return torch.empty(batch * hkv, triton.next_power_of_2(nb), device=device, dtype=torch.float32)
