"""Fit hardware coefficients to measured latency (Kinetics++ rFLOPs with fitted i_gpu and i_link).

Model forms (features: queries/fit/macros.sql; every coefficient is constrained to be >= 0):

- ``plain``: ``total_s = a*compute + b*hbm_bytes + c*link_bytes + t0``, so ``i_gpu = b/a`` and
  ``i_link = c/a`` and the predicted latency of a configuration is ``a * rflops + t0``.
- ``split``: prefill and decode fitted as two terms with their own link coefficients (llama.cpp
  ships offloaded weights to the GPU for a batched prompt but computes decode steps on the CPU) and
  per-step overheads:
  ``prefill_s = pa*prefill_flops + pc*prefill_link + t_p`` and
  ``decode_s = a*compute + b*hbm_bytes + c*decode_link + s*steps + l*layer_steps + o*offload_layer_steps
  + q*offload_attn_flops + t_d`` and the prompt likewise gains ``pq*prefill_offload_attn_flops``
  (o: a fixed cost per offloaded layer and step, e.g. llama.cpp's CPU op dispatch and thread barriers;
  q, pq: seconds per attention FLOP of the offloaded layers, which llama.cpp runs on the CPU over a KV
  cache kept in host memory, so their cost grows with the context).

The fit is non-negative least squares (Lawson-Hanson, below) on rows weighted by ``1 / total_s``
(``weighting='relative'``: minimises relative error, which is what MAPE measures) or unweighted.
A deterministic hold-out: configurations (model, depth, offload mode, batch, prompt, generation
length; repeats pooled) are ordered by a seeded hash and the first ``holdout`` fraction is left out.

>>> import numpy as np
>>> x, _ = nnls(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([2.0, -1.0]))
>>> [round(v, 12) for v in x]
[2.0, 0.0]
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from kinetics_sql import sqlfiles
from kinetics_sql.errors import KineticsError
from kinetics_sql.warehouse import Warehouse, insert_arrow

# the split forms' prefill, and the end of their decode terms (offload, interconnect, intercept)
_PREFILL = ("prefill_flops", "prefill_link", "prefill_offload_attn_flops", "prefill_net", "const")
_DECODE_END = (
    "layer_steps", "moe_layer_steps", "offload_layer_steps", "offload_attn_flops", "decode_net", "net_steps", "const",
)
# target -> feature columns ("const" is the intercept)
FORMS: dict[str, dict[str, list[str]]] = {
    "plain": {"total_s": ["compute", "hbm_bytes", "link_bytes", "net_bytes", "const"]},
    "split": {
        "prefill_s": [*_PREFILL],
        "decode_s": ["compute", "hbm_bytes", "decode_link", "steps", *_DECODE_END],
    },
    # split, with the KV-cache bytes at their own efficiency (attention kernels do not stream the
    # cache at the rate matrix products stream weights) and a cost per sequence and step (sampling,
    # the engine's per-request bookkeeping)
    "attn": {
        "prefill_s": [*_PREFILL],
        "decode_s": ["compute", "weight_reads", "kv_bytes", "decode_link", "steps", "seq_steps", *_DECODE_END],
    },
}
# features that are 0 on one GPU (tensor parallelism only): not counted against the training points there
TP_FEATURES = ("net_bytes", "prefill_net", "decode_net", "net_steps")
# features that are 0 for dense models (MoE only): not counted against the training points of dense-only fits
MOE_FEATURES = ("moe_layer_steps",)
WEIGHTINGS = ("relative", "absolute")
CONFIG_KEY = ("model", "n_gpu_layers", "layers_offloaded", "offload_mode", "batch", "prompt_tokens", "gen_tokens")
FEATURES = (
    "compute",
    "hbm_bytes",
    "link_bytes",
    "prefill_flops",
    "prefill_link",
    "decode_link",
    "steps",
    "layer_steps",
    "moe_layer_steps",
    "offload_layer_steps",
    "offload_attn_flops",
    "prefill_offload_attn_flops",
    "net_bytes",
    "prefill_net",
    "decode_net",
    "net_steps",
    "weight_reads",
    "kv_bytes",
    "seq_steps",
)


# -- non-negative least squares ----------------------------------------------------------------


def nnls(A: np.ndarray, b: np.ndarray, *, max_iter: int | None = None) -> tuple[np.ndarray, float]:
    """min ||A x - b||_2 subject to x >= 0 (Lawson and Hanson 1974, active-set method).

    Columns are scaled to unit norm internally, so features of very different magnitudes (FLOPs
    near 1e15 next to an intercept of 1) are handled. Returns (x, residual norm).
    """
    A = np.asarray(A, dtype=float)
    b = np.asarray(b, dtype=float)
    if A.ndim != 2 or b.ndim != 1 or A.shape[0] != b.shape[0]:
        raise ValueError(f"nnls: A must be m x n and b of length m (got {A.shape} and {b.shape})")
    m, n = A.shape
    norms = np.linalg.norm(A, axis=0)
    live = norms > 0
    scale = np.where(live, norms, 1.0)
    As = A / scale
    x = np.zeros(n)
    passive = np.zeros(n, dtype=bool)
    tol = 10 * np.finfo(float).eps * max(m, n) * max(1.0, float(np.abs(As).sum(axis=0).max(initial=0.0)))
    max_iter = max_iter or 3 * n + 30
    w = As.T @ (b - As @ x)
    outer = 0
    while True:
        candidates = ~passive & live
        if not candidates.any() or w[candidates].max() <= tol:
            break
        outer += 1
        if outer > max_iter:
            raise KineticsError("nnls did not converge")
        j = int(np.flatnonzero(candidates)[np.argmax(w[candidates])])
        passive[j] = True
        for _ in range(max_iter):
            z = np.zeros(n)
            z[passive] = np.linalg.lstsq(As[:, passive], b, rcond=None)[0]
            if (z[passive] > tol).all():
                x = z
                break
            bad = passive & (z <= tol)
            alpha = float(np.min(x[bad] / (x[bad] - z[bad])))
            x = x + alpha * (z - x)
            passive &= x > tol
            x[~passive] = 0.0
        else:
            raise KineticsError("nnls inner loop did not converge")
        w = As.T @ (b - As @ x)
    coef = x / scale
    return coef, float(np.linalg.norm(A @ coef - b))


# -- metrics and the hold-out split ------------------------------------------------------------


def r2_score(y: np.ndarray, pred: np.ndarray) -> float | None:
    if len(y) < 2:
        return None
    ss_tot = float(((y - y.mean()) ** 2).sum())
    if ss_tot == 0:
        return None
    return 1.0 - float(((y - pred) ** 2).sum()) / ss_tot


def mape(y: np.ndarray, pred: np.ndarray) -> float | None:
    ok = y > 0
    if not ok.any():
        return None
    return float(np.mean(np.abs(pred[ok] - y[ok]) / y[ok]))


def config_key(row: dict[str, Any]) -> str:
    key = "|".join(str(row.get(k)) for k in CONFIG_KEY)
    tp = row.get("tensor_parallel_size")
    return key if tp in (None, 1) else f"{key}|tp{tp}"  # one-GPU keys (and so their hold-out) as before


def holdout_configs(keys: Sequence[str], fraction: float, seed: int) -> set[str]:
    """The configurations left out: the first round(fraction * N) in seeded-hash order (>= 1 of each
    side once there are two or more configurations and 0 < fraction < 1)."""
    if not 0 <= fraction < 1:
        raise KineticsError(f"--holdout must be in [0, 1), got {fraction}")
    distinct = sorted(set(keys))
    if fraction == 0 or len(distinct) < 2:
        return set()
    order = sorted(distinct, key=lambda k: hashlib.sha256(f"{seed}:{k}".encode()).hexdigest())
    count = min(len(distinct) - 1, max(1, round(fraction * len(distinct))))
    return set(order[:count])


# -- features ----------------------------------------------------------------------------------


def install_macros(wh: Warehouse) -> None:
    """Create the feature macros (TEMP, on this connection)."""
    wh.execute(sqlfiles.load("fit/macros"))


def _has_measurements(wh: Warehouse) -> bool:
    return bool(wh.named("fit/has_table", {"name": "measurements"}).item())


def candidates(wh: Warehouse) -> pl.DataFrame:
    """Engines and devices that have measurements."""
    if not _has_measurements(wh):
        return pl.DataFrame()
    return wh.named("fit/candidates")


def features(wh: Warehouse, engine: str, device: str, sources: Sequence[str] = ()) -> pl.DataFrame:
    """One row per measurement of ``engine`` on a device whose name contains ``device`` (and, with
    ``sources``, from an ingested file whose name contains one of them)."""
    if not _has_measurements(wh):
        raise KineticsError(
            "no measurements table: ingest runner measurements first (`kinetics-sql ingest FILE.jsonl`)"
        )
    install_macros(wh)
    df = wh.named("fit/features", {"engine": engine, "device": device, "sources": list(sources)})
    if df.is_empty():
        have = candidates(wh)
        listing = (
            "; ".join(
                f"{r['engine']} on {r['device']} ({r['catalog_measurements']})" for r in have.iter_rows(named=True)
            )
            if not have.is_empty()
            else "none"
        )
        raise KineticsError(
            f"no measurements of engine {engine!r} on a device matching {device!r} for a catalog model"
            + (f" in sources matching {', '.join(sources)}" if sources else "")
            + " "
            f"(measured: {listing})"
        )
    return df


def guess_hardware(wh: Warehouse, devices: Sequence[str]) -> str | None:
    """The hardware profile a recorded device name is (``NVIDIA H100 80GB HBM3`` -> ``h100-sxm``)."""
    names = [str(n) for n in wh.named("fit/hardware_names")["name"].to_list()]
    text = " ".join(devices).lower()
    for name in names:  # the whole name ("rtx 4090")
        if name.replace("-", " ") in text:
            return name
    for name in names:  # its first token ("h100" of h100-sxm), only if unambiguous
        token = name.split("-")[0]
        same = [n for n in names if n.split("-")[0] == token]
        if len(token) >= 4 and token in text and (len(same) == 1 or name == min(same, key=len)):
            return name
    return None


# -- the fit -----------------------------------------------------------------------------------


def _coefficient(name: str) -> Any:
    """A stored scalar coefficient of a fit (``FitResult.params[name]``), read as an attribute."""
    return property(lambda self: self.params[name], doc=f"The fit's coefficient {name} (FitResult.params).")


@dataclass
class FitResult:
    engine: str
    device: str
    device_query: str
    hardware: str | None
    form: str
    weighting: str
    coefs: dict[str, dict[str, float]]
    n_points: int
    n_train: int
    n_holdout: int
    n_configs: int
    holdout: float
    seed: int
    r2: float | None
    mape: float | None
    r2_holdout: float | None
    mape_holdout: float | None
    models: list[str]
    run_ids: list[str]
    fitted_at: _dt.datetime
    sources: list[str]
    points: pl.DataFrame = field(repr=False)
    peak_flops: float | None = None  # the hardware profile's, for i_gpu_at_peak / i_link_at_peak
    train_max_gen: int | None = None  # trained on gen_tokens <= this; held out: the longer ones
    max_ape_holdout: float | None = None  # the worst held-out relative error

    @property
    def params(self) -> dict[str, float]:
        """The stored scalar coefficients: a, b, c, t0 and the split form's extra terms (0 when absent)."""
        return coef_struct(self.form, self.coefs)

    a = _coefficient("a")
    b = _coefficient("b")
    c = _coefficient("c")
    t0 = _coefficient("t0")

    @property
    def i_gpu(self) -> float | None:
        return self.b / self.a if self.a > 0 else None

    @property
    def i_link(self) -> float | None:
        return self.c / self.a if self.a > 0 else None

    @property
    def fit_id(self) -> str:
        key = f"{self.engine}|{self.device}|{self.form}|{self.weighting}|{self.fitted_at.isoformat()}"
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    def summary(self) -> dict[str, Any]:
        """One flat row: what `kinetics-sql fit` prints."""
        p = self.params
        return {
            "engine": self.engine,
            "device": self.device,
            "hardware": self.hardware,
            "form": self.form,
            "weighting": self.weighting,
            "n_points": self.n_points,
            "n_train": self.n_train,
            "n_holdout": self.n_holdout,
            "n_configs": self.n_configs,
            "r2": self.r2,
            "mape": self.mape,
            "r2_holdout": self.r2_holdout,
            "mape_holdout": self.mape_holdout,
            "max_ape_holdout": self.max_ape_holdout,
            "train_max_gen": self.train_max_gen,
            "a": p["a"],
            "b": p["b"],
            "c": p["c"],
            "t0": p["t0"],
            "i_gpu": self.i_gpu,
            "i_link": self.i_link,
            # b and c in FLOP-equivalents of the profile's datasheet peak (defined even where a = 0)
            "i_gpu_at_peak": p["b"] * self.peak_flops if self.peak_flops else None,
            "i_link_at_peak": p["c"] * self.peak_flops if self.peak_flops else None,
            "eff_flops_per_s": 1.0 / p["a"] if p["a"] > 0 else None,
            "eff_hbm_bytes_per_s": 1.0 / p["b"] if p["b"] > 0 else None,
            "eff_link_bytes_per_s": 1.0 / p["c"] if p["c"] > 0 else None,
            "eff_kv_bytes_per_s": 1.0 / p["kv_b"] if p["kv_b"] > 0 else None,
            "seq_step_s": p["seq_step_s"],
            "prefill_a": p["prefill_a"],
            "prefill_c": p["prefill_c"],
            "step_s": p["step_s"],
            "layer_step_s": p["layer_step_s"],
            "moe_layer_step_s": p["moe_layer_step_s"],
            "offload_layer_step_s": p["offload_layer_step_s"],
            "offload_attn_a": p.get("offload_attn_a", 0.0),
            "prefill_offload_attn_a": p.get("prefill_offload_attn_a", 0.0),
            # tensor parallelism: seconds per interconnect byte (decode, prompt) and per collective
            "net_c": p["net_c"],
            "prefill_net_c": p["prefill_net_c"],
            "net_step_s": p["net_step_s"],
            "eff_net_bytes_per_s": 1.0 / p["net_c"] if p["net_c"] > 0 else None,
            "models": ",".join(self.models),
            "sources": ",".join(self.sources),
            "runs": len(self.run_ids),
            "fit_id": self.fit_id,
        }


