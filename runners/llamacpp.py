"""llama.cpp decode latency (llama-cpp-python) across n_gpu_layers, prompt and generation lengths.

Times come from llama.cpp's own counters (``llama_perf_context``: ``t_p_eval_ms`` for the prompt,
``t_eval_ms`` for the single-token decode steps, which llama.cpp closes at synchronisation).
Generation ignores EOS: exactly ``gen`` tokens are decoded greedily (argmax of the logits).
The model is a GGUF file with random weights built from the catalog when it does not exist.

llama.cpp places layers by ``n_gpu_layers`` = g: the output layer goes to the GPU once g >= 1 and
the last g - 1 repeating layers follow it (g = layers + 1 puts everything on the GPU; the token
embedding lookup always stays on the CPU). The record keeps g as passed and derives
``layers_offloaded`` (repeating layers computed by the CPU) and ``offload_bytes`` (their weights,
plus the output matrix when g = 0): those bytes are read from host memory once per forward pass.

    python -m kinetics_sql.runners.llamacpp --model Qwen3-8B --gguf-dir /tmp/gguf \\
        --ngl 0,10,19,28,37 --prompt 128 --gen 64,128,256 --out warehouse/measurements/llamacpp-h100.jsonl
    python -m kinetics_sql.runners.llamacpp --model toy-qwen3 --gguf-dir /tmp/gguf --ngl 0 --gen 8,16 --out /tmp/m.jsonl
"""

from __future__ import annotations

# llama_cpp must be loaded before numpy: with numpy's OpenBLAS loaded first, llama.cpp's CUDA build
# (OpenMP CPU backend) crashed on the H100 machine at the first CPU-side Llama(); CPU-only builds did not.
import contextlib

with contextlib.suppress(ImportError):  # the module stays importable (placement arithmetic) without the engine
    import llama_cpp  # noqa: F401

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from kinetics_sql.catalog import ModelSpec
from kinetics_sql.facts.dtypes import BYTES_PER_ELEMENT
from kinetics_sql.facts.llamacpp_placement import offload_bytes, placement
from kinetics_sql.runners import checkpoints, cliargs
from kinetics_sql.runners.records import RecordWriter, command_line, device_name, gpu_memory_used

BYTES = BYTES_PER_ELEMENT


def default_depths(layers: int, count: int = 5) -> list[int]:
    """count n_gpu_layers values from 0 (all CPU) to layers + 1 (all GPU), evenly spaced."""
    return sorted({round(i * (layers + 1) / (count - 1)) for i in range(count)})


def ensure_gguf(spec: ModelSpec, gguf: str | None, gguf_dir: str | None, dtype: str) -> tuple[Path, bool]:
    """Path of the model's GGUF and whether this call built it."""
    if gguf:
        return Path(gguf), False
    d = Path(gguf_dir or os.environ.get("KINETICS_GGUF_DIR", "/tmp/kinetics-gguf"))
    path = d / f"{spec.name.lower()}-{dtype}.gguf"
    if path.exists():
        return path, False
    t0 = time.perf_counter()
    checkpoints.write_gguf(spec, path, dtype=dtype)
    print(f"built {path} ({path.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - t0:.1f} s", flush=True)
    return path, True


def engine_version() -> str:
    import llama_cpp

    return f"llama-cpp-python {llama_cpp.__version__}"


def gpu_offload_supported() -> bool:
    import llama_cpp

    return bool(llama_cpp.llama_supports_gpu_offload())


def load(path: Path, n_gpu_layers: int, n_ctx: int, n_batch: int, threads: int, flash_attn: bool) -> Any:
    from llama_cpp import Llama

    return Llama(
        model_path=str(path),
        n_gpu_layers=n_gpu_layers,
        n_ctx=n_ctx,
        n_batch=n_batch,
        n_ubatch=n_batch,
        n_threads=threads,
        n_threads_batch=threads,
        flash_attn=flash_attn,
        logits_all=False,
        verbose=False,
        seed=0,
    )


def generate(llm: Any, prompt: list[int], gen: int) -> dict[str, float]:
    """Prefill the prompt, decode ``gen`` tokens greedily; llama.cpp's perf counters and wall times."""
    import llama_cpp

    ctx = llm._ctx.ctx
    llm.reset()
    llm._ctx.kv_cache_clear()
    llama_cpp.llama_perf_context_reset(ctx)
    n_vocab = llm.n_vocab()
    t0 = time.perf_counter()
    llm.eval(prompt)
    logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx, -1), shape=(n_vocab,))
    tok = int(np.argmax(logits))
    t1 = time.perf_counter()
    for _ in range(gen):
        llm.eval([tok])
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx, -1), shape=(n_vocab,))
        tok = int(np.argmax(logits))
    t2 = time.perf_counter()
    perf = llama_cpp.llama_perf_context(ctx)
    if perf.n_eval != gen:
        raise RuntimeError(f"llama.cpp counted {perf.n_eval} decode steps, expected {gen}")
    return {
        "prefill_s": perf.t_p_eval_ms / 1000.0,
        "decode_s": perf.t_eval_ms / 1000.0,
        "n_p_eval": float(perf.n_p_eval),
        "n_eval": float(perf.n_eval),
        "prefill_wall_s": t1 - t0,
        "decode_wall_s": t2 - t1,
    }


