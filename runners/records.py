"""The measurement record every runner writes, and what it says about where it ran.

A record is one JSON object per line (JSONL). Two kinds share a file format:

- ``kind = "decode"`` (the default) goes to the ``measurements`` table: one timed generation of
  ``gen_tokens`` tokens for each of ``batch`` sequences after a prompt of ``prompt_tokens``;
- ``kind = "attention"`` goes to ``attention_bench``: one timed decode step of attention alone.

The schema itself (field names, types, which are required) lives in :mod:`kinetics_sql.facts.records`.
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

from kinetics_sql.facts.records import ATTENTION_FIELDS, DECODE_FIELDS, KINDS, check_record

__all__ = [
    "ATTENTION_FIELDS",
    "DECODE_FIELDS",
    "KINDS",
    "RecordWriter",
    "check_record",
    "read_records",
]



def checkpoint_marks(gen: int, first: int = 128) -> list[int]:
    """Where one generation of ``gen`` tokens is also timed (its checkpoint records): powers of two from ``first``
    below ``gen``, and gen."""
    out, c = [], first
    while c < gen:
        out.append(c)
        c *= 2
    return [*out, gen]


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


def read_records(path: str | os.PathLike[str]) -> Iterable[dict[str, Any]]:
    with Path(path).open() as f:
        for line in f:
            if line.strip():
                yield json.loads(line)
