"""Offload-aware cost models: the coefficients that price ``--cost rflops`` and ``--cost latency``.

A :class:`Coefficients` is a plain value: a stored fit of ``kinetics-sql fit`` (its fit id), an unstored
:class:`~kinetics_sql.fit.FitResult`, or the hardware profile's datasheet (a = 1/peak, b = 1/HBM,
c = 1/link). It travels inside a :class:`~kinetics_sql.frontier.FrontierSpec`; :func:`pricing_context` turns it
(with the VRAM limit and GPU count) into the one argument every pricing macro takes (queries/pricing/).

>>> from kinetics_sql import Warehouse
>>> wh = Warehouse(":memory:")
>>> c = resolve(wh, hardware="rtx-4090")
>>> c.label, c.fit_id
('datasheet rtx-4090', None)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from kinetics_sql import limits
from kinetics_sql.defaults import DEFAULT_RESERVE_GB
from kinetics_sql.errors import KineticsError
from kinetics_sql.warehouse import Warehouse

if TYPE_CHECKING:
    from kinetics_sql import fit as fitlib

# The cost models priced by coefficients and an offload plan (the others, flops and eflops, need neither).
OFFLOAD_COSTS = ("rflops", "latency", "dollars", "dollars-throughput")  # dollars: queries/pricing, kinetics_sql.pricing
# Terms of the split form beyond a, b, c, t0 (kinetics_sql.fit.coef_struct); 0 in the plain form.
SPLIT_TERMS = (
    "prefill_a",
    "prefill_c",
    "step_s",
    "layer_step_s",
    "moe_layer_step_s",
    "offload_layer_step_s",
    "offload_attn_a",
    "prefill_offload_attn_a",
)
# Interconnect terms of tensor-parallel runs (kinetics_sql.fit.coef_struct): seconds per byte one GPU sends +
# receives in decode and in the prompt, seconds per collective; 0 in fits without tensor-parallel runs.
TP_TERMS = ("net_c", "prefill_net_c", "net_step_s")


@dataclass(frozen=True)
class Coefficients:
    """What prices a second: latency = a*FLOPs + b*HBM bytes + c*link bytes + t0 (+ split-form terms)."""

    hardware: str
    label: str  # 'datasheet h100-sxm', 'fit <id> (llama.cpp, split, held-out R^2 0.99)', ...
    fit_id: str | None
    engine: str | None
    form: str
    a: float
    b: float
    c: float
    t0: float
    a_eff: float  # a, or 1/peak where the fit left a = 0 (rFLOPs = (latency - t0) / a_eff)
    prefill_a: float = 0.0
    prefill_c: float = 0.0
    step_s: float = 0.0
    layer_step_s: float = 0.0
    moe_layer_step_s: float = 0.0  # per MoE layer and step: routing, expert alignment, grouped-GEMM launches
    offload_layer_step_s: float = 0.0
    offload_attn_a: float = 0.0
    prefill_offload_attn_a: float = 0.0
    net_c: float = 0.0
    prefill_net_c: float = 0.0
    net_step_s: float = 0.0

    @property
    def i_gpu(self) -> float:
        return self.b / self.a_eff

    @property
    def i_link(self) -> float:
        return self.c / self.a_eff

    @property
    def prefill_batch(self) -> float:
        """Prompt tokens per forward pass: llama.cpp's n_batch (512), else the whole prompt in one pass."""
        return 512.0 if (self.engine or "").lower() == "llama.cpp" else 1e12

    def as_params(self) -> dict[str, Any]:
        return asdict(self)


def _profile(wh: Warehouse, hardware: str) -> dict[str, Any]:
    row: dict[str, Any] = wh.named("fit/hardware_profile", {"name": hardware}).row(0, named=True)
    return row


def _from_params(hw: dict[str, Any], label: str, fit_id: str | None, engine: str, form: str,
                 k: dict[str, float]) -> Coefficients:
    a = float(k["a"])
    return Coefficients(
        hardware=str(hw["name"]),
        label=label,
        fit_id=fit_id,
        engine=engine,
        form=form,
        a=a,
        b=float(k["b"]),
        c=float(k["c"]),
        t0=float(k["t0"]),
        a_eff=a if a > 0 else 1.0 / float(hw["peak_flops"]),
        **{name: float(k.get(name, 0.0)) for name in (*SPLIT_TERMS, *TP_TERMS)},
    )


def from_fit(wh: Warehouse, fitted: fitlib.FitResult, hardware: str) -> Coefficients:
    """Coefficients of a fit that was not stored (``kinetics-sql report`` on fresh measurements)."""
    hw = _profile(wh, wh.resolve_hardware(hardware))
    r2h = fitted.r2_holdout
    label = f"unstored fit of {fitted.engine} ({fitted.form}" + (
        f", held-out R^2 {r2h:.4f})" if r2h is not None else ")"
    )
    return _from_params(hw, label, None, fitted.engine, fitted.form, fitted.params)


