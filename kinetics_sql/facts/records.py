"""The measurement record schema: one JSON object per line, written by every runner, read by ingest.

Two kinds share a file format:

- ``kind = "decode"`` (the default) goes to the ``measurements`` table: one timed generation of
  ``gen_tokens`` tokens for each of ``batch`` sequences after a prompt of ``prompt_tokens``;
- ``kind = "attention"`` goes to ``attention_bench``: one timed decode step of attention alone.

The columns of both tables (queries/migrations) are checked against these field lists by a test.
"""

from __future__ import annotations

from typing import Any

# name -> (type, required). Types: str, int, float, bool, json (any JSON value).
DECODE_FIELDS: dict[str, tuple[str, bool]] = {
    "run_id": ("str", True),  # one invocation of a runner (a sweep)
    "seq": ("int", True),  # index of the record inside its run
    "engine": ("str", True),  # llama.cpp | torch (CUDA-graph decode) | torch-eager | vllm
    "engine_version": ("str", True),  # e.g. "llama-cpp-python 0.3.36" or "torch 2.11.0+cu130"
    "device": ("str", True),  # torch.cuda.get_device_name() or "cpu: <processor>"
    "host": ("str", True),
    "model": ("str", True),  # a catalog name (Qwen3-8B) or a toy name (toy-qwen3)
    "dtype": ("str", True),  # f16 | bf16 | f32
    "n_layers": ("int", True),  # layers of the model as run
    "n_gpu_layers": ("int", False),  # layers whose weights live on the GPU
    "layers_offloaded": ("int", True),  # layers whose weights live in host memory (n_layers - n_gpu_layers)
    "offload_mode": ("str", True),  # none | cpu_compute (llama.cpp) | stream (torch, vLLM cpu_offload_gb)
    "offload_bytes": ("int", True),  # bytes of the offloaded layers' weights (moved or computed per forward)
    "weight_bytes": ("int", False),  # bytes of all weights as run
    "batch": ("int", True),  # sequences decoded together (n of best-of-n)
    "prompt_tokens": ("int", True),
    "gen_tokens": ("int", True),  # tokens generated per sequence (EOS ignored)
    "prefill_batch": ("int", False),  # tokens per forward pass in prefill (llama.cpp n_batch)
    "prefill_s": ("float", True),
    "decode_s": ("float", True),  # time for the gen_tokens decode steps
    "total_s": ("float", True),
    "tokens_per_s": ("float", True),  # batch * gen_tokens / decode_s
    "prefill_tokens_per_s": ("float", False),
    "peak_vram_bytes": ("int", False),
    "attention": ("str", True),  # dense (engines) | blocktopk ...
    "budget": ("int", False),
    "block_size": ("int", False),
    "repeat": ("int", True),  # repeat index of the same configuration
    "timing_source": ("str", False),  # e.g. llama_perf_context, cuda_events, wall
    "command": ("str", True),
    "timestamp": ("str", True),  # ISO 8601, UTC
    "extra": ("json", False),  # engine-specific settings (threads, n_ctx, flash_attn, ...)
    "tensor_parallel_size": ("int", False),  # GPUs the engine split each layer over (as it reports it); 1 if absent
    # What the engine actually did, read back from the engine after it was built (migration 050):
    "generation_tokens": ("int", False),  # tokens the timed generation ran to; gen_tokens < it: a checkpoint
    # of that generation (decode_s = cumulative time of its first gen_tokens steps)
    "gpu_weight_bytes": ("int", False),  # weight bytes resident in GPU memory
    "offload_requested_bytes": ("int", False),  # weight bytes the run asked to offload (offload_bytes: taken)
    "kv_cache_tokens": ("int", False),  # KV-cache capacity in tokens (all sequences together)
    "attention_backend": ("str", False),  # e.g. FLASH_ATTN (vLLM), triton_live (torch), sdpa_span
    "cuda_graphs": ("bool", False),  # decode steps replayed as CUDA graphs
}

ATTENTION_FIELDS: dict[str, tuple[str, bool]] = {
    "run_id": ("str", True),
    "seq": ("int", True),
    "engine_version": ("str", True),
    "device": ("str", True),
    "host": ("str", True),
    "model": ("str", False),  # whose shapes (Qwen3-8B)
    "method": ("str", True),  # dense | blocktopk
    "impl": ("str", True),  # sdpa_flash, sdpa_efficient, sdpa_cudnn, sdpa_math, torch_gather ...
    "dtype": ("str", True),
    "batch": ("int", True),
    "context": ("int", True),
    "hq": ("int", True),
    "hkv": ("int", True),
    "head_dim": ("int", True),
    "budget": ("int", False),
    "block_size": ("int", False),
    "topk_blocks": ("int", False),
    "time_s": ("float", True),  # median time of one decode step of attention
    "bytes_moved": ("int", True),  # fewest bytes the method must read/write through memory
    "bytes_per_s": ("float", True),
    "roofline_bytes_per_s": ("float", False),
    "roofline_fraction": ("float", False),
    "speedup_vs_dense": ("float", False),
    "max_rel_error": ("float", False),  # against a float32 reference on the same inputs
    "repeat": ("int", True),
    "timing_source": ("str", False),
    "command": ("str", True),
    "timestamp": ("str", True),
    "extra": ("json", False),
}

KINDS: dict[str, dict[str, tuple[str, bool]]] = {"decode": DECODE_FIELDS, "attention": ATTENTION_FIELDS}


def check_record(rec: dict[str, Any]) -> None:
    """Raise ValueError when a required field is missing (the loader checks types too)."""
    kind = rec.get("kind", "decode")
    fields = KINDS.get(kind)
    if fields is None:
        raise ValueError(f"unknown record kind {kind!r}")
    missing = [k for k, (_, req) in fields.items() if req and rec.get(k) is None]
    if missing:
        raise ValueError(f"{kind} record lacks {', '.join(missing)}")
    unknown = [k for k in rec if k != "kind" and k not in fields]
    if unknown:
        raise ValueError(f"{kind} record has unknown fields {', '.join(unknown)}")