def sweep(
    spec: ModelSpec,
    gguf_path: Path,
    writer: RecordWriter,
    *,
    depths: list[int],
    prompts: list[int],
    gens: list[int],
    dtype: str,
    repeats: int = 1,
    n_batch: int = 512,
    threads: int | None = None,
    flash_attn: bool | None = None,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Measure every (n_gpu_layers, prompt, gen, repeat); returns the records written."""
    threads = threads or os.cpu_count() or 1
    gpu = gpu_offload_supported()
    device = device_name(use_gpu=gpu, via_torch=False)
    version = engine_version()
    n_ctx = max(prompts) + max(gens) + 16
    rng = np.random.default_rng(seed)
    out = []
    for ngl in depths:
        fa = bool(gpu and ngl > 0) if flash_attn is None else flash_attn
        base_mem = gpu_memory_used() if gpu else None
        t_load = time.perf_counter()
        llm = load(gguf_path, ngl, n_ctx, n_batch, threads, fa)
        load_s = time.perf_counter() - t_load
        generate(llm, [int(x) for x in rng.integers(1000, 150000, size=8)], 4)  # warm-up, not recorded
        cpu_layers, off_bytes = offload_bytes(spec, ngl, dtype, gpu)
        for prompt_len in prompts:
            for gen in gens:
                for rep in range(repeats):
                    prompt = [int(x) for x in rng.integers(1000, 150000, size=prompt_len)]
                    t = generate(llm, prompt, gen)
                    used = gpu_memory_used() if gpu else None
                    rec = writer.write({
                        "engine": "llama.cpp",
                        "engine_version": version,
                        "device": device,
                        "model": spec.name,
                        "dtype": dtype,
                        "n_layers": spec.layers,
                        "n_gpu_layers": ngl,
                        "layers_offloaded": cpu_layers,
                        "offload_mode": "cpu_compute" if off_bytes else "none",
                        "offload_bytes": off_bytes,
                        "weight_bytes": int(spec.params * BYTES[dtype]),
                        "batch": 1,
                        "prompt_tokens": prompt_len,
                        "gen_tokens": gen,
                        "prefill_batch": n_batch,
                        "prefill_s": t["prefill_s"],
                        "decode_s": t["decode_s"],
                        "total_s": t["prefill_s"] + t["decode_s"],
                        "tokens_per_s": gen / t["decode_s"],
                        "prefill_tokens_per_s": prompt_len / t["prefill_s"] if t["prefill_s"] > 0 else None,
                        "peak_vram_bytes": (used - base_mem) if used is not None and base_mem is not None else None,
                        "attention": "dense",
                        "repeat": rep,
                        "timing_source": "llama_perf_context",
                        "extra": {
                            "n_ctx": n_ctx,
                            "n_threads": threads,
                            "flash_attn": fa,
                            "gpu_offload_supported": gpu,
                            "output_on_gpu": gpu and placement(spec, ngl)[1],
                            "load_s": load_s,
                            "prefill_wall_s": t["prefill_wall_s"],
                            "decode_wall_s": t["decode_wall_s"],
                            "gguf": gguf_path.name,
                        },
                    })
                    out.append(rec)
                    print(f"{spec.name} ngl={ngl:3d} prompt={prompt_len} gen={gen}: prefill {t['prefill_s']:.3f}s"
                          f" decode {t['decode_s']:.3f}s = {rec['tokens_per_s']:.1f} tok/s", flush=True)
        del llm
    return out


def main(argv: list[str] | None = None) -> None:
    ap = cliargs.parser("llamacpp", __doc__)
    ap.add_argument("--model", required=True, help="catalog name (Qwen3-8B) or toy-qwen3")
    ap.add_argument("--gguf", help="an existing GGUF file (else built into --gguf-dir)")
    ap.add_argument("--gguf-dir", help="where GGUF files are built and kept (default $KINETICS_GGUF_DIR or /tmp)")
    ap.add_argument("--delete-gguf", action="store_true", help="delete the GGUF afterwards if this run built it")
    ap.add_argument("--dtype", default="f16", choices=["f16", "bf16", "f32"])
    ap.add_argument("--ngl", help="comma-separated n_gpu_layers (default: 5 depths from 0 to layers + 1)")
    ap.add_argument("--depths", type=int, default=5, help="number of default depths")
    ap.add_argument("--prompt", default="128", help="comma-separated prompt lengths")
    ap.add_argument("--gen", default="64,128,256", help="comma-separated generation lengths")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--n-batch", type=int, default=512)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--flash-attn", choices=["auto", "on", "off"], default="auto",
                    help="auto: on whenever layers run on the GPU")
    ap.add_argument("--out", required=True, help="JSONL file the records are appended to")
    args = ap.parse_args(argv)
    spec = checkpoints.resolve_spec(args.model)
    path, built = ensure_gguf(spec, args.gguf, args.gguf_dir, args.dtype)
    depths = cliargs.ints(args.ngl) if args.ngl else default_depths(spec.layers, args.depths)
    writer = RecordWriter(args.out, command=command_line("kinetics_sql.runners.llamacpp", argv))
    try:
        sweep(spec, path, writer, depths=depths, prompts=cliargs.ints(args.prompt), gens=cliargs.ints(args.gen),
              dtype=args.dtype, repeats=args.repeats, n_batch=args.n_batch, threads=args.threads,
              flash_attn=None if args.flash_attn == "auto" else args.flash_attn == "on")
    finally:
        if built and args.delete_gguf:
            path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