def resolve(wh: Warehouse, *, hardware: str, engine: str | None = None, form: str = "") -> Coefficients:
    """The newest stored fit of ``engine`` on ``hardware``, or (without an engine) the datasheet."""
    hw = _profile(wh, wh.resolve_hardware(hardware))
    if engine:
        from kinetics_sql import fit as fitlib  # numpy: only where a fit is read

        row = fitlib.latest(wh, engine, str(hw["name"]), form)
        r2 = row["r2_holdout"]
        label = f"fit {row['fit_id']} ({row['engine']}, {row['form']}" + (
            f", held-out R^2 {r2:.4f})" if r2 is not None else ")"
        )
        return _from_params(hw, label, str(row["fit_id"]), str(row["engine"]), str(row["form"]), row["params"])
    link = hw["link_bytes_per_s"] or hw["host_mem_bytes_per_s"]
    if not link:
        raise KineticsError(f"hardware {hw['name']} has no link bandwidth: give --engine (fitted coefficients)")
    return Coefficients(
        hardware=str(hw["name"]),
        label=f"datasheet {hw['name']}",
        fit_id=None,
        engine=None,
        form="plain",
        a=1.0 / float(hw["peak_flops"]),
        b=1.0 / float(hw["hbm_bytes_per_s"]),
        c=1.0 / float(link),
        t0=0.0,
        a_eff=1.0 / float(hw["peak_flops"]),
    )


def vram_bytes(wh: Warehouse, hardware: str, vram_gb: float | None) -> float | None:
    """The VRAM limit: ``vram_gb`` (GB) or the profile's VRAM (None: unlimited)."""
    if vram_gb is not None:
        limits.finite_in(vram_gb, "--vram-gb", high=limits.VRAM_GB_MAX)
        return vram_gb * 1e9
    v = _profile(wh, wh.resolve_hardware(hardware))["vram_bytes"]
    return None if v is None else float(v)


def pricing_context(
    wh: Warehouse,
    coefficients: Coefficients,
    *,
    vram_gb: float | None,
    reserve_gb: float = DEFAULT_RESERVE_GB,
    gpus: int = 1,
) -> dict[str, Any]:
    """The pricing context (queries/pricing/context.sql): the coefficients, VRAM limit, reserve and GPU count that
    every pricing macro takes as its ``cx`` argument, as a bind parameter (``pricing_context($pricing)`` in SQL).

    ``gpus`` > 1: tensor parallelism, every GPU with the profile's (or ``vram_gb``) memory; see
    :func:`net_terms` for what prices the interconnect."""
    if reserve_gb < 0:
        raise KineticsError("--reserve-gb must be >= 0")
    params = coefficients.as_params()
    return {
        **{k: float(params[k]) for k in SPLIT_TERMS},
        "hardware": coefficients.hardware,
        "coefficients": coefficients.label,
        "engine": coefficients.engine,
        "form": coefficients.form,
        "a": coefficients.a,
        "b": coefficients.b,
        "c": coefficients.c,
        "t0": coefficients.t0,
        "a_eff": coefficients.a_eff,
        "vram_bytes": vram_bytes(wh, coefficients.hardware, vram_gb),
        "reserve_bytes": reserve_gb * 1e9,
        "prefill_batch": coefficients.prefill_batch,
        "gpus": float(gpus),
        **net_terms(wh, coefficients, gpus),
    }


def net_terms(wh: Warehouse, coefficients: Coefficients, gpus: int) -> dict[str, float]:
    """The interconnect coefficients over ``gpus`` GPUs: the fit's where it measured tensor-parallel runs,
    else the profile's datasheet interconnect (1 / bytes/s, no per-collective latency); none on one GPU."""
    if gpus == 1:
        return {name: 0.0 for name in TP_TERMS}
    if coefficients.net_c > 0 or coefficients.prefill_net_c > 0 or coefficients.net_step_s > 0:
        return {name: float(getattr(coefficients, name)) for name in TP_TERMS}
    bw = net_bandwidth(wh, coefficients.hardware)
    return {"net_c": 1.0 / bw, "prefill_net_c": 1.0 / bw, "net_step_s": 0.0}


def net_bandwidth(wh: Warehouse, hardware: str) -> float:
    """The profile's interconnect bytes/s (both directions), or an error saying how to set it."""
    bw = _profile(wh, wh.resolve_hardware(hardware))["interconnect_bytes_per_s"]
    if not bw:
        raise KineticsError(
            f"hardware {hardware} has no interconnect bandwidth for tensor parallelism: set it with "
            f"`kinetics-sql hardware add {hardware} ... --interconnect BYTES_PER_S`"
        )
    return float(bw)


def plan(
    wh: Warehouse,
    coefficients: Coefficients,
    *,
    task: str,
    strategy: str = "best-of-n",
    vram_gb: float | None = None,
    reserve_gb: float = DEFAULT_RESERVE_GB,
    gpus: int = 1,
) -> pl.DataFrame:
    """The VRAM plan in readable units: per model and setting, offloaded layers k, waves, GB (per GPU)."""
    cx = pricing_context(wh, coefficients, vram_gb=vram_gb, reserve_gb=reserve_gb, gpus=gpus)
    return wh.named("fit/offload_plan_show", {"pricing": cx, "task": task, "strategy": strategy})
