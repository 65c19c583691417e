"""Latency figures (Kinetics++): fitted vs measured latency, latency vs generation length per offload
depth, and the offload-aware frontier under a VRAM limit. Same Figure type as the paper's figures.

Each figure is built from the warehouse's measurements and stored fits (`kinetics-sql fit`); with no
measurements there is nothing to draw and :func:`figures` returns only the frontier (datasheet costs).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any, Literal

import altair as alt
import polars as pl

from kinetics_sql import compare_offload, costmodel, sqlfiles
from kinetics_sql import fit as fitlib
from kinetics_sql import frontier as fr
from kinetics_sql.errors import KineticsError
from kinetics_sql.facts.models import ordered
from kinetics_sql.figures.charts import HEIGHT, WIDTH, model_scale
from kinetics_sql.figures.paper import Figure
from kinetics_sql.warehouse import Warehouse

DEPTH_SCHEME: Literal["viridis"] = "viridis"


def _fits(wh: Warehouse, hardware: str | None = None) -> list[dict[str, Any]]:
    """The newest stored fit of every engine (optionally on one hardware profile)."""
    df = wh.named("fit/latest_per_engine", {"hardware": hardware or ""})
    return list(df.iter_rows(named=True))


def _refit(wh: Warehouse, row: dict[str, Any]) -> fitlib.FitResult:
    """Recompute a stored fit's points (same engine, device, form, split, weighting); nothing stored."""
    return fitlib.fit(
        wh,
        row["engine"],
        row["device_query"],
        form=row["form"],
        holdout=row["holdout"],
        seed=row["seed"],
        weighting=row["weighting"],
        hardware=row["hardware"],
        models=tuple(row["models"] or ()),
        sources=tuple(row.get("sources") or ()),
    )


def predicted_vs_measured(results: Sequence[fitlib.FitResult]) -> Figure:
    """One panel per engine: predicted against measured total latency, log-log, y = x dashed."""
    panels = []
    for res in results:
        pts = res.points.with_columns(
            pl.when(pl.col("holdout")).then(pl.lit("held out")).otherwise(pl.lit("fit")).alias("set"),
            (pl.col("layers_offloaded") / pl.col("n_layers")).alias("offloaded_share"),
        ).select(
            "model",
            "n_gpu_layers",
            "layers_offloaded",
            "offloaded_share",
            "offload_mode",
            "batch",
            "prompt_tokens",
            "gen_tokens",
            "total_s",
            "predicted_s",
            "rel_error",
            "set",
        )
        seconds = pl.concat([pts["total_s"], pts["predicted_s"]]).cast(pl.Float64)
        lo = float(seconds.min() or 0.0) * 0.8  # type: ignore[arg-type]
        hi = float(seconds.max() or 1.0) * 1.25  # type: ignore[arg-type]
        scale = alt.Scale(type="log", domain=[lo, hi], nice=False)
        r2 = "n/a" if res.r2_holdout is None else f"{res.r2_holdout:.4f}"
        mp = "n/a" if res.mape_holdout is None else f"{100 * res.mape_holdout:.1f}%"
        src = f", {', '.join(res.sources)}" if res.sources and len(results) > 1 else ""
        title = f"{res.engine} ({res.form}{src}): held-out R² {r2}, MAPE {mp}"
        line = (
            alt.Chart(alt.Data(values=[{"x": lo, "y": lo}, {"x": hi, "y": hi}]))
            .mark_line(strokeDash=[4, 4], color="#888")
            .encode(x=alt.X("x:Q", scale=scale), y=alt.Y("y:Q", scale=scale))
        )
        dots = (
            alt.Chart(alt.Data(values=pts.to_dicts()))
            .mark_point(size=45, filled=True, opacity=0.8)
            .encode(
                x=alt.X("total_s:Q", title="measured latency (s)", scale=scale),
                y=alt.Y("predicted_s:Q", title="predicted latency (s)", scale=scale),
                color=alt.Color(
                    "layers_offloaded:Q", title="layers offloaded", scale=alt.Scale(scheme=DEPTH_SCHEME, reverse=True)
                ),
                shape=alt.Shape("set:N", title="points", scale=alt.Scale(domain=["fit", "held out"])),
                tooltip=[
                    alt.Tooltip("model:N"),
                    alt.Tooltip("n_gpu_layers:Q"),
                    alt.Tooltip("layers_offloaded:Q"),
                    alt.Tooltip("offload_mode:N"),
                    alt.Tooltip("batch:Q"),
                    alt.Tooltip("prompt_tokens:Q"),
                    alt.Tooltip("gen_tokens:Q"),
                    alt.Tooltip("total_s:Q", format=".4g"),
                    alt.Tooltip("predicted_s:Q", format=".4g"),
                    alt.Tooltip("rel_error:Q", format="+.1%"),
                    alt.Tooltip("set:N"),
                ],
            )
        )
        panels.append(alt.layer(line, dots).properties(width=WIDTH, height=HEIGHT, title=title))
    chart = alt.hconcat(*panels).resolve_scale(color="independent", x="independent", y="independent")
    return Figure(
        "latency_fit",
        "Predicted vs measured latency (fitted rFLOPs model)",
        "Each point is one measured run (prefill + decode); the prediction is the fitted model "
        "a*compute + b*hbm_bytes + c*link_bytes + t0 (or its split form). Colour: layers whose weights live "
        "in host memory; squares: configurations held out of the fit. The dashed line is y = x.",
        chart,
        [(sqlfiles.load("fit/features"), {"engine": r.engine, "device": r.device_query}) for r in results],
    )