def coef_struct(form: str, coefs: dict[str, dict[str, float]]) -> dict[str, float]:
    """Scalar coefficients of a fit: a, b, c, t0 and the split form's extra terms (0 in the plain form)."""
    if form == "plain":
        k = coefs["total_s"]
        return {
            "a": k["compute"],
            "b": k["hbm_bytes"],
            "c": k["link_bytes"],
            "t0": k["const"],
            "prefill_a": 0.0,
            "prefill_c": 0.0,
            "step_s": 0.0,
            "layer_step_s": 0.0,
            "moe_layer_step_s": 0.0,
            "offload_layer_step_s": 0.0,
            "offload_attn_a": 0.0,
            "prefill_offload_attn_a": 0.0,
            "kv_b": k["hbm_bytes"],
            "seq_step_s": 0.0,
            "net_c": k.get("net_bytes", 0.0),  # .get: fits stored before tensor parallelism lack it
            "prefill_net_c": k.get("net_bytes", 0.0),
            "net_step_s": 0.0,
        }
    if form in ("split", "attn"):
        p, d = coefs["prefill_s"], coefs["decode_s"]
        return {
            "a": d["compute"],
            "b": d["hbm_bytes"] if form == "split" else d["weight_reads"],
            "kv_b": d["hbm_bytes"] if form == "split" else d["kv_bytes"],
            "seq_step_s": d.get("seq_steps", 0.0),
            "c": d["decode_link"],
            "t0": p["const"] + d["const"],
            "prefill_a": p["prefill_flops"],
            "prefill_c": p["prefill_link"],
            "step_s": d["steps"],
            "layer_step_s": d["layer_steps"],
            "moe_layer_step_s": d.get("moe_layer_steps", 0.0),  # .get: fits stored before MoE runs lack it
            "offload_layer_step_s": d.get("offload_layer_steps", 0.0),
            "offload_attn_a": d.get("offload_attn_flops", 0.0),
            "prefill_offload_attn_a": p.get("prefill_offload_attn_flops", 0.0),
            "net_c": d.get("decode_net", 0.0),
            "prefill_net_c": p.get("prefill_net", 0.0),
            "net_step_s": d.get("net_steps", 0.0),
        }
    raise KineticsError(f"unknown model form {form!r} (expected {', '.join(FORMS)})")


