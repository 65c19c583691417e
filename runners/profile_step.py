"""Per-kernel profile of the torch runner's CUDA-graph decode step: where one step's time goes.

For each (batch x context, method, kernels) the step is captured as a CUDA graph over a synthetic
prompt cache (as the block top-k measurements are), timed by CUDA events over ``--steps`` replays,
then replayed again under torch.profiler (CUPTI sees the kernels inside the graph): kernel launches
per step, GPU time per step by kernel and by category, against the step's memory floor (weights +
KV read, + block summaries for block top-k) at the device-to-device copy bandwidth measured here.

    python -m kinetics_sql.runners.profile_step --model Qwen3-8B --runs 4x16384,16x32768 --budget 1024 \\
        --block-size 32 --kernels torch,fused --method dense,blocktopk --out profile-h200.json
"""

from __future__ import annotations

import json
import time
from typing import Any

from kinetics_sql.runners import checkpoints, cliargs
from kinetics_sql.runners.records import device_name
from kinetics_sql.runners.torchdecode import Qwen3Decoder, engine_version

CATEGORIES = (  # first match wins; names are lower-cased
    ("selection", ("_score_blocks", "_topk_blocks", "_select_blocks", "topk", "sort", "radix", "bitonic")),
    ("attention", ("_live_decode", "_combine")),
    ("gemm", ("gemm", "gemv", "nvjet", "cutlass", "xmma", "splitk", "sm90_")),
    ("fused norm/rope/act", ("_add_rmsnorm", "_qk_rope_write", "_silu_mul")),
    ("copy", ("memcpy", "memset")),
)


def category(name: str) -> str:
    low = name.lower()
    for cat, keys in CATEGORIES:
        if any(k in low for k in keys):
            return cat
    return "torch elementwise/other"


def copy_bandwidth(nbytes: int = 4 << 30) -> float:
    """Device-to-device copy bandwidth, bytes read + written per second (median of 10)."""
    import torch

    src = torch.empty(nbytes, dtype=torch.uint8, device="cuda")
    dst = torch.empty_like(src)
    dst.copy_(src)
    times = []
    for _ in range(10):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        dst.copy_(src)
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b) / 1000)
    del src, dst
    torch.cuda.empty_cache()
    return 2 * nbytes / float(sorted(times)[len(times) // 2])


def profile_one(model: Qwen3Decoder, b: int, ctx: int, method: str, kernels: str, steps: int) -> dict[str, Any]:
    import torch
    from torch.profiler import ProfilerActivity, profile

    model.alloc_cache(b, ctx + 2 * steps + 8)
    model.kernels = kernels
    prompt = torch.randint(1000, 150000, (b, ctx), device=model.device)
    model.generate(prompt, 3, mode="graph", method=method, synthetic_prefill=True)  # fills, captures, warms
    graph, _tok, pos = model._graphs[(b, 0, method, kernels)]
    times = []
    with torch.inference_mode():
        for _ in range(3):
            pos.fill_(ctx)
            a, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            a.record()
            for _ in range(steps):
                graph.replay()
            e.record()
            e.synchronize()
            times.append(a.elapsed_time(e) / steps)
        pos.fill_(ctx)
        torch.cuda.synchronize()
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            for _ in range(steps):
                graph.replay()
            torch.cuda.synchronize()
    kern: dict[str, list[float]] = {}
    for ev in prof.events():
        if str(getattr(ev, "device_type", "")).endswith("CUDA"):
            kern.setdefault(ev.name, []).append(ev.time_range.elapsed_us())
    launches = sum(len(v) for v in kern.values()) / steps
    per = sorted(((n, sum(v) / steps / 1000, len(v) / steps) for n, v in kern.items()), key=lambda x: -x[1])
    cats: dict[str, list[float]] = {}
    for n, ms, calls in per:
        c = cats.setdefault(category(n), [0.0, 0.0])
        c[0] += ms
        c[1] += calls
    s = model.spec
    kv_tok = 2 * s.hkv * s.head_dim * 2 * s.layers  # bytes of K and V per token over all layers (bf16)
    live = ctx + steps // 2
    if method == "blocktopk":
        read = b * min(model.budget, live) * kv_tok + b * (live // model.block_size) * kv_tok // 2
    else:
        read = b * live * kv_tok
    return {
        "model": s.name, "batch": b, "context": ctx, "method": method, "kernels": kernels,
        "budget": model.budget if method == "blocktopk" else None,
        "block_size": model.block_size if method == "blocktopk" else None,
        "steps": steps, "step_ms": sorted(times)[1], "step_ms_runs": times,
        "kernel_ms_per_step": sum(ms for _, ms, _ in per), "launches_per_step": launches,
        "bytes_per_step": model.weight_bytes + read,
        "by_category": {c: {"ms_per_step": v[0], "launches_per_step": v[1]} for c, v in
                        sorted(cats.items(), key=lambda kv: -kv[1][0])},
        "kernels_top": [{"name": n[:120], "ms_per_step": ms, "calls_per_step": calls} for n, ms, calls in per[:25]],
    }


def main(argv: list[str] | None = None) -> None:
    ap = cliargs.parser("profile_step", __doc__)
    ap.add_argument("--model", default="Qwen3-8B")
    ap.add_argument("--runs", default="4x16384,16x16384,4x32768,16x32768", help="BATCHxCONTEXT,...")
    ap.add_argument("--method", default="dense,blocktopk")
    ap.add_argument("--kernels", default="torch,fused")
    ap.add_argument("--budget", type=int, default=1024)
    ap.add_argument("--block-size", type=int, default=32)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    import torch

    spec = checkpoints.resolve_spec(args.model)
    runs = [tuple(int(x) for x in r.lower().split("x")) for r in args.runs.split(",") if r.strip()]
    methods = [m for m in args.method.split(",") if m]
    kernels = [k for k in args.kernels.split(",") if k]
    bw = copy_bandwidth()
    b0, c0 = runs[0]
    model = Qwen3Decoder(spec, device="cuda", max_batch=b0, max_ctx=c0 + 2 * args.steps + 8, attn_impl="live",
                         budget=args.budget, block_size=args.block_size, kernels=kernels[0])
    out: dict[str, Any] = {
           "device": device_name(use_gpu=True), "engine_version": engine_version(), "copy_bytes_per_s": bw,
           "command": "python -m kinetics_sql.runners.profile_step " + " ".join(argv or []),
           "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "profiles": []}
    for b, ctx in runs:
        for kern in kernels:
            for method in methods:
                try:
                    p = profile_one(model, b, ctx, method, kern, args.steps)
                except Exception as e:  # one failing configuration must not cost the others' device time
                    print(f"b={b} ctx={ctx} {kern} {method}: FAILED {type(e).__name__}: {e}", flush=True)
                    continue
                p["floor_ms"] = 1000 * p["bytes_per_step"] / bw
                out["profiles"].append(p)
                cats = ", ".join(f"{c} {v['ms_per_step']:.2f}ms/{v['launches_per_step']:.0f}"
                                 for c, v in p["by_category"].items())
                print(f"b={b} ctx={ctx} {kern:5s} {method:9s} step {p['step_ms']:.2f} ms (kernels "
                      f"{p['kernel_ms_per_step']:.2f}, floor {p['floor_ms']:.2f}), {p['launches_per_step']:.0f} "
                      f"launches: {cats}", flush=True)
                with open(args.out, "w") as f:
                    json.dump(out, f, indent=1)
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