def latency_vs_length(res: fitlib.FitResult) -> Figure:
    """Decode latency against generation length, one line per offload depth, a panel per model."""
    pts = res.points.filter(pl.col("batch") == pl.col("batch").min()).with_columns(
        (pl.col("decode_s") / pl.col("gen_tokens") * 1000).alias("ms_per_token")
    )
    pts = pts.select(
        "model",
        "layers_offloaded",
        "n_gpu_layers",
        "gen_tokens",
        "prompt_tokens",
        "decode_s",
        "total_s",
        "predicted_s",
        "ms_per_token",
    )
    models = ordered(set(pts["model"]))
    base = alt.Chart(alt.Data(values=pts.to_dicts()))
    color = alt.Color(
        "layers_offloaded:O", title="layers offloaded", scale=alt.Scale(scheme=DEPTH_SCHEME, reverse=True)
    )
    x = alt.X("gen_tokens:Q", title="generated tokens", scale=alt.Scale(zero=True))
    y = alt.Y("total_s:Q", title="latency (s)", scale=alt.Scale(zero=True))
    measured = base.mark_point(filled=True, size=40).encode(
        x=x,
        y=y,
        color=color,
        tooltip=[
            alt.Tooltip("model:N"),
            alt.Tooltip("layers_offloaded:Q"),
            alt.Tooltip("gen_tokens:Q"),
            alt.Tooltip("total_s:Q", format=".4g"),
            alt.Tooltip("predicted_s:Q", format=".4g"),
            alt.Tooltip("ms_per_token:Q", title="ms / token (decode)", format=".3g"),
        ],
    )
    predicted = base.mark_line(strokeWidth=1.5, opacity=0.8).encode(
        x=x, y=alt.Y("predicted_s:Q"), color=color, detail="prompt_tokens:N"
    )
    chart = (
        alt.layer(predicted, measured)
        .properties(width=220, height=200)
        .facet(facet=alt.Facet("model:N", sort=models, title=None), columns=4)
        .resolve_scale(y="independent")
        .properties(title=f"{res.engine} on {res.device}: latency vs generation length (lines: fitted model)")
    )
    return Figure(
        "latency_vs_length",
        f"Latency vs generation length per offload depth ({res.engine})",
        "Measured total latency (points) and the fitted model (lines) against the number of generated tokens, "
        "one colour per offload depth: the time grows linearly in the generation length with a slope set by the "
        "bytes each decode step reads (HBM for resident layers, host memory or PCIe for offloaded ones), the "
        "linear scaling Kinetics++ reports.",
        chart,
        [(sqlfiles.load("fit/features"), {"engine": res.engine, "device": res.device_query})],
    )