def physical_floors(form: str, profile: dict[str, Any] | None) -> dict[str, float]:
    """Lower bounds of the ``attn`` form's coefficients: no FLOP faster than the profile's datasheet
    peak, no byte faster than its datasheet HBM bandwidth (batch-1 and short-context data cannot tell
    a FLOP from a weight byte apart, and NNLS would otherwise trade one for the other past physics).
    The other forms are unbounded (>= 0), as fitted before."""
    if form != "attn" or not profile:
        return {}
    out: dict[str, float] = {}
    if profile.get("peak_flops"):
        out.update(compute=1.0 / profile["peak_flops"], prefill_flops=1.0 / profile["peak_flops"])
    if profile.get("hbm_bytes_per_s"):
        out.update(weight_reads=1.0 / profile["hbm_bytes_per_s"], kv_bytes=1.0 / profile["hbm_bytes_per_s"])
    return out


def _matrix(df: pl.DataFrame, cols: Sequence[str]) -> np.ndarray:
    return np.column_stack([np.ones(df.height) if c == "const" else df[c].cast(pl.Float64).to_numpy() for c in cols])


def predict(df: pl.DataFrame, form: str, coefs: dict[str, dict[str, float]]) -> np.ndarray:
    """Predicted total seconds for feature rows (the sum of the form's targets)."""
    total = np.zeros(df.height)
    for target, cols in FORMS[form].items():
        total += _matrix(df, cols) @ np.array([coefs[target][c] for c in cols])
    return total


