"""The measurement record every runner writes, and what it says about where it ran.

A record is one JSON object per line (JSONL). Two kinds share a file format:

- ``kind = "decode"`` (the default) goes to the ``measurements`` table: one timed generation of
  ``gen_tokens`` tokens for each of ``batch`` sequences after a prompt of ``prompt_tokens``;
- ``kind = "attention"`` goes to ``attention_bench``: one timed decode step of attention alone.

Only the standard library is imported here: the ingest side (core package) reads ``FIELDS``.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import shlex
import socket
import sys
import uuid
from collections.abc import Iterable
from pathlib import Path
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


def new_run_id() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]


def now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def command_line(module: str | None = None, argv: list[str] | None = None) -> str:
    """The exact command that produced the records (``python -m module args``).

    With ``argv`` (a runner's ``main(argv)`` called from Python) the command is rebuilt from it.
    """
    if argv is not None and module:
        return shlex.join(["python", "-m", module, *argv])
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    head = ["python", "-m", spec.name] if spec is not None and spec.name else ["python", sys.argv[0]]
    return shlex.join(head + sys.argv[1:])


def host_name() -> str:
    return socket.gethostname()


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cuda_device_name() -> str | None:
    """torch.cuda.get_device_name() when torch sees a GPU, else None (imports torch lazily)."""
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    return str(torch.cuda.get_device_name())


def nvml_device_name() -> str | None:
    """GPU 0's name through NVML (the string torch.cuda.get_device_name gives), without importing torch.

    Engines with their own CUDA libraries (llama.cpp) must not import torch into the same process:
    two CUDA runtimes in one process crashed llama.cpp on the device machine.
    """
    try:
        import pynvml

        pynvml.nvmlInit()
        name = pynvml.nvmlDeviceGetName(pynvml.nvmlDeviceGetHandleByIndex(0))
        return name.decode() if isinstance(name, bytes) else str(name)
    except Exception:
        return None


def device_name(use_gpu: bool = True, *, via_torch: bool = True) -> str:
    name = (cuda_device_name() if via_torch else nvml_device_name()) if use_gpu else None
    return name if name else f"cpu: {cpu_name()}"


def gpu_memory_used() -> int | None:
    """Bytes in use on GPU 0 as the driver sees it (NVML), for engines outside torch's allocator."""
    try:
        import pynvml
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
        handle = pynvml.nvmlDeviceGetHandleByIndex(int(os.environ.get("CUDA_VISIBLE_DEVICES", "0").split(",")[0] or 0))
        return int(pynvml.nvmlDeviceGetMemoryInfo(handle).used)
    except Exception:
        return None


class RecordWriter:
    """Appends records to a JSONL file, filling run_id, seq, host, command and timestamp."""

    def __init__(self, path: str | os.PathLike[str], *, run_id: str | None = None, command: str | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.run_id = run_id or new_run_id()
        self.command = command or command_line()
        self.seq = 0
        self.records: list[dict[str, Any]] = []

    def write(self, record: dict[str, Any], *, kind: str = "decode") -> dict[str, Any]:
        rec: dict[str, Any] = {"kind": kind, "run_id": self.run_id, "seq": self.seq}
        rec.update({"host": host_name(), "command": self.command, "timestamp": now()})
        rec.update(record)
        check_record(rec)
        with self.path.open("a") as f:
            f.write(json.dumps(rec, sort_keys=False) + "\n")
        self.seq += 1
        self.records.append(rec)
        return rec


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


def read_records(path: str | os.PathLike[str]) -> Iterable[dict[str, Any]]:
    with Path(path).open() as f:
        for line in f:
            if line.strip():
                yield json.loads(line)
