"""Qwen3-shaped decoder in plain torch: prefill and per-token decode at batch n, with weight streaming.

A compact reimplementation of Qwen3 (RMSNorm, q/k/v/o projections, per-head q/k RMSNorm, RoPE,
grouped-query attention through ``scaled_dot_product_attention`` over a preallocated KV cache,
SwiGLU MLP, tied or untied LM head) with random weights of the catalog's exact shapes, run
eagerly (no CUDA graphs, no torch.compile): a plain PyTorch serving loop.

Weight streaming (the regime of vLLM's ``cpu_offload_gb``): the weights of the first k layers live
in pinned host memory, one flat buffer per layer, and are copied to a GPU staging buffer right
before the layer runs, on every forward pass (prefill once, then once per decode step). With
``--prefetch`` the copy of layer i + 1 overlaps the compute of layer i on a second stream.

    python -m kinetics_sql.runners.torchdecode --model Qwen3-8B --offload 0,9,18 --batch 1,16 \\
        --prompt 128 --gen 16,64 --out warehouse/measurements/torch-h100.jsonl
    python -m kinetics_sql.runners.torchdecode --model toy-qwen3 --device cpu --offload 0,1 --gen 4 --out /tmp/t.jsonl

Decode step (``--mode``): ``graph`` (default on a GPU) captures one static-shape decode step per
batch size as a CUDA graph, the streamed layers' host-to-device copies included, and replays it, as
serving engines do; ``eager`` runs the Python forward per token (launch-bound on a fast GPU: its
H100 numbers are kept apart in torch-eager-h100.jsonl); ``static`` runs the graph's step eagerly
(what the CPU tests compare against the eager path). The static step attends over the whole
cache span of the run (prompt + generated tokens) under a mask.
Decode timing: the device is synchronised before and after the ``gen`` decode steps; greedy argmax
decoding, EOS ignored.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from kinetics_sql.catalog import ModelSpec
from kinetics_sql.runners import checkpoints, cliargs
from kinetics_sql.runners.records import RecordWriter, checkpoint_marks, command_line, device_name

KERNELS = ("torch", "fused")  # the static step's kernels: torch ops, or runners/fused_triton.py
ATTN_IMPLS = ("span", "live")  # decode attention: whole run span under a mask, or the live positions only
LAYER_WEIGHTS = ("in_norm", "wq", "wk", "wv", "wo", "q_norm", "k_norm", "post_norm", "wg", "wu", "wd")


def layer_shapes(spec: ModelSpec) -> dict[str, tuple[int, ...]]:
    h, hd = spec.hidden, spec.head_dim
    return {
        "in_norm": (h,),
        "wq": (spec.hq * hd, h),
        "wk": (spec.hkv * hd, h),
        "wv": (spec.hkv * hd, h),
        "wo": (h, spec.hq * hd),
        "q_norm": (hd,),
        "k_norm": (hd,),
        "post_norm": (h,),
        "wg": (spec.intermediate, h),
        "wu": (spec.intermediate, h),
        "wd": (h, spec.intermediate),
    }


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


@dataclass
class Timing:
    prefill_s: float
    decode_s: float
    peak_vram_bytes: int | None
    cumulative: list[tuple[int, float]] = field(default_factory=list)  # (steps, seconds) within the decode


class Qwen3Decoder:
    """Random-weight Qwen3 decoder; layers [0, offload) stream from pinned host memory."""

    def __init__(
        self,
        spec: ModelSpec,
        *,
        device: str = "cuda",
        dtype: str = "bf16",
        offload: int = 0,
        max_batch: int = 1,
        max_ctx: int = 256,
        prefetch: bool = False,
        seed: int = 0,
        attn_impl: str = "span",
        block_size: int = 32,
        budget: int = 0,
        kernels: str = "torch",
    ) -> None:
        import torch

        self.torch = torch
        self.spec = spec
        self.device = torch.device(device)
        self.dtype = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32}[dtype]
        self.offload = max(0, min(offload, spec.layers))
        self.prefetch = prefetch and self.device.type == "cuda"
        self.eps = checkpoints.RMS_EPS
        gen = torch.Generator(device=self.device).manual_seed(seed)
        shapes = layer_shapes(spec)
        self.layer_numel = sum(_numel(s) for s in shapes.values())
        self.layer_bytes = self.layer_numel * torch.tensor([], dtype=self.dtype).element_size()

        def rand(shape: tuple[int, ...]) -> Any:
            if len(shape) == 1:
                return torch.ones(shape, dtype=self.dtype, device=self.device)
            t = torch.empty(shape, dtype=self.dtype, device=self.device)
            return t.normal_(0.0, 0.02, generator=gen)

        self.embed = rand((spec.vocab, spec.hidden))
        self.lm_head = self.embed if spec.tied_embeddings else rand((spec.vocab, spec.hidden))
        self.final_norm = rand((spec.hidden,))
        self.layers: list[dict[str, Any] | None] = []
        self.host_flat: list[Any] = []  # pinned flat buffers of the offloaded layers
        pin = self.device.type == "cuda"
        for i in range(spec.layers):
            # one flat buffer per layer: q/k/v and gate/up are adjacent, so the fused step reads them as
            # one [wq; wk; wv] and one [wg; wu] matrix (views, no copy)
            src = torch.empty(self.layer_numel, dtype=self.dtype, device=self.device).normal_(0.0, 0.02,
                                                                                               generator=gen)
            off = 0
            for _name, shape in shapes.items():  # norms are ones
                n = _numel(shape)
                if len(shape) == 1:
                    src[off:off + n].fill_(1.0)
                off += n
            if i < self.offload:
                flat = torch.empty(self.layer_numel, dtype=self.dtype, pin_memory=pin)
                flat.copy_(src)
                del src
                self.host_flat.append(flat)
                self.layers.append(None)
            else:
                self.layers.append(self._views(src, shapes))
        # GPU staging: one slot (two with prefetch) of flat buffers with per-weight views
        self.slots: list[dict[str, Any]] = []
        self.slot_flat: list[Any] = []
        for _ in range(2 if self.prefetch else 1 if self.offload else 0):
            flat = torch.empty(self.layer_numel, dtype=self.dtype, device=self.device)
            self.slot_flat.append(flat)
            self.slots.append(self._views(flat, shapes))
        self.copy_stream = torch.cuda.Stream(self.device) if self.prefetch else None
        if attn_impl not in ATTN_IMPLS:
            raise ValueError(f"unknown attention implementation {attn_impl!r} (expected {', '.join(ATTN_IMPLS)})")
        self.attn_impl = attn_impl
        if kernels not in KERNELS:
            raise ValueError(f"unknown kernels {kernels!r} (expected {', '.join(KERNELS)})")
        if kernels == "fused" and attn_impl != "live":
            raise ValueError("the fused kernels need attn_impl 'live'")
        self.kernels = kernels
        self.block_size = block_size
        self.budget = budget  # block top-k: KV tokens attended per step (block_size * selected blocks)
        self.method = "dense"
        self._live: dict[tuple[int, str], Any] = {}
        self.k_cache: list[Any] = []
        self.v_cache: list[Any] = []
        self.summ: list[Any] = []
        self.bsum: list[Any] = []  # fused block top-k: float32 running key sum of each sequence's newest block
        self.max_batch, self.max_ctx = 0, 0
        self._graphs: dict[tuple[int, int, str, str], Any] = {}  # (batch, span, method, kernels)
        self.last_token: Any = None
        self.alloc_cache(max_batch, max_ctx)

    def alloc_cache(self, batch: int, ctx: int) -> None:
        """(Re)allocate the KV cache (and block summaries) for ``batch`` sequences of ``ctx`` positions.

        ctx is rounded up to a multiple of 64 (whole blocks for the live-context kernel). Captured
        graphs point into the old cache, so they are dropped.
        """
        torch = self.torch
        spec = self.spec
        ctx = -(-ctx // 64) * 64
        if (batch, ctx) == (self.max_batch, self.max_ctx):
            return
        self.k_cache = self.v_cache = self.summ = self.bsum = []
        self._graphs.clear()
        self._live.clear()
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
        self.max_batch, self.max_ctx = batch, ctx
        kv_shape = (batch, spec.hkv, ctx, spec.head_dim)
        self.k_cache = [torch.zeros(kv_shape, dtype=self.dtype, device=self.device) for _ in range(spec.layers)]
        self.v_cache = [torch.zeros(kv_shape, dtype=self.dtype, device=self.device) for _ in range(spec.layers)]
        if self.budget:
            nb = ctx // self.block_size
            self.summ = [torch.zeros(batch, spec.hkv, nb, spec.head_dim, dtype=self.dtype, device=self.device)
                         for _ in range(spec.layers)]
            self.bsum = [torch.zeros(batch, spec.hkv, spec.head_dim, dtype=torch.float32, device=self.device)
                         for _ in range(spec.layers)]
        inv = 1.0 / (checkpoints.ROPE_THETA ** (torch.arange(0, spec.head_dim, 2, device=self.device,
                                                               dtype=torch.float32) / spec.head_dim))
        ang = torch.outer(torch.arange(ctx, device=self.device, dtype=torch.float32), inv)
        self.cos = torch.cat([ang.cos(), ang.cos()], dim=-1).to(self.dtype)
        self.sin = torch.cat([ang.sin(), ang.sin()], dim=-1).to(self.dtype)

    @property
    def kv_cache_tokens(self) -> int:
        return self.max_batch * self.max_ctx

    @property
    def nsel(self) -> int:
        return min(self.budget // self.block_size, self.max_ctx // self.block_size) if self.budget else 0

    _HF: ClassVar[dict[str, str]] = {
           "input_layernorm.weight": "in_norm", "self_attn.q_proj.weight": "wq", "self_attn.k_proj.weight": "wk",
           "self_attn.v_proj.weight": "wv", "self_attn.o_proj.weight": "wo", "self_attn.q_norm.weight": "q_norm",
           "self_attn.k_norm.weight": "k_norm", "post_attention_layernorm.weight": "post_norm",
           "mlp.gate_proj.weight": "wg", "mlp.up_proj.weight": "wu", "mlp.down_proj.weight": "wd"}

    def load_state(self, tensors: dict[str, Any]) -> None:
        """Copy Hugging Face Qwen3 weights (name -> tensor) in, offloaded layers into their pinned buffers."""
        torch = self.torch
        with torch.no_grad():
            self.embed.copy_(tensors["model.embed_tokens.weight"])
            self.final_norm.copy_(tensors["model.norm.weight"])
            if not self.spec.tied_embeddings:
                self.lm_head.copy_(tensors["lm_head.weight"])
            shapes = layer_shapes(self.spec)
            for i in range(self.spec.layers):
                w = self.layers[i]
                dst = w if w is not None else self._views(self.host_flat[i], shapes)
                for hf, name in self._HF.items():
                    dst[name].copy_(tensors[f"model.layers.{i}.{hf}"])

    @staticmethod
    def _views(flat: Any, shapes: dict[str, tuple[int, ...]]) -> dict[str, Any]:
        views, offs, off = {}, {}, 0
        for name, shape in shapes.items():
            n = _numel(shape)
            views[name] = flat[off:off + n].view(shape)
            offs[name] = (off, off + n)
            off += n
        h = shapes["in_norm"][0]
        views["wqkv"] = flat[offs["wq"][0]:offs["wv"][1]].view(-1, h)
        views["wgu"] = flat[offs["wg"][0]:offs["wu"][1]].view(-1, h)
        return views

    @property
    def weight_bytes(self) -> int:
        s = self.spec
        el = self.layer_bytes // self.layer_numel
        head = 0 if s.tied_embeddings else s.vocab * s.hidden
        return (s.layers * self.layer_numel + s.vocab * s.hidden + head + s.hidden) * el

    @property
    def offload_bytes(self) -> int:
        return self.offload * self.layer_bytes

    # -- forward -------------------------------------------------------------------------------

    def _rope(self, x: Any, pos: int) -> Any:
        t = x.shape[2]
        cos, sin = self.cos[pos:pos + t], self.sin[pos:pos + t]
        half = x.shape[-1] // 2
        rot = self.torch.cat([-x[..., half:], x[..., :half]], dim=-1)
        return x * cos + rot * sin

    def _layer(self, i: int, w: dict[str, Any], h: Any, pos: int) -> Any:
        F = self.torch.nn.functional
        s = self.spec
        b, t, _ = h.shape
        r = F.rms_norm(h, (s.hidden,), w["in_norm"], self.eps)
        q = F.linear(r, w["wq"]).view(b, t, s.hq, s.head_dim)
        k = F.linear(r, w["wk"]).view(b, t, s.hkv, s.head_dim)
        v = F.linear(r, w["wv"]).view(b, t, s.hkv, s.head_dim)
        q = F.rms_norm(q, (s.head_dim,), w["q_norm"], self.eps).transpose(1, 2)
        k = F.rms_norm(k, (s.head_dim,), w["k_norm"], self.eps).transpose(1, 2)
        q, k = self._rope(q, pos), self._rope(k, pos)
        kc, vc = self.k_cache[i], self.v_cache[i]
        kc[:b, :, pos:pos + t] = k
        vc[:b, :, pos:pos + t] = v.transpose(1, 2)
        a = F.scaled_dot_product_attention(q, kc[:b, :, :pos + t], vc[:b, :, :pos + t], is_causal=t > 1,
                                           enable_gqa=s.hq != s.hkv)
        h = h + F.linear(a.transpose(1, 2).reshape(b, t, s.hq * s.head_dim), w["wo"])
        r = F.rms_norm(h, (s.hidden,), w["post_norm"], self.eps)
        return h + F.linear(F.silu(F.linear(r, w["wg"])) * F.linear(r, w["wu"]), w["wd"])

    # -- static decode step (CUDA graphs) ----------------------------------------------------

    def _layer_static(self, i: int, w: dict[str, Any], h: Any, pos_t: Any, mask: Any, span: int,
                      lens: Any = None) -> Any:
        """One layer for one token per sequence at the position held in the tensor pos_t.

        Shapes never change: K/V are written with index_copy_; attention runs either over the
        whole span under a mask (``attn_impl = 'span'``) or over the live positions only (``'live'``:
        the Triton kernel on a GPU, its torch reference elsewhere), dense or block top-k, so the step
        can be captured as a CUDA graph.
        """
        F = self.torch.nn.functional
        s = self.spec
        b = h.shape[0]
        r = s.hq // s.hkv
        x = F.rms_norm(h, (s.hidden,), w["in_norm"], self.eps)
        q = F.linear(x, w["wq"]).view(b, 1, s.hq, s.head_dim)
        k = F.linear(x, w["wk"]).view(b, 1, s.hkv, s.head_dim)
        v = F.linear(x, w["wv"]).view(b, 1, s.hkv, s.head_dim)
        q = F.rms_norm(q, (s.head_dim,), w["q_norm"], self.eps).transpose(1, 2)
        k = F.rms_norm(k, (s.head_dim,), w["k_norm"], self.eps).transpose(1, 2)
        cos, sin = self.cos.index_select(0, pos_t), self.sin.index_select(0, pos_t)
        half = s.head_dim // 2
        q = q * cos + self.torch.cat([-q[..., half:], q[..., :half]], dim=-1) * sin
        k = k * cos + self.torch.cat([-k[..., half:], k[..., :half]], dim=-1) * sin
        if self.attn_impl == "span":
            kc, vc = self.k_cache[i][:b, :, :span], self.v_cache[i][:b, :, :span]
            kc.index_copy_(2, pos_t, k)
            vc.index_copy_(2, pos_t, v.transpose(1, 2))
            # the r query heads of a KV head as r query rows of that head (exact for one token)
            a = F.scaled_dot_product_attention(q.reshape(b, s.hkv, r, s.head_dim), kc, vc, attn_mask=mask)
        else:
            kc, vc = self.k_cache[i][:b], self.v_cache[i][:b]
            kc.index_copy_(2, pos_t, k)
            vc.index_copy_(2, pos_t, v.transpose(1, 2))
            q3 = q.reshape(b, s.hq, s.head_dim)
            idx = self._select_blocks(i, q3, kc, pos_t) if self.method == "blocktopk" else None
            a = self._live_attention(b, q3, kc, vc, lens, idx)
        h = h + F.linear(a.reshape(b, 1, s.hq * s.head_dim), w["wo"])
        x = F.rms_norm(h, (s.hidden,), w["post_norm"], self.eps)
        return h + F.linear(F.silu(F.linear(x, w["wg"])) * F.linear(x, w["wu"]), w["wd"])

    def _live_attention(self, b: int, q: Any, kc: Any, vc: Any, lens: Any, idx: Any) -> Any:
        if self.device.type != "cuda":
            from kinetics_sql.runners.attention import live_attention_reference

            return live_attention_reference(q, kc, vc, lens, idx, self.block_size)
        key = (b, self.method)
        fused = self.kernels == "fused"
        if key not in self._live:
            from kinetics_sql.runners.live_attention import LiveAttention

            s = self.spec
            sparse = idx is not None
            self._live[key] = LiveAttention(b, s.hq, s.hkv, s.head_dim, self.max_ctx, device=self.device,
                                            block_size=self.block_size if sparse else 64,
                                            nsel=self.nsel if sparse else 0)
        return self._live[key](q, kc, vc, lens, idx, fused_combine=fused)

    def _select_blocks(self, i: int, q: Any, kc: Any, pos_t: Any) -> Any:
        """Block top-k: refresh the newest block's mean key, score every live block against q (summed
        over the r query heads of a KV head), always keep the newest block; int32 [b, hkv, nsel]."""
        torch = self.torch
        s = self.spec
        b = q.shape[0]
        bs = self.block_size
        blk = torch.div(pos_t, bs, rounding_mode="floor")  # [1]
        ar = torch.arange(bs, device=self.device)
        kb = kc.index_select(2, blk * bs + ar)  # [b, hkv, bs, d]
        valid = (ar <= pos_t - blk * bs).view(1, 1, bs, 1)
        cnt = (pos_t - blk * bs + 1).to(torch.float32)
        mean = (kb.float() * valid).sum(dim=2, keepdim=True) / cnt
        summ = self.summ[i][:b]
        summ.index_copy_(2, blk, mean.to(summ.dtype))
        qg = q.reshape(b, s.hkv, s.hq // s.hkv, s.head_dim)
        scores = (qg @ summ.transpose(-1, -2)).float().sum(dim=2)  # [b, hkv, nb]
        nb = summ.shape[2]
        blocks = torch.arange(nb, device=self.device)
        scores = scores.masked_fill(blocks > blk, float("-inf")).masked_fill(blocks == blk, float("inf"))
        return scores.topk(self.nsel, dim=-1).indices.to(torch.int32)

    def init_summaries(self, b: int, length: int) -> None:
        """Block mean keys of the first ``length`` cache positions (after a prefill), for block top-k."""
        torch = self.torch
        bs = self.block_size
        nb = -(-length // bs)
        cnt = torch.clamp(length - torch.arange(nb, device=self.device) * bs, max=bs).to(torch.float32)
        valid = (torch.arange(nb * bs, device=self.device) < length).view(1, 1, nb, bs, 1)
        for i in range(self.spec.layers):
            kb = self.k_cache[i][:b, :, :nb * bs].reshape(b, self.spec.hkv, nb, bs, self.spec.head_dim)
            mean = (kb.float() * valid).sum(dim=3) / cnt.view(1, 1, nb, 1)
            self.summ[i][:b, :, :nb] = mean.to(self.dtype)
            # the newest (partial) block's key sum, which the fused step extends position by position
            last = (length // bs) * bs
            self.bsum[i][:b] = self.k_cache[i][:b, :, last:length].float().sum(dim=2)

    def step_static(self, tok: Any, pos_t: Any, span: int | None = None) -> None:
        """Decode one token in place: reads tok [b, 1] and pos_t [1], writes the next token into tok
        and advances pos_t. With ``attn_impl = 'span'`` attention reads the first ``span`` cache
        positions (prompt + generated tokens of the run) under a mask; with ``'live'`` only the
        positions written so far. Offloaded layers are copied from pinned memory on the same stream."""
        if self.kernels == "fused":
            self._step_fused(tok, pos_t)
            return
        torch = self.torch
        F = torch.nn.functional
        span = span or self.max_ctx
        b = tok.shape[0]
        mask = (torch.arange(span, device=self.device) <= pos_t).view(1, 1, 1, span) \
            if self.attn_impl == "span" else None
        lens = (pos_t + 1).to(torch.int32).expand(b).contiguous() if self.attn_impl == "live" else None
        h = F.embedding(tok, self.embed)
        for i, w in enumerate(self.layers):
            if w is None:
                self.slot_flat[0].copy_(self.host_flat[i], non_blocking=True)
                w = self.slots[0]
            h = self._layer_static(i, w, h, pos_t, mask, span, lens)
        h = F.rms_norm(h[:, -1], (self.spec.hidden,), self.final_norm, self.eps)
        tok.copy_(F.linear(h, self.lm_head).argmax(-1, keepdim=True))
        pos_t.add_(1)

    def _step_fused(self, tok: Any, pos_t: Any) -> None:
        """step_static with the fused kernels (runners/fused_ops.py): per layer RMSNorm (with the residual
        add), one q/k/v GEMM, q/k norm + RoPE + cache write (+ the newest block's summary), for block top-k
        two selection kernels, attention, the split merge, o GEMM, add + RMSNorm, one gate/up GEMM, silu*up,
        down GEMM: about 12 launches per layer with cuBLAS's split-K reductions (14 with block top-k), where
        the torch step launches 44 (75); profiled in warehouse/profiles/profile-h200.json."""
        from kinetics_sql.runners import fused_ops as fo

        torch = self.torch
        F = torch.nn.functional
        s = self.spec
        b = tok.shape[0]
        sparse = self.method == "blocktopk"
        lens = (pos_t + 1).to(torch.int32).expand(b).contiguous()
        h = F.embedding(tok[:, 0], self.embed)  # [b, hidden], the residual stream, updated in place
        delta = None
        for i, w in enumerate(self.layers):
            if w is None:
                self.slot_flat[0].copy_(self.host_flat[i], non_blocking=True)
                w = self.slots[0]
            x = fo.add_rmsnorm(h, delta, w["in_norm"], self.eps)
            kc, vc = self.k_cache[i][:b], self.v_cache[i][:b]
            q = fo.qk_rope_write(F.linear(x, w["wqkv"]), w["q_norm"], w["k_norm"], self.cos, self.sin, pos_t, kc, vc,
                                 self.summ[i][:b] if sparse else None, self.bsum[i][:b] if sparse else None,
                                 eps=self.eps, hq=s.hq, hkv=s.hkv, block_size=self.block_size)
            idx = fo.select_blocks(q, self.summ[i][:b], pos_t, self.nsel, self.block_size) if sparse else None
            a = self._live_attention(b, q, kc, vc, lens, idx)
            x = fo.add_rmsnorm(h, F.linear(a.reshape(b, s.hq * s.head_dim), w["wo"]), w["post_norm"], self.eps)
            delta = F.linear(fo.silu_mul(F.linear(x, w["wgu"])), w["wd"])
        x = fo.add_rmsnorm(h, delta, self.final_norm, self.eps)
        tok.copy_(F.linear(x, self.lm_head).argmax(-1, keepdim=True))
        pos_t.add_(1)

    def capture(self, batch: int, span: int) -> Any:
        """A CUDA graph of step_static for this batch and span, with its token and position buffers."""
        torch = self.torch
        tok = torch.zeros(batch, 1, dtype=torch.long, device=self.device)
        pos_t = torch.zeros(1, dtype=torch.long, device=self.device)
        with torch.inference_mode():
            side = torch.cuda.Stream(self.device)
            side.wait_stream(torch.cuda.current_stream(self.device))
            with torch.cuda.stream(side):
                for _ in range(3):
                    self.step_static(tok, pos_t, span)
            torch.cuda.current_stream(self.device).wait_stream(side)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                self.step_static(tok, pos_t, span)
        return graph, tok, pos_t

    def forward(self, ids: Any, pos: int) -> Any:
        """Logits of the last position for token ids [batch, t] starting at position pos."""
        torch = self.torch
        F = torch.nn.functional
        h = F.embedding(ids, self.embed)
        if self.prefetch and self.offload:
            cur = torch.cuda.current_stream(self.device)
            events = [torch.cuda.Event(), torch.cuda.Event()]
            with torch.cuda.stream(self.copy_stream):
                self.slot_flat[0].copy_(self.host_flat[0], non_blocking=True)
                events[0].record(self.copy_stream)
        for i, w in enumerate(self.layers):
            if w is None:
                if self.prefetch:
                    assert self.copy_stream is not None
                    slot = i % 2
                    cur.wait_event(events[slot])
                    if i + 1 < self.offload:
                        nxt = (i + 1) % 2
                        self.copy_stream.wait_stream(cur)  # slot nxt was last read by layer i - 1
                        with torch.cuda.stream(self.copy_stream):
                            self.slot_flat[nxt].copy_(self.host_flat[i + 1], non_blocking=True)
                            events[nxt].record(self.copy_stream)
                    w = self.slots[slot]
                else:
                    self.slot_flat[0].copy_(self.host_flat[i], non_blocking=True)
                    w = self.slots[0]
            h = self._layer(i, w, h, pos)
        h = F.rms_norm(h[:, -1], (self.spec.hidden,), self.final_norm, self.eps)
        return F.linear(h, self.lm_head)

    def _sync(self) -> None:
        if self.device.type == "cuda":
            self.torch.cuda.synchronize(self.device)

    def generate(self, prompt: Any, gen: int, *, mode: str = "eager", method: str = "dense",
                 checkpoints: Sequence[int] = (), synthetic_prefill: bool = False) -> Timing:
        """Prefill prompt [batch, prompt_len] (eager), decode gen tokens greedily; times both.

        mode: eager (one Python-driven forward per token), static (the graph-capturable step, run
        eagerly) or graph (that step replayed as a CUDA graph, captured once per batch size).
        method: dense or blocktopk (static and graph modes, ``budget`` > 0).
        checkpoints: step counts at which the cumulative decode time is also taken (CUDA events on a
        GPU), returned in ``Timing.cumulative`` as (steps, seconds); ``gen`` is always the last.
        synthetic_prefill: fill the cache of the prompt's positions with random keys and values
        instead of running the prompt (prefill_s is then 0): for long-context decode measurements.
        """
        torch = self.torch
        b, p = prompt.shape
        if b > self.max_batch or p + gen > self.max_ctx:
            raise ValueError(f"batch {b} / context {p + gen} exceed the cache ({self.max_batch}, {self.max_ctx})")
        if method not in ("dense", "blocktopk"):
            raise ValueError(f"unknown attention method {method!r} (dense or blocktopk)")
        if method == "blocktopk" and (mode == "eager" or self.attn_impl != "live" or not self.budget):
            raise ValueError("block top-k decode needs mode static or graph, attn_impl live and a budget")
        self.method = method
        graph = None
        span = p + gen
        gkey = (b, span if self.attn_impl == "span" else 0, method, self.kernels)
        if mode == "graph":
            if gkey not in self._graphs:
                self._graphs[gkey] = self.capture(b, span)
            graph, tok_buf, pos_buf = self._graphs[gkey]
        marks = sorted({c for c in checkpoints if 0 < c < gen} | {gen})
        cuda = self.device.type == "cuda"
        if cuda:
            torch.cuda.reset_peak_memory_stats(self.device)
        with torch.inference_mode():
            self._sync()
            t0 = time.perf_counter()
            if synthetic_prefill:
                for i in range(self.spec.layers):
                    self.k_cache[i][:b, :, :p].normal_()
                    self.v_cache[i][:b, :, :p].normal_()
                tok = prompt[:, -1:].clone()
            else:
                tok = self.forward(prompt, 0).argmax(-1, keepdim=True)
            if method == "blocktopk":
                self.init_summaries(b, p)
            if mode != "eager":
                if graph is None:
                    tok_buf = tok.clone()
                    pos_buf = torch.zeros(1, dtype=torch.long, device=self.device)
                else:
                    tok_buf.copy_(tok)
                pos_buf.fill_(p)
            self._sync()
            t1 = time.perf_counter()
            events: list[tuple[int, Any]] = []
            start_ev = torch.cuda.Event(enable_timing=True) if cuda else None
            if start_ev is not None:
                start_ev.record()
            wall: list[tuple[int, float]] = []
            mi = 0
            for step in range(gen):
                if mode == "eager":
                    tok = self.forward(tok, p + step).argmax(-1, keepdim=True)
                elif graph is None:
                    self.step_static(tok_buf, pos_buf, span)
                else:
                    graph.replay()
                if step + 1 == marks[mi]:
                    if cuda:
                        ev = torch.cuda.Event(enable_timing=True)
                        ev.record()
                        events.append((step + 1, ev))
                    else:
                        wall.append((step + 1, time.perf_counter() - t1))
                    mi += 1
            self._sync()
            t2 = time.perf_counter()
            self.last_token = tok if mode == "eager" else tok_buf.clone()
        if cuda:
            assert start_ev is not None
            # CUDA events recorded on the stream after each checkpoint's step (the last one is the
            # same step as the synchronised host clock t2 - t1, which decode_s reports)
            cumulative = [(n, start_ev.elapsed_time(ev) / 1000.0) for n, ev in events]
        else:
            cumulative = wall
        peak = int(torch.cuda.max_memory_allocated(self.device)) if cuda else None
        return Timing(0.0 if synthetic_prefill else t1 - t0, t2 - t1, peak, cumulative)


def h2d_bandwidth(nbytes: int = 1 << 30) -> float | None:
    """Pinned host-to-device copy bandwidth in bytes/s (None without CUDA)."""
    import torch

    if not torch.cuda.is_available():
        return None
    src = torch.empty(nbytes, dtype=torch.uint8, pin_memory=True)
    dst = torch.empty(nbytes, dtype=torch.uint8, device="cuda")
    dst.copy_(src, non_blocking=True)
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(5):
        dst.copy_(src, non_blocking=True)
    torch.cuda.synchronize()
    return 5 * nbytes / (time.perf_counter() - t0)


def engine_version() -> str:
    import torch

    cuda = f" cuda {torch.version.cuda}" if torch.version.cuda else ""
    return f"torch {torch.__version__}{cuda}"


def sweep(
    spec: ModelSpec,
    writer: RecordWriter,
    *,
    offloads: list[int],
    batches: list[int],
    prompts: list[int],
    gens: list[int],
    device: str = "cuda",
    dtype: str = "bf16",
    repeats: int = 1,
    prefetch: bool = False,
    mode: str | None = None,
    seed: int = 0,
    runs: Sequence[tuple[int, int, int]] = (),
    attn_impl: str = "span",
    methods: Sequence[str] = ("dense",),
    budget: int = 0,
    block_size: int = 32,
    checkpoints: bool = False,
    synthetic_prefill: bool = False,
    kernels: Sequence[str] = ("torch",),
) -> list[dict[str, Any]]:
    """Every (batch, prompt, gen) of the grid (or ``runs``) for each offload depth k and method.

    The KV cache is allocated per run (batch x (prompt + gen)); with ``checkpoints`` each generation
    also records the cumulative decode time at 128, 256, ... steps (one record per checkpoint, with
    ``generation_tokens`` = gen).
    """
    import torch

    mode = mode or ("graph" if device.startswith("cuda") else "eager")
    if "fused" in kernels and (attn_impl != "live" or mode == "eager"):
        raise ValueError("--kernels fused needs --attn live and mode static or graph")
    if "blocktopk" in methods and not budget:
        raise ValueError("block top-k needs --budget")
    grid = list(runs) or [(b, p, g) for b in batches for p in prompts for g in gens]
    dev = device_name(use_gpu=device.startswith("cuda"))
    version = engine_version()
    bw = h2d_bandwidth() if device.startswith("cuda") else None
    out = []
    for k in offloads:
        t_build = time.perf_counter()
        b0, p0, g0 = grid[0]
        model = Qwen3Decoder(spec, device=device, dtype=dtype, offload=k, max_batch=b0, max_ctx=p0 + g0 + 1,
                             prefetch=prefetch, seed=seed, attn_impl=attn_impl, block_size=block_size,
                             budget=budget, kernels=kernels[0])
        build_s = time.perf_counter() - t_build
        g = torch.Generator().manual_seed(seed)
        for b, p, gen in grid:
            model.alloc_cache(b, p + gen + 1)
            for kern, method in [(kn, me) for kn in kernels for me in methods]:
                model.kernels = kern
                # warm-up (kernel selection, allocator, Triton compilation, graph capture), not recorded
                model.generate(torch.randint(1000, 150000, (b, p), generator=g).to(model.device), 3, mode=mode,
                               method=method, synthetic_prefill=synthetic_prefill)
                for rep in range(repeats):
                    prompt = torch.randint(1000, 150000, (b, p), generator=g).to(model.device)
                    marks = checkpoint_marks(gen) if checkpoints else [gen]
                    t = model.generate(prompt, gen, mode=mode, method=method, checkpoints=marks,
                                       synthetic_prefill=synthetic_prefill)
                    cum = dict(t.cumulative)
                    cum[gen] = t.decode_s
                    for n in marks:
                        dec = cum[n]
                        rec = writer.write({
                            "engine": "torch" if mode == "graph" else "torch-eager",
                            "engine_version": version,
                            "device": dev,
                            "model": spec.name,
                            "dtype": dtype,
                            "n_layers": spec.layers,
                            "n_gpu_layers": spec.layers - model.offload,
                            "layers_offloaded": model.offload,
                            "offload_mode": "stream" if model.offload else "none",
                            "offload_bytes": model.offload_bytes,
                            "offload_requested_bytes": model.offload_bytes,
                            "weight_bytes": model.weight_bytes,
                            "gpu_weight_bytes": model.weight_bytes - model.offload_bytes,
                            "batch": b,
                            "prompt_tokens": p,
                            "gen_tokens": n,
                            "generation_tokens": gen,
                            "prefill_batch": p,
                            "prefill_s": t.prefill_s,
                            "decode_s": dec,
                            "total_s": t.prefill_s + dec,
                            "tokens_per_s": b * n / dec,
                            "prefill_tokens_per_s": b * p / t.prefill_s if t.prefill_s > 0 else None,
                            "peak_vram_bytes": t.peak_vram_bytes,
                            "attention": method,
                            "budget": budget if method == "blocktopk" else None,
                            "block_size": block_size if method == "blocktopk" else None,
                            "repeat": rep,
                            "timing_source": ("cuda_synchronize+perf_counter" if n == gen else "cuda_events")
                            if model.device.type == "cuda" else "perf_counter",
                            "kv_cache_tokens": model.kv_cache_tokens,
                            # eager: SDPA over the live slice of the cache, one Python forward per token
                            "attention_backend": "sdpa_eager" if mode == "eager"
                            else (("triton_fused" if kern == "fused" else "triton_live")
                                  if model.device.type == "cuda" else "torch_live")
                            if attn_impl == "live" else "sdpa_span",
                            "cuda_graphs": mode == "graph",
                            "extra": {"prefetch": model.prefetch, "h2d_bytes_per_s": bw, "build_s": build_s,
                                      "layer_bytes": model.layer_bytes, "mode": mode, "graphs": mode == "graph",
                                      "attn_impl": attn_impl, "kernels": kern,
                                      "prefill": "synthetic_kv" if synthetic_prefill else "forward"},
                        })
                        out.append(rec)
                    print(f"{spec.name} k={k:3d} {kern} {method} batch={b} prompt={p} gen={gen}: "
                          f"prefill {t.prefill_s:.3f}s "
                          f"decode {t.decode_s:.3f}s = {b * gen / t.decode_s:.1f} tok/s "
                          f"({1000 * t.decode_s / gen:.2f} ms/step)", flush=True)
        del model
        if device.startswith("cuda"):
            torch.cuda.empty_cache()
    return out


def main(argv: list[str] | None = None) -> None:
    ap = cliargs.parser("torchdecode", __doc__)
    ap.add_argument("--model", required=True, help="catalog name (Qwen3-8B) or toy-qwen3")
    ap.add_argument("--device", default=None, help="cuda (default when available) or cpu")
    ap.add_argument("--dtype", default="bf16", choices=["bf16", "f16", "f32"])
    ap.add_argument("--offload", default=None, help="comma-separated k (layers streamed); default 0,L/4,L/2")
    ap.add_argument("--batch", default="1")
    ap.add_argument("--prompt", default="128")
    ap.add_argument("--gen", default="16,64")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--prefetch", action="store_true", help="eager mode: overlap the copy of layer i+1 with layer i")
    ap.add_argument("--mode", choices=["eager", "static", "graph"], default=None,
                    help="decode step: eager Python forward, static-shape step, or its CUDA graph (default on a GPU)")
    ap.add_argument("--runs", default="", help="BxPxG,... (batch x prompt x gen) instead of the grid")
    ap.add_argument("--attn", choices=list(ATTN_IMPLS), default="live",
                    help="decode attention of the static/graph step: live (the positions each sequence has written, "
                    "as serving engines do; default) or span (the run's whole cache span under a mask: the H100 files)")
    ap.add_argument("--method", default="dense", help="comma-separated: dense, blocktopk")
    ap.add_argument("--budget", type=int, default=0, help="block top-k: KV tokens attended per step")
    ap.add_argument("--block-size", type=int, default=32)
    ap.add_argument("--checkpoints", action="store_true",
                    help="also record the cumulative decode time at 128, 256, ... steps of each generation")
    ap.add_argument("--synthetic-prefill", action="store_true",
                    help="fill the prompt's KV cache with random values instead of running the prompt")
    ap.add_argument("--kernels", default="torch",
                    help="comma-separated: torch (torch ops, about 30 launches per layer) and/or fused (the Triton "
                    "kernels of runners/fused_triton.py, about 12 per layer; needs --attn live)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    import torch

    spec = checkpoints.resolve_spec(args.model)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    offloads = cliargs.ints(args.offload) if args.offload else [0, spec.layers // 4, spec.layers // 2]
    writer = RecordWriter(args.out, command=command_line("kinetics_sql.runners.torchdecode", argv))
    sweep(spec, writer, offloads=offloads, batches=cliargs.ints(args.batch), prompts=cliargs.ints(args.prompt),
          gens=cliargs.ints(args.gen), device=device, dtype=args.dtype, repeats=args.repeats, prefetch=args.prefetch,
          mode=args.mode, runs=cliargs.runs(args.runs), attn_impl=args.attn,
          methods=[m.strip() for m in args.method.split(",") if m.strip()], budget=args.budget,
          block_size=args.block_size, checkpoints=args.checkpoints, synthetic_prefill=args.synthetic_prefill,
          kernels=[x.strip() for x in args.kernels.split(",") if x.strip()])


if __name__ == "__main__":
    main()