def fit(
    wh: Warehouse,
    engine: str,
    device: str,
    *,
    form: str = "plain",
    holdout: float = 0.25,
    seed: int = 0,
    weighting: str = "relative",
    hardware: str | None = None,
    models: Sequence[str] = (),
    sources: Sequence[str] = (),
    holdout_min_gen: int | None = None,
    train_max_gen: int | None = None,
    eval_min_gen: int | None = None,
) -> FitResult:
    """Fit one engine's latency on one device; does not store it (see :func:`store`).

    ``holdout_min_gen``: hold out every configuration generating at least that many tokens (train on
    the short runs, test on the long ones) instead of the seeded fraction.
    ``train_max_gen`` N (validation by extrapolation in length): train on the measurements of at most
    N generated tokens; the held-out metrics are those of the measurements of at least ``eval_min_gen``
    (default N + 1) tokens.
    """
    if form not in FORMS:
        raise KineticsError(f"unknown model form {form!r} (expected {', '.join(FORMS)})")
    if weighting not in WEIGHTINGS:
        raise KineticsError(f"unknown weighting {weighting!r} (expected {', '.join(WEIGHTINGS)})")
    df = features(wh, engine, device, sources)
    if models:
        wanted = {m.lower() for m in models}
        df = df.filter(pl.col("model").str.to_lowercase().is_in(list(wanted)))
        if df.is_empty():
            raise KineticsError(f"no measurements of models {', '.join(models)} for {engine} on {device}")
    bad = df.filter(pl.col("total_s").is_null() | (pl.col("total_s") <= 0))
    if bad.height:
        df = df.filter(pl.col("total_s") > 0)
    key_cols = [*CONFIG_KEY, *(["tensor_parallel_size"] if "tensor_parallel_size" in df.columns else [])]
    keys = [config_key(r) for r in df.select(key_cols).iter_rows(named=True)]
    if train_max_gen is not None:
        if train_max_gen < 1:
            raise KineticsError(f"--train-max-gen must be >= 1, got {train_max_gen}")
        eval_min = eval_min_gen if eval_min_gen is not None else train_max_gen + 1
        if eval_min <= train_max_gen:
            raise KineticsError(f"--eval-min-gen ({eval_min}) must exceed --train-max-gen ({train_max_gen})")
        if df.filter(pl.col("gen_tokens") >= eval_min).is_empty():
            raise KineticsError(f"no measurements of {eval_min} or more generated tokens to evaluate on")
        held = {k for k, g in zip(keys, df["gen_tokens"].to_list(), strict=True) if g > train_max_gen}
    elif holdout_min_gen is not None:
        long_runs = df["gen_tokens"].to_numpy() >= holdout_min_gen
        held = {k for k, is_long in zip(keys, long_runs, strict=True) if is_long}
        if not held or len(held) == len(set(keys)):
            raise KineticsError(
                f"--holdout-min-gen {holdout_min_gen} leaves no " + ("held-out" if not held else "training")
                + " runs (generation lengths: " + ", ".join(map(str, sorted(set(df["gen_tokens"].to_list())))) + ")"
            )
    else:
        held = holdout_configs(keys, holdout, seed)
    df = df.with_columns(pl.Series("config", keys), pl.Series("holdout", [k in held for k in keys]))
    train = df.filter(~pl.col("holdout"))
    n_params = sum(len(c) for c in FORMS[form].values())
    tp_runs = "tensor_parallel_size" in train.columns and bool((train["tensor_parallel_size"] > 1).any())
    moe_runs = "moe_layer_steps" in train.columns and bool((train["moe_layer_steps"] > 0).any())
    unused = (() if tp_runs else TP_FEATURES) + (() if moe_runs else MOE_FEATURES)
    if train.height < max(len([c for c in cols if c not in unused]) for cols in FORMS[form].values()):
        raise KineticsError(f"{train.height} training points are too few for the {form} form ({n_params} coefficients)")
    devices = sorted(df["device"].unique().to_list())
    hw = wh.resolve_hardware(hardware) if hardware else guess_hardware(wh, devices)
    profile = wh.named("fit/hardware_profile", {"name": hw}).row(0, named=True) if hw else None
    peak = profile["peak_flops"] if profile else None
    floors = physical_floors(form, profile)
    y_total = train["total_s"].to_numpy()
    w = 1.0 / y_total if weighting == "relative" else np.ones(train.height)
    coefs: dict[str, dict[str, float]] = {}
    for target, cols in FORMS[form].items():
        A = _matrix(train, cols)
        y = train[target].cast(pl.Float64).to_numpy()
        lb = np.array([floors.get(c, 0.0) for c in cols])
        x, _ = nnls(A * w[:, None], (y - A @ lb) * w)  # coefficient - floor >= 0
        coefs[target] = {c: float(v) for c, v in zip(cols, x + lb, strict=True)}
    pred = predict(df, form, coefs)
    df = df.with_columns(pl.Series("predicted_s", pred))
    df = df.with_columns(((pl.col("predicted_s") - pl.col("total_s")) / pl.col("total_s")).alias("rel_error"))
    tr = df.filter(~pl.col("holdout"))
    ho = df.filter(pl.col("holdout"))
    if train_max_gen is not None:
        ho = ho.filter(pl.col("gen_tokens") >= (eval_min_gen if eval_min_gen is not None else train_max_gen + 1))
    return FitResult(
        engine=str(df["engine"][0]),
        device="; ".join(devices),
        device_query=device,
        hardware=hw,
        form=form,
        weighting=weighting,
        coefs=coefs,
        n_points=df.height,
        n_train=tr.height,
        n_holdout=ho.height,
        n_configs=len(set(keys)),
        holdout=len(held) / len(set(keys)) if train_max_gen is not None or holdout_min_gen is not None else holdout,
        seed=seed,
        train_max_gen=train_max_gen,
        max_ape_holdout=float(np.max(np.abs(ho["rel_error"].to_numpy()))) if ho.height else None,
        r2=r2_score(tr["total_s"].to_numpy(), tr["predicted_s"].to_numpy()),
        mape=mape(tr["total_s"].to_numpy(), tr["predicted_s"].to_numpy()),
        r2_holdout=r2_score(ho["total_s"].to_numpy(), ho["predicted_s"].to_numpy()) if ho.height else None,
        mape_holdout=mape(ho["total_s"].to_numpy(), ho["predicted_s"].to_numpy()) if ho.height else None,
        models=sorted(df["model"].unique().to_list()),
        run_ids=sorted(df["run_id"].unique().to_list()),
        fitted_at=_dt.datetime.now(_dt.UTC).replace(tzinfo=None),
        sources=sorted({str(s) for s in df["source"].drop_nulls().to_list()}),
        points=df,
        peak_flops=float(peak) if peak else None,
    )


