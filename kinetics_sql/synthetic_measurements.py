"""Synthetic runner measurements from a known latency model, in the runners' record format.

For testing and developing `kinetics-sql fit` without a GPU: the records have every field of
``kinetics_sql.runners.records.DECODE_FIELDS`` and timings from a ground truth whose coefficients
the fit must recover. Features are computed here in plain Python, independently of the SQL.

>>> recs = records(engine="llama.cpp", models=["Qwen3-1.7B"], depths=[0, 29], gens=[64])
>>> len(recs), recs[0]["offload_mode"], recs[1]["offload_mode"]
(2, 'cpu_compute', 'none')
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from kinetics_sql import catalog
from kinetics_sql.facts.llamacpp_placement import offload_bytes
from kinetics_sql.warehouse import Warehouse, insert_arrow

H100 = "NVIDIA H100 80GB HBM3"


@dataclass(frozen=True)
class Truth:
    """Ground-truth coefficients (seconds per unit). Defaults: an H100-like GPU, a host at 60 GB/s."""

    a: float = 1.0 / 6.0e14  # s / FLOP
    b: float = 1.0 / 2.6e12  # s / HBM byte
    c: float = 1.0 / 6.0e10  # s / offload byte (decode)
    t0: float = 0.015  # s / run
    prefill_c: float | None = None  # s / offload byte in prefill (None: = c, what the plain form assumes)
    step_s: float = 0.0  # s / decode step
    cpu_attn_s: float = 0.0  # s / attention FLOP of an offloaded layer computed on the CPU (llama.cpp)
    net: float = 0.0  # s / interconnect byte of a tensor-parallel run (sent + received by one GPU)
    net_step_s: float = 0.0  # s / collective in decode (all-reduce latency), tensor-parallel runs only
    noise: float = 0.0  # relative standard deviation of multiplicative noise


def shapes(model: str) -> catalog.ModelSpec:
    return catalog.builtin_model(model)


def llamacpp_offload(spec: catalog.ModelSpec, ngl: int, elem: int = 2) -> tuple[int, int]:
    """(layers on the CPU, offloaded bytes) as llama.cpp places layers for n_gpu_layers."""
    dtype = {4: "f32", 2: "f16"}[elem]
    return offload_bytes(spec, ngl, dtype)


def net_bytes(spec: catalog.ModelSpec, tokens: float, tp: int) -> float:
    """Bytes one GPU sends + receives for `tokens` tokens under T-way tensor parallelism: per layer two
    ring all-reduces of tokens x hidden bf16 values, one more for the embedding (each 2(T-1)/T of the
    message out and as much in), and the logits gathered onto one GPU ((T-1)/T of tokens x vocab in)."""
    if tp == 1:
        return 0.0
    allreduce = 2 * (tp - 1) / tp * tokens * spec.hidden * 2 * 2
    gather = (tp - 1) / tp * tokens * spec.vocab * 2
    return (2 * spec.layers + 1) * allreduce + gather


def features(spec: catalog.ModelSpec, rec: dict[str, Any]) -> dict[str, float]:
    """The regression features of a record (the same definitions as queries/fit/macros.sql): one
    GPU's share when the record ran with tensor_parallel_size T > 1."""
    p, hq, hkv, d = spec.params, spec.hq, spec.hkv, spec.head_dim * spec.layers
    lin, lout, n = rec["prompt_tokens"], rec["gen_tokens"], rec["batch"]
    tp = rec.get("tensor_parallel_size") or 1
    kv_heads = hkv / tp if tp <= hkv else 1.0  # one GPU's KV heads (replicated past hkv GPUs)
    pb = rec.get("prefill_batch") or max(lin, 1)
    wb = rec.get("weight_bytes") or 2 * p
    embed = 0.0 if spec.tied_embeddings else spec.vocab * spec.hidden * wb / p
    resident = max(0.0, wb - rec["offload_bytes"] - embed) / tp
    offloaded = rec["offload_bytes"] / tp
    compute = n * (2 * p * lout + 2 * (2 * lin + lout) * lout * hq * d) / tp
    kv = 2 * (2 * lin + n * lout) * lout * kv_heads * d
    prefill_passes = math.ceil(lin / pb)
    cpu = 1.0 if rec.get("offload_mode") == "cpu_compute" else 0.0
    return {
        "compute": compute,
        "hbm_bytes": resident * lout + kv,
        "link_bytes": offloaded * (prefill_passes + lout),
        "prefill_link": offloaded * prefill_passes,
        "decode_link": offloaded * lout,
        "steps": float(lout),
        "offload_layer_steps": float(lout * rec["layers_offloaded"]),
        "offload_attn_flops": cpu * n * 2 * (2 * lin + lout) * lout * hq * spec.head_dim * rec["layers_offloaded"],
        "prefill_offload_attn_flops": cpu * n * 2 * lin * lin * hq * spec.head_dim * rec["layers_offloaded"],
        "net_bytes": net_bytes(spec, lin + n * lout, tp),
        "prefill_net": net_bytes(spec, lin, tp),
        "decode_net": net_bytes(spec, n * lout, tp),
        "net_steps": float(lout * (2 * spec.layers + 1)) if tp > 1 else 0.0,
    }


