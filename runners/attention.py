"""One decode step of attention: dense (SDPA backends) against block top-k, with bytes/s vs the roofline.

Shapes are a model's (default Qwen3-8B: 32 query heads, 8 KV heads, head_dim 128, bf16). One decode
step has one query token per sequence; the KV cache holds ``context`` tokens.

- dense: ``scaled_dot_product_attention`` with the r = hq / hkv query heads of a KV head laid out
  as r query rows of that head (exact for one decode token, no mask), timed for each backend
  (flash, efficient, cudnn); it must read all of K and V once.
- blocktopk: the cache keeps one summary per block of ``block_size`` keys (their mean, maintained
  when a block fills, so not part of the step); the step scores the summaries with the query
  (summed over the r query heads of the KV head, so the r heads share one selection), takes the
  ``budget / block_size`` best blocks, gathers their keys and values and attends to them.

Two block top-k implementations: ``torch_gather`` (score, top-k, index_select the blocks into a
copy, SDPA on the copy) and ``triton_fused`` (runners/blocksparse_triton.py: the same selection,
then one kernel that reads the selected blocks in place with an online softmax; GPU only).

Times are medians over repeats of a CUDA graph replay (eager on the CPU), with a 256 MiB write
between repeats so that no input stays in the L2 cache. ``bytes_moved`` is the fewest bytes a
method must move (dense: K and V once; blocktopk: the summaries plus the selected K and V once);
``extra.impl_bytes`` counts what this unfused torch version moves (the gathered copy is written
and read again).

    python -m kinetics_sql.runners.attention --out warehouse/measurements/attention-h100.jsonl
    python -m kinetics_sql.runners.attention --device cpu --contexts 256 --batches 1 --budgets 64 \\
        --block-sizes 16 --out /tmp/a.jsonl
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from kinetics_sql.runners import cliargs
from kinetics_sql.runners.records import RecordWriter, command_line, device_name

HBM_DATASHEET = {"H100": 3.35e12, "H200": 4.8e12, "B200": 8.0e12, "A100": 2.04e12}


def gqa_view(q: Any, hkv: int) -> Any:
    """q [B, hq, d] -> [B, hkv, r, d]: the r query heads of each KV head as r query rows."""
    b, hq, d = q.shape
    return q.reshape(b, hkv, hq // hkv, d)


def dense_attention(q: Any, k: Any, v: Any) -> Any:
    """q [B, hq, d], k/v [B, hkv, T, d] -> [B, hq, d]."""
    import torch.nn.functional as F

    b, hq, d = q.shape
    out = F.scaled_dot_product_attention(gqa_view(q, k.shape[1]), k, v)
    return out.reshape(b, hq, d)


def block_summaries(k: Any, block_size: int) -> Any:
    """Mean key of each block: k [B, hkv, T, d] -> [B, hkv, T // block_size, d] (T a multiple)."""
    b, h, t, d = k.shape
    return k.view(b, h, t // block_size, block_size, d).mean(dim=3)


def select_blocks(q: Any, summaries: Any, topk: int) -> Any:
    """Indices [B, hkv, topk] of the blocks whose summaries score highest against q (summed over r heads)."""
    qg = gqa_view(q, summaries.shape[1])
    scores = (qg @ summaries.transpose(-1, -2)).sum(dim=2)  # [B, hkv, nb]
    return scores.topk(topk, dim=-1).indices


def gather_blocks(x: Any, idx: Any, block_size: int) -> Any:
    """x [B, hkv, T, d], idx [B, hkv, k] -> the selected blocks [B, hkv, k * block_size, d].

    Whole blocks are copied as rows of a [B * hkv * nb, block_size * d] view (index_select), so
    the index is read once per block, not once per element as torch.gather would.
    """
    import torch

    b, h, t, d = x.shape
    k = idx.shape[-1]
    nb = t // block_size
    base = (torch.arange(b * h, device=idx.device) * nb).view(b, h, 1)
    rows = (idx + base).reshape(-1)
    g = x.reshape(b * h * nb, block_size * d).index_select(0, rows)
    return g.view(b, h, k * block_size, d)


def blocktopk_attention(q: Any, k: Any, v: Any, summaries: Any, block_size: int, topk: int) -> Any:
    """One block top-k decode step; returns [B, hq, d]."""
    idx = select_blocks(q, summaries, topk)
    return dense_attention(q, gather_blocks(k, idx, block_size), gather_blocks(v, idx, block_size))


def live_attention_reference(q: Any, k: Any, v: Any, lens: Any, idx: Any | None = None, block_size: int = 64) -> Any:
    """Decode attention over the live context in plain torch (the semantics of runners/live_attention.py).

    q [B, hq, d]; k/v [B, hkv, T, d]; lens [B] (positions < lens[b] are live); idx [B, hkv, nsel]
    block indices of ``block_size`` tokens (block top-k) or None (dense) -> [B, hq, d].
    """
    import torch
    import torch.nn.functional as F

    b, hq, d = q.shape
    hkv, t = k.shape[1], k.shape[2]
    qg = gqa_view(q, hkv)
    if idx is None:
        pos = torch.arange(t, device=q.device).view(1, 1, 1, t)
        mask = pos < lens.view(b, 1, 1, 1).to(pos.dtype)
        out = F.scaled_dot_product_attention(qg, k, v, attn_mask=mask)
    else:
        nsel = idx.shape[-1]
        kk = gather_blocks(k, idx.long(), block_size)
        vv = gather_blocks(v, idx.long(), block_size)
        rows = (idx.long().unsqueeze(-1) * block_size
                + torch.arange(block_size, device=q.device)).reshape(b, hkv, 1, nsel * block_size)
        mask = rows < lens.view(b, 1, 1, 1).to(rows.dtype)
        out = F.scaled_dot_product_attention(qg, kk, vv, attn_mask=mask)
    return out.reshape(b, hq, d)


def naive_attention(q: Any, k: Any, v: Any) -> Any:
    """Reference in float64 with explicit softmax: q [B, hq, d], k/v [B, hkv, T, d] -> [B, hq, d]."""
    import torch

    q, k, v = q.double(), k.double(), v.double()
    _, hq, d = q.shape
    r = hq // k.shape[1]
    kk = k.repeat_interleave(r, dim=1)  # [B, hq, T, d]
    vv = v.repeat_interleave(r, dim=1)
    s = torch.einsum("bhd,bhtd->bht", q, kk) / d**0.5
    p = torch.softmax(s, dim=-1)
    return torch.einsum("bht,bhtd->bhd", p, vv)


def naive_blocktopk(q: Any, k: Any, v: Any, block_size: int, topk: int) -> Any:
    """Reference block top-k in float64 with loops over sequences and KV heads."""
    import torch

    q, k, v = q.double(), k.double(), v.double()
    b, hq, d = q.shape
    hkv, t = k.shape[1], k.shape[2]
    r = hq // hkv
    out = torch.empty(b, hq, d, dtype=torch.float64)
    for i in range(b):
        for h in range(hkv):
            qh = q[i, h * r:(h + 1) * r]  # [r, d]
            summ = k[i, h].view(t // block_size, block_size, d).mean(dim=1)  # [nb, d]
            score = (qh @ summ.T).sum(dim=0)
            blocks = sorted(torch.argsort(score, descending=True)[:topk].tolist())
            tok = torch.cat([torch.arange(j * block_size, (j + 1) * block_size) for j in blocks])
            s = (qh @ k[i, h, tok].T) / d**0.5
            out[i, h * r:(h + 1) * r] = torch.softmax(s, dim=-1) @ v[i, h, tok]
    return out


def rel_error(out: Any, ref: Any) -> float:
    return float((out.double() - ref).norm() / ref.norm())


def dense_bytes(b: int, hq: int, hkv: int, t: int, d: int, el: int) -> int:
    return el * b * d * (2 * hkv * t + 2 * hq)


def blocktopk_bytes(b: int, hq: int, hkv: int, t: int, d: int, el: int, block_size: int, budget: int) -> int:
    """Fewest bytes: summaries once, the selected K and V once, q and out."""
    return el * b * d * (hkv * (t // block_size) + 2 * hkv * budget + 2 * hq)


def blocktopk_impl_bytes(b: int, hq: int, hkv: int, t: int, d: int, el: int, block_size: int, budget: int) -> int:
    """What the unfused torch version moves: the gathered K/V is read, written, then read again."""
    return el * b * d * (hkv * (t // block_size) + 6 * hkv * budget + 2 * hq)


class Timer:
    """Median time of fn: CUDA graph replays with an L2 flush in between (CUDA), or perf_counter (CPU)."""

    def __init__(self, device: Any, repeats: int = 30, warmup: int = 3, graphs: bool = True) -> None:
        import torch

        self.torch = torch
        self.device = device
        self.repeats, self.warmup = repeats, warmup
        self.cuda = device.type == "cuda"
        self.graphs = graphs and self.cuda
        self.flush = torch.empty(256 << 20, dtype=torch.uint8, device=device) if self.cuda else None

    def __call__(self, fn: Callable[[], Any]) -> tuple[float, str]:
        torch = self.torch
        if not self.cuda:
            for _ in range(self.warmup):
                fn()
            ts = []
            for _ in range(self.repeats):
                t0 = time.perf_counter()
                fn()
                ts.append(time.perf_counter() - t0)
            return statistics.median(ts), "perf_counter"
        run = fn
        source = "cuda_events"
        if self.graphs:
            s = torch.cuda.Stream()
            s.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(s):
                for _ in range(self.warmup):
                    fn()
            torch.cuda.current_stream().wait_stream(s)
            try:
                g = torch.cuda.CUDAGraph()
                with torch.cuda.graph(g):
                    fn()
                run = g.replay
                source = "cuda_graph_replay+events"
            except Exception as exc:  # a backend that cannot be captured: time it eagerly
                print(f"  graph capture failed ({type(exc).__name__}: {exc}); timing eagerly", flush=True)
                torch.cuda.synchronize()
        for _ in range(self.warmup):
            run()
        starts = [torch.cuda.Event(enable_timing=True) for _ in range(self.repeats)]
        ends = [torch.cuda.Event(enable_timing=True) for _ in range(self.repeats)]
        assert self.flush is not None
        for i in range(self.repeats):
            self.flush.zero_()
            starts[i].record()
            run()
            ends[i].record()
        torch.cuda.synchronize()
        return statistics.median(s.elapsed_time(e) / 1000.0 for s, e in zip(starts, ends, strict=True)), source


def copy_bandwidth(device: Any, nbytes: int = 2 << 30) -> float | None:
    """Device-to-device copy bandwidth (bytes read + written per second)."""
    import torch

    if device.type != "cuda":
        return None
    a = torch.empty(nbytes, dtype=torch.uint8, device=device)
    b = torch.empty_like(a)
    b.copy_(a)
    torch.cuda.synchronize()
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    ts = []
    for _ in range(10):
        s.record()
        b.copy_(a)
        e.record()
        torch.cuda.synchronize()
        ts.append(s.elapsed_time(e) / 1000.0)
    return float(2 * nbytes / statistics.median(ts))


def datasheet_roofline(name: str) -> float | None:
    for key, bw in HBM_DATASHEET.items():
        if key in name:
            return bw
    return None


def run_grid(
    writer: RecordWriter,
    *,
    device: str,
    contexts: list[int],
    batches: list[int],
    budgets: list[int],
    block_sizes: list[int],
    hq: int = 32,
    hkv: int = 8,
    head_dim: int = 128,
    model: str | None = "Qwen3-8B",
    dtype: str = "bf16",
    repeats: int = 30,
    backends: list[str] | None = None,
    graphs: bool = True,
    check: bool = True,
    triton: bool = True,
    seed: int = 0,
) -> list[dict[str, Any]]:
    import torch
    from torch.nn.attention import SDPBackend, sdpa_kernel

    dev = torch.device(device)
    tdtype = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32}[dtype]
    el = torch.tensor([], dtype=tdtype).element_size()
    dname = device_name(use_gpu=dev.type == "cuda")
    version = f"torch {torch.__version__}" + (f" cuda {torch.version.cuda}" if torch.version.cuda else "")
    roof = datasheet_roofline(dname) if dev.type == "cuda" else None
    copy_bw = copy_bandwidth(dev)
    if backends is None:
        backends = ["flash", "efficient", "cudnn"] if dev.type == "cuda" else ["math"]
    kernels = {"flash": SDPBackend.FLASH_ATTENTION, "efficient": SDPBackend.EFFICIENT_ATTENTION,
               "cudnn": SDPBackend.CUDNN_ATTENTION, "math": SDPBackend.MATH}
    timer = Timer(dev, repeats=repeats, graphs=graphs)
    blocktopk_impls = ["torch_gather"]
    fused: Callable[..., Any] | None = None
    if dev.type == "cuda" and triton:
        try:
            from kinetics_sql.runners.blocksparse_triton import blocksparse_decode

            fused = blocksparse_decode
            blocktopk_impls.append("triton_fused")
        except ImportError as exc:
            print(f"no fused Triton kernel ({exc})", flush=True)
    gen = torch.Generator(device=dev).manual_seed(seed)
    common = {"engine_version": version, "device": dname, "model": model, "dtype": dtype, "hq": hq, "hkv": hkv,
              "head_dim": head_dim, "repeat": 0}
    extra_common = {"copy_bytes_per_s": copy_bw, "roofline": "datasheet HBM" if roof else None}
    out: list[dict[str, Any]] = []
    for t in contexts:
        for b in batches:
            q = torch.randn(b, hq, head_dim, device=dev, dtype=tdtype, generator=gen)
            k = torch.randn(b, hkv, t, head_dim, device=dev, dtype=tdtype, generator=gen)
            v = torch.randn(b, hkv, t, head_dim, device=dev, dtype=tdtype, generator=gen)
            ref = naive_attention(q[:1].cpu(), k[:1].cpu(), v[:1].cpu()) if check else None
            best: float | None = None
            nbytes = dense_bytes(b, hq, hkv, t, head_dim, el)
            for name in backends:
                def fn(name: str = name, q: Any = q, k: Any = k, v: Any = v) -> Any:
                    with sdpa_kernel([kernels[name]]):
                        return dense_attention(q, k, v)
                try:
                    res = fn()
                    secs, source = timer(fn)
                except RuntimeError as exc:
                    print(f"  dense/{name} unavailable at B={b} T={t}: {str(exc).splitlines()[0]}", flush=True)
                    continue
                err = rel_error(res[:1].cpu(), ref) if ref is not None else None
                best = secs if best is None else min(best, secs)
                rec = writer.write({**common, "method": "dense", "impl": f"sdpa_{name}", "batch": b, "context": t,
                                    "time_s": secs, "bytes_moved": nbytes, "bytes_per_s": nbytes / secs,
                                    "roofline_bytes_per_s": roof,
                                    "roofline_fraction": nbytes / secs / roof if roof else None,
                                    "max_rel_error": err, "timing_source": source,
                                    "extra": {**extra_common, "copy_fraction": nbytes / secs / copy_bw if copy_bw
                                              else None}}, kind="attention")
                out.append(rec)
                print(f"T={t:6d} B={b:3d} dense/{name:9s} {secs * 1e6:9.1f} us {nbytes / secs / 1e12:6.3f} TB/s"
                      + (f" ({100 * rec['roofline_fraction']:.0f}% of roofline)" if roof else ""), flush=True)
            for bs in block_sizes:
                if t % bs:
                    continue
                summ = block_summaries(k, bs)
                for budget in budgets:
                    topk = budget // bs
                    if topk < 1 or budget > t:
                        continue
                    for impl in blocktopk_impls:
                        def fn2(bs: int = bs, topk: int = topk, summ: Any = summ, q: Any = q, k: Any = k,
                                v: Any = v, impl: str = impl) -> Any:
                            if impl == "triton_fused" and fused is not None:
                                return fused(q, k, v, select_blocks(q, summ, topk), bs)
                            with sdpa_kernel([kernels[x] for x in backends]):
                                return blocktopk_attention(q, k, v, summ, bs, topk)
                        res = fn2()
                        secs, source = timer(fn2)
                        err = None
                        if check:
                            idx = select_blocks(q[:1], summ[:1], topk)
                            sub_ref = naive_attention(q[:1].cpu(), gather_blocks(k[:1], idx, bs).cpu(),
                                                      gather_blocks(v[:1], idx, bs).cpu())
                            err = rel_error(res[:1].cpu(), sub_ref)
                        mb = blocktopk_bytes(b, hq, hkv, t, head_dim, el, bs, budget)
                        impl_bytes = mb if impl == "triton_fused" else blocktopk_impl_bytes(
                            b, hq, hkv, t, head_dim, el, bs, budget)
                        rec = writer.write({**common, "method": "blocktopk", "impl": impl, "batch": b,
                                            "context": t, "budget": budget, "block_size": bs, "topk_blocks": topk,
                                            "time_s": secs, "bytes_moved": mb, "bytes_per_s": mb / secs,
                                            "roofline_bytes_per_s": roof,
                                            "roofline_fraction": mb / secs / roof if roof else None,
                                            "speedup_vs_dense": best / secs if best else None, "max_rel_error": err,
                                            "timing_source": source,
                                            "extra": {**extra_common, "impl_bytes": impl_bytes,
                                                      "selection": "sum over the r query heads of a KV head"}},
                                           kind="attention")
                        out.append(rec)
                        print(f"T={t:6d} B={b:3d} blocktopk/{impl:12s} bs={bs:3d} budget={budget:5d} "
                              f"{secs * 1e6:9.1f} us x{rec['speedup_vs_dense'] or 0:.2f} vs dense"
                              + (f" err {err:.1e}" if err is not None else ""), flush=True)
            if dev.type == "cuda":
                torch.cuda.empty_cache()
    return out


def main(argv: list[str] | None = None) -> None:
    ap = cliargs.parser("attention", __doc__)
    ap.add_argument("--device", default=None)
    ap.add_argument("--model", default="Qwen3-8B", help="whose attention shapes (catalog name)")
    ap.add_argument("--contexts", default="4096,8192,16384,32768")
    ap.add_argument("--batches", default="1,4,16,64")
    ap.add_argument("--budgets", default="256,512,1024,2048")
    ap.add_argument("--block-sizes", default="16,64")
    ap.add_argument("--backends", default=None, help="comma-separated SDPA backends (flash,efficient,cudnn,math)")
    ap.add_argument("--dtype", default="bf16")
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--no-graphs", action="store_true")
    ap.add_argument("--no-check", action="store_true")
    ap.add_argument("--no-triton", action="store_true", help="skip the fused Triton block-sparse kernel")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    import torch

    from kinetics_sql.runners.checkpoints import resolve_spec

    spec = resolve_spec(args.model)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    writer = RecordWriter(args.out, command=command_line("kinetics_sql.runners.attention", argv))
    run_grid(writer, device=device, contexts=cliargs.ints(args.contexts), batches=cliargs.ints(args.batches),
             budgets=cliargs.ints(args.budgets), block_sizes=cliargs.ints(args.block_sizes), hq=spec.hq, hkv=spec.hkv,
             head_dim=spec.head_dim, model=spec.name, dtype=args.dtype, repeats=args.repeats,
             backends=args.backends.split(",") if args.backends else None, graphs=not args.no_graphs,
             check=not args.no_check, triton=not args.no_triton)


if __name__ == "__main__":
    main()