def stored_twin(wh: Warehouse, res: FitResult) -> str | None:
    """The fit_id of a stored fit identical to ``res`` (same data, form, weighting and coefficients), or None."""
    params = {
        "engine": res.engine, "device": res.device, "form": res.form, "weighting": res.weighting,
        "hardware": res.hardware, "coefs": json.dumps(res.coefs, sort_keys=True), "n_points": res.n_points,
        "n_train": res.n_train, "n_holdout": res.n_holdout, "holdout": res.holdout, "seed": res.seed,
    }  # fmt: skip
    rows = wh.con.execute(sqlfiles.load("fit/same"), params).fetchall()
    return str(rows[0][0]) if rows else None


def store(wh: Warehouse, res: FitResult) -> str:
    """Insert (or replace) a fit in ``coefficients``, columns by name; returns its fit_id. A fit identical to a
    stored one (the same run twice) is not stored again: its fit_id is the stored one's."""
    twin = stored_twin(wh, res)
    if twin is not None:
        return twin
    p = res.params
    row = {
        "fit_id": res.fit_id, "engine": res.engine, "device": res.device, "device_query": res.device_query,
        "hardware": res.hardware, "form": res.form, "weighting": res.weighting,
        "a": p["a"], "b": p["b"], "c": p["c"], "t0": p["t0"], "i_gpu": res.i_gpu, "i_link": res.i_link,
        "coefs": json.dumps(res.coefs, sort_keys=True),
        "n_points": res.n_points, "n_train": res.n_train, "n_holdout": res.n_holdout, "n_configs": res.n_configs,
        "holdout": res.holdout, "seed": res.seed,
        "r2": _finite(res.r2), "mape": _finite(res.mape),
        "r2_holdout": _finite(res.r2_holdout), "mape_holdout": _finite(res.mape_holdout),
        "models": res.models, "run_ids": res.run_ids, "fitted_at": res.fitted_at, "sources": res.sources,
    }  # fmt: skip
    insert_arrow(wh.con, "coefficients", pa.Table.from_pylist([row]), replace=True)
    return res.fit_id