def records(
    *,
    engine: str = "llama.cpp",
    device: str = H100,
    models: Sequence[str] = ("Qwen3-1.7B", "Qwen3-4B", "Qwen3-8B", "Qwen3-14B"),
    depths: Sequence[int] | None = None,
    batches: Sequence[int] = (1,),
    prompts: Sequence[int] = (128,),
    gens: Sequence[int] = (64, 128, 256),
    tensor_parallel_sizes: Sequence[int] = (1,),
    repeats: int = 1,
    truth: Truth | None = None,
    seed: int = 0,
    run_id: str = "synthetic-0",
) -> list[dict[str, Any]]:
    """Decode records of ``engine`` with timings from ``truth``.

    ``depths``: llama.cpp n_gpu_layers values (default: 5 from 0 to layers + 1), or for torch the
    number of streamed layers k (default 0, layers/4, layers/2). ``tensor_parallel_sizes``: T of the
    runs (engines other than llama.cpp); a T > 1 record names "T x device" as the vLLM runner does.
    """
    truth = truth or Truth()
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for name in models:
        spec = shapes(name)
        if depths is not None:
            ds = list(depths)
        elif engine == "llama.cpp":
            ds = sorted({round(i * (spec.layers + 1) / 4) for i in range(5)})
        else:
            ds = [0, spec.layers // 4, spec.layers // 2]
        for tp in tensor_parallel_sizes:
            for depth in ds:
                if engine == "llama.cpp":
                    off_layers, off_bytes = llamacpp_offload(spec, depth)
                    ngl, mode, pbatch = depth, ("cpu_compute" if off_bytes else "none"), 512
                else:
                    off_layers, off_bytes = depth, int(depth * spec.layer_params * 2)
                    ngl, mode, pbatch = spec.layers - depth, ("stream" if depth else "none"), None
                for n in batches:
                    for lin in prompts:
                        for lout in gens:
                            for rep in range(repeats):
                                rec: dict[str, Any] = {
                                    "kind": "decode",
                                    "run_id": run_id,
                                    "seq": len(out),
                                    "engine": engine,
                                    "engine_version": f"{engine} synthetic",
                                    "device": f"{tp} x {device}" if tp > 1 else device,
                                    "host": "synthetic",
                                    "model": spec.name,
                                    "dtype": "f16" if engine == "llama.cpp" else "bf16",
                                    "n_layers": spec.layers,
                                    "n_gpu_layers": ngl,
                                    "layers_offloaded": off_layers,
                                    "offload_mode": mode,
                                    "offload_bytes": off_bytes,
                                    "weight_bytes": int(spec.params * 2),
                                    "batch": n,
                                    "prompt_tokens": lin,
                                    "gen_tokens": lout,
                                    "prefill_batch": pbatch if pbatch is not None else lin,
                                    "attention": "dense",
                                    "repeat": rep,
                                    "timing_source": "synthetic",
                                    "command": "kinetics_sql.synthetic_measurements.records",
                                    "timestamp": "2026-01-01T00:00:00+00:00",
                                }
                                if tp > 1:
                                    rec["tensor_parallel_size"] = tp
                                f = features(spec, rec)
                                pc = truth.c if truth.prefill_c is None else truth.prefill_c
                                prefill = (
                                    pc * f["prefill_link"]
                                    + truth.cpu_attn_s * f["prefill_offload_attn_flops"]
                                    + truth.net * f["prefill_net"]
                                    + truth.t0 / 2
                                )
                                decode = (
                                    truth.a * f["compute"]
                                    + truth.b * f["hbm_bytes"]
                                    + truth.c * f["decode_link"]
                                    + truth.step_s * f["steps"]
                                    + truth.cpu_attn_s * f["offload_attn_flops"]
                                    + truth.net * f["decode_net"]
                                    + truth.net_step_s * f["net_steps"]
                                    + truth.t0 / 2
                                )
                                if truth.noise:
                                    prefill *= math.exp(rng.gauss(0, truth.noise))
                                    decode *= math.exp(rng.gauss(0, truth.noise))
                                rec.update(
                                    prefill_s=prefill,
                                    decode_s=decode,
                                    total_s=prefill + decode,
                                    tokens_per_s=n * lout / decode,
                                )
                                out.append(rec)
    return out


def write_jsonl(recs: Sequence[dict[str, Any]], path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("w") as fh:
        for r in recs:
            fh.write(json.dumps(r) + "\n")
    return p


def load(wh: Warehouse, recs: Sequence[dict[str, Any]]) -> int:
    """Insert records into ``measurements`` directly (bypassing ingest; for tests and development).

    Inserts the columns the records and the table share, by name.
    """
    columns = wh.named("fit/table_columns", {"name": "measurements"})
    have = set(columns["column_name"])
    # columns the ingest loader fills that records lack (source, ...): a placeholder where NOT NULL
    fill: dict[str, Any] = {}
    for name, dtype, nullable in columns.iter_rows():
        if nullable or any(name in r for r in recs[:1]):
            continue
        d = str(dtype).upper()
        fill[name] = (
            "synthetic"
            if d.startswith("VARCHAR") or d == "JSON"
            else False
            if d == "BOOLEAN"
            else _dt.datetime(2026, 1, 1)
            if d.startswith("TIMESTAMP")
            else 0
        )
    rows = [{**fill, **{k: (json.dumps(v) if k == "extra" else v) for k, v in r.items() if k in have}} for r in recs]
    if not rows:
        return 0
    return insert_arrow(wh.con, "measurements", pl.DataFrame(rows, infer_schema_length=None).to_arrow())