def offload_frontier(
    wh: Warehouse,
    *,
    task: str = "aime24",
    hardware: str = "h100-sxm",
    engine: str | None = None,
    vram_gb: float = 24.0,
    cost: str = "latency",
    fitted: fitlib.FitResult | None = None,
) -> Figure:
    """Deployable arms (mean accuracy vs mean cost) per model under a VRAM limit; offloaded arms hollow,
    each model's own Pareto frontier as a step line, dominated offloaded arms listed in the tooltip."""
    coefficients = costmodel.from_fit(wh, fitted, hardware) if fitted is not None else None
    spec = fr.FrontierSpec.make(
        task=task,
        cost=cost,
        hardware=hardware,
        kind="deployable",
        engine=engine,
        vram_gb=vram_gb,
        coefficients=coefficients,
    ).validated(wh)
    arms = compare_offload.arms(wh, spec)
    if arms.is_empty():
        raise KineticsError(f"no arms for task {task}: ingest traces first")
    arms = arms.with_columns(
        pl.when(pl.col("offloaded")).then(pl.lit("offloaded")).otherwise(pl.lit("fits in VRAM")).alias("placement"),
        pl.col("dominated_by").is_not_null().alias("dominated"),
    )
    env = fr.frontier(wh, spec)
    models = sorted(set(arms["model"]))
    x_title = "predicted latency (s)" if cost == "latency" else "rFLOPs"
    xs = alt.Scale(type="log", nice=False)
    dots = (
        alt.Chart(alt.Data(values=arms.drop("fits").to_dicts()))
        .mark_point(size=55, strokeWidth=1.6)
        .encode(
            x=alt.X("cost:Q", title=x_title, scale=xs),
            y=alt.Y("accuracy:Q", title="accuracy (mean coverage)", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("model:N", scale=model_scale(models), title="model"),
            shape=alt.Shape(
                "placement:N",
                legend=None,  # explained in the subtitle (a shape legend would not show the hollow fill)
                scale=alt.Scale(domain=["fits in VRAM", "offloaded"], range=["circle", "triangle-up"]),
                title="weights",
            ),
            fill=alt.condition("datum.offloaded", alt.value("white"), alt.Color("model:N", scale=model_scale(models))),
            tooltip=[
                alt.Tooltip("config:N"),
                alt.Tooltip("setting:Q", title="N"),
                alt.Tooltip("accuracy:Q", format=".3f"),
                alt.Tooltip("cost:Q", format=".4g"),
                alt.Tooltip("k:Q", title="layers offloaded"),
                alt.Tooltip("waves:Q"),
                alt.Tooltip("vram_needed_gb:Q", format=".1f"),
                alt.Tooltip("dominated_by:N"),
            ],
        )
    )
    env = env.sort("cost").with_columns(pl.col("cost").shift(-1).fill_null(pl.col("cost") * 1.3).alias("x2"))
    line = (
        alt.Chart(alt.Data(values=env.select("cost", "x2", "accuracy", "model", "config", "setting").to_dicts()))
        .mark_rule(strokeWidth=2, color="#333", opacity=0.7)
        .encode(
            x=alt.X("cost:Q", scale=xs),
            x2="x2:Q",
            y="accuracy:Q",
            tooltip=[alt.Tooltip("config:N", title="frontier arm"), alt.Tooltip("setting:Q", title="N")],
        )
    )
    title = f"{task} best-of-N on {spec.pricing.hardware} with {vram_gb:g} GB VRAM ({spec.priced_by})"
    title_params = alt.TitleParams(
        title,
        subtitle="filled circles: weights and KV fit in VRAM; hollow triangles: layers offloaded; "
        "black steps: deployable frontier across models",
    )
    chart = alt.layer(line, dots).properties(width=WIDTH * 1.5, height=HEIGHT * 1.2, title=title_params)
    return Figure(
        "offload_frontier",
        f"Offload-aware frontier with {vram_gb:g} GB of VRAM",
        "Every deployable arm (model, attention, KV budget, N) at its mean accuracy and predicted cost when each "
        "model offloads the fewest layers that fit its weights and the KV cache of N trials in the VRAM. Hollow "
        "triangles are offloaded arms; the black steps are the deployable frontier across all models. Offloaded "
        "arms of large models sit right of smaller resident models that are at least as accurate.",
        chart,
        [
            (
                fr.provenance(wh, sqlfiles.load("fit/offload_arms"), {"points": spec}),
                {"points": fr.points_table(wh, spec), **fr.plan_params(wh, spec), "priced_by": spec.priced_by},
            )
        ],
    )


def _fresh_fits(wh: Warehouse) -> list[fitlib.FitResult]:
    """Without stored fits: the split form per engine and device over all its measurement files,
    exactly what `kinetics-sql fit --engine E --device D --form split` computes and stores."""
    if not bool(wh.named("fit/has_table", {"name": "measurements"}).item()):
        return []
    out = []
    seen: set[tuple[str, str]] = set()
    for r in wh.named("fit/sources").iter_rows(named=True):
        key = (r["engine"], r["device"])
        if key in seen:
            continue
        seen.add(key)
        with contextlib.suppress(KineticsError):
            out.append(fitlib.fit(wh, r["engine"], r["device"], form="split"))
    return out


def figures(wh: Warehouse, *, task: str = "aime24", vram_gb: float = 24.0) -> list[Figure]:
    """Every latency figure the warehouse has data for (for `kinetics-sql report`): from the newest
    stored fit of each engine, or, with none stored, the split form fitted per engine and device."""
    out: list[Figure] = []
    fits = _fits(wh)
    results = []
    for row in fits:
        try:
            results.append(_refit(wh, row))
        except KineticsError:
            continue
    if not fits:
        results = _fresh_fits(wh)
    if results:
        out.append(predicted_vs_measured(results))
        llama = [r for r in results if r.engine.lower() == "llama.cpp"] or results
        out.append(latency_vs_length(llama[0]))
    llama_fit = next((r for r in results if r.engine.lower() == "llama.cpp" and r.hardware), None)
    hardware = llama_fit.hardware if llama_fit and llama_fit.hardware else "h100-sxm"
    with contextlib.suppress(KineticsError):
        out.append(offload_frontier(wh, task=task, hardware=hardware, vram_gb=vram_gb, fitted=llama_fit))
    return out


def key_numbers(wh: Warehouse, task: str = "aime24", vram_gb: float = 24.0) -> list[dict[str, Any]]:
    """Report entries (fields of figures.report.Number): the stored fits, and the offload finding."""
    out: list[dict[str, Any]] = []
    fits = wh.named("fit/latest_per_engine", {"hardware": ""})
    fresh: list[fitlib.FitResult] = []
    if not fits.height:  # none stored: the split form per engine and device, as the figures do
        fresh = _fresh_fits(wh)
        if fresh:
            fits = pl.DataFrame([{**f.summary(), "device": f.device, "sources": f.sources, "coefs": ""} for f in fresh])
    if fits.height:
        bits = []
        for r in fits.iter_rows(named=True):
            r2 = "n/a" if r["r2_holdout"] is None else f"{r['r2_holdout']:.4f}"
            mp = "n/a" if r["mape_holdout"] is None else f"{100 * r['mape_holdout']:.1f}%"
            src = f", {', '.join(r['sources'])}" if r.get("sources") else ""
            bits.append(
                f"{r['engine']} on {r['device']} ({r['form']} form{src}, {r['n_points']} runs, "
                f"{r['n_holdout']} held out): "
                f"held-out R^2 {r2}, MAPE {mp}"
            )
        out.append(
            {
                "key": "latency_fit",
                "title": "Fitted latency model per engine (newest fit of each)",
                "sql": sqlfiles.load("fit/latest_per_engine"),
                "params": {"hardware": ""},
                "command": "kinetics-sql fit --engine ENGINE --device DEVICE --format json",
                "rows": fits.drop("coefs"),
                "sentence": "; ".join(bits) + ".",
            }
        )
    engine, hardware = None, "h100-sxm"
    for r in fits.iter_rows(named=True):
        if r["engine"].lower() == "llama.cpp" and r["hardware"]:
            engine, hardware = r["engine"], r["hardware"]
    fitted = next((f for f in fresh if f.engine.lower() == "llama.cpp"), None)
    try:
        spec = fr.FrontierSpec.make(
            task=task,
            cost="latency",
            hardware=hardware,
            kind="deployable",
            engine=None if fitted else engine,
            vram_gb=vram_gb,
            coefficients=costmodel.from_fit(wh, fitted, hardware) if fitted else None,
        ).validated(wh)
        dom = compare_offload.dominated(wh, spec)
    except KineticsError:
        return out
    if dom.is_empty():
        return out
    parts = []
    for r in dom.filter(pl.col("offloaded_arms") > 0).iter_rows(named=True):
        parts.append(
            f"{r['model']}: {r['offloaded_dominated']} of {r['offloaded_arms']} offloaded arms dominated"
            + (
                f" (from {r['dominated_seconds_from']:.0f} s to {r['dominated_seconds_to']:.0f} s, by "
                f"{r['dominated_by_models']})"
                if r["offloaded_dominated"]
                else ""
            )
        )
    never = [r["model"] for r in dom.iter_rows(named=True) if r["envelope_breakpoints"] == 0]
    if never:
        parts.append(f"never on the envelope of the per-problem frontiers across models: {', '.join(never)}")
    eng = f"--engine {engine} " if engine else ""
    out.append(
        {
            "key": "offload_dominated",
            "title": f"Offloaded models under {vram_gb:g} GB of VRAM (Pareto dominance of deployable arms)",
            "sql": fr.provenance(wh, sqlfiles.load("fit/offload_arms"), {"points": spec})
            + "\n-- then, per model:\n"
            + sqlfiles.load("fit/offload_dominated"),
            "params": {"points": fr.points_table(wh, spec), **fr.plan_params(wh, spec), "priced_by": spec.priced_by},
            "command": (
                f"kinetics-sql compare offload --cost latency --hardware {spec.pricing.hardware} {eng}"
                f"--vram-gb {vram_gb:g}"
            ),
            "rows": dom,
            "sentence": f"With {vram_gb:g} GB of VRAM ({spec.priced_by}): " + "; ".join(parts) + "."
            if parts
            else f"With {vram_gb:g} GB of VRAM no model needs offloading.",
        }
    )
    return out