def _finite(v: float | None) -> float | None:
    return v if v is not None and math.isfinite(v) else None


def latest(wh: Warehouse, engine: str, device: str, form: str = "") -> dict[str, Any]:
    """The newest stored fit of ``engine`` on a hardware profile or device name (raises if none)."""
    df = wh.named("fit/latest", {"engine": engine, "device": device, "form": form})
    if df.is_empty():
        raise KineticsError(
            f"no fitted coefficients for engine {engine!r} on {device!r}"
            + (f" (form {form})" if form else "")
            + f": run `kinetics-sql fit --engine {engine} --device {device.split('-')[0].upper()}` first"
        )
    row = df.row(0, named=True)
    if row["form"] not in ("plain", "split"):
        raise KineticsError(
            f"fit {row['fit_id']} is of the {row['form']} form, which frontier costs do not price yet (its KV-cache "
            f"and per-sequence terms): fit --form split for --cost latency"
        )
    row["coefs"] = json.loads(row["coefs"]) if isinstance(row["coefs"], str) else row["coefs"]
    row["params"] = coef_struct(row["form"], row["coefs"])
    return row


def predict_measurements(wh: Warehouse, res: FitResult, sources: Sequence[str]) -> pl.DataFrame:
    """The fit's predictions, no refit, for the measurements of the same engine and device from ingested files whose
    name contains one of ``sources`` (e.g. MoE runs beside a fit trained on dense ones): per point the measured and
    predicted decode seconds (the forms with a decode target; total for plain), their relative error and the step
    times in ms."""
    df = features(wh, res.engine, res.device_query, sources)
    decode = "decode_s" if "decode_s" in FORMS[res.form] else "total_s"
    cols = FORMS[res.form][decode]
    pred = _matrix(df, cols) @ np.array([res.coefs[decode][c] for c in cols])
    steps = df["gen_tokens"].cast(pl.Float64).clip(lower_bound=1)
    out = df.select(
        "source", "model", "batch", "prompt_tokens", "gen_tokens",
        pl.lit(decode).alias("target"),
        pl.col(decode).alias("measured_s"),
        pl.Series("predicted_s", pred),
        ((pl.Series(pred) - pl.col(decode)) / pl.col(decode)).alias("rel_error"),
        (1000 * pl.col(decode) / steps).alias("measured_ms_per_step"),
        (1000 * pl.Series(pred) / steps).alias("predicted_ms_per_step"),
    )  # fmt: skip
    tog = wh.named("fit/together_features",
                   {"engine": res.engine, "device": res.device_query, "sources": list(sources)})  # fmt: skip
    if tog.is_empty():
        return out
    # together: the wall time from submitting to the last sample's last token, prompt included (every target)
    tpred = predict(tog, res.form, res.coefs)
    tsteps = tog["gen_tokens"].cast(pl.Float64).clip(lower_bound=1)
    together = tog.select(
        "source", "model", "batch", "prompt_tokens", "gen_tokens",
        pl.lit("together total_s").alias("target"),
        pl.col("total_s").alias("measured_s"),
        pl.Series("predicted_s", tpred),
        ((pl.Series(tpred) - pl.col("total_s")) / pl.col("total_s")).alias("rel_error"),
        (1000 * pl.col("total_s") / tsteps).alias("measured_ms_per_step"),
        (1000 * pl.Series(tpred) / tsteps).alias("predicted_ms_per_step"),
    )  # fmt: skip
    return pl.concat([out, together], how="vertical_relaxed")
