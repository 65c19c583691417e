"""Altair building blocks: step frontiers as horizontal segments and risers, saving HTML/PNG/SVG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import altair as alt
import polars as pl

from kinetics_sql import catalog
from kinetics_sql.errors import KineticsError
from kinetics_sql.facts.methods import METHODS
from kinetics_sql.facts.models import MODEL_ORDER as _MODEL_ORDER

MODEL_ORDER = list(_MODEL_ORDER)
# One colour per model on every chart and page: 20 colours that stay apart (Trubetskoy's distinct colours, with the
# pastels that vanish on a white page, contrast below 2:1, replaced by darker ones of their hue), given to the
# built-in models by size (the Kinetics Qwen3 sizes first, smallest first), so a model keeps its colour whichever
# models a chart shows; a model of your own takes one by a hash of its name.
PALETTE = [
    "#4363d8", "#e6194b", "#3cb44b", "#f58231", "#911eb4", "#000075", "#0093b8", "#f032e6", "#9a6324", "#469990",
    "#800000", "#808000", "#00a087", "#7b68ee", "#a9a9a9", "#000000", "#b8860b", "#d6336c", "#2f4f4f", "#cc7a00",
]  # fmt: skip


SIZES = {m.name: float(m.params) for m in catalog.builtin_models()}
BUILTIN_ORDER = MODEL_ORDER + sorted((m for m in SIZES if m not in MODEL_ORDER), key=lambda m: (SIZES[m], m))
MODEL_COLOR = {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(BUILTIN_ORDER)}
MODEL_COLORS = [MODEL_COLOR[m] for m in MODEL_ORDER]


def model_color(model: str) -> str:
    """The model's colour on every chart: fixed for the built-in models, a stable hash of the name otherwise."""
    if model in MODEL_COLOR:
        return MODEL_COLOR[model]
    return PALETTE[sum(model.encode()) % len(PALETTE)]


def by_size(models: list[str]) -> list[str]:
    """Models smallest first (built-in parameter counts; others after, by name): the legend's order."""
    return sorted(models, key=lambda m: (m not in SIZES, SIZES.get(m, 0.0), m))
METHOD_ORDER = list(METHODS)
METHOD_COLORS = ["#fc8d62", "#66c2a5", "#8da0cb", "#a6a6a6"]
COST_TITLES = {
    "flops": "Tera-FLOPs",
    "eflops": "Tera-eFLOPs",
    "rflops": "Tera-rFLOPs",
    "latency": "predicted seconds",
    "dollars": "USD per 1,000 problems (latency regime)",
    "dollars-throughput": "USD per 1,000 problems (throughput regime)",
}
WIDTH, HEIGHT = 420, 300


def model_scale(models: list[str] | None = None) -> alt.Scale:
    """Each model's own colour (model_color), the legend ordered by size."""
    domain = by_size(list(dict.fromkeys(models))) if models is not None else list(MODEL_ORDER)
    return alt.Scale(domain=domain, range=[model_color(m) for m in domain])


def method_scale() -> alt.Scale:
    return alt.Scale(domain=METHOD_ORDER, range=METHOD_COLORS)


def step_segments(df: pl.DataFrame, lane: str | None = None, extend: float = 1.25) -> pl.DataFrame:
    """Breakpoints -> horizontal segments [cost, next cost) at each accuracy and the riser before each.

    Columns added: x2 (next breakpoint's cost_tera, the last extended by ``extend``), y0 (the
    accuracy before this breakpoint).
    """
    over = [lane] if lane else None
    df = df.sort([*(over or []), "cost_tera"])
    nxt = pl.col("cost_tera").shift(-1)
    prev = pl.col("accuracy").shift(1)
    if over:
        nxt, prev = nxt.over(over), prev.over(over)
    return df.with_columns(
        x2=nxt.fill_null(pl.col("cost_tera") * extend),
        y0=prev.fill_null(0.0),
    )


def tooltip(df: pl.DataFrame) -> list[alt.Tooltip]:
    fields = [
        ("cost_tera:Q", "cost (Tera)", ".4g"),
        ("seconds:Q", "seconds", ".3g"),
        ("accuracy:Q", "accuracy", ".3f"),
        ("lower:Q", "lower 95%", ".3f"),
        ("upper:Q", "upper 95%", ".3f"),
        ("group:N", "group", None),
        ("model:N", "model", None),
        ("method:N", "method", None),
        ("budget:Q", "KV budget", None),
        ("config:N", "configuration", None),
        ("setting:Q", "setting (N or generation budget)", None),
    ]
    out = []
    for col, title, fmt in fields:
        if col.split(":")[0] in df.columns:
            out.append(alt.Tooltip(col, title=title, format=fmt) if fmt else alt.Tooltip(col, title=title))
    return out


def step_chart(
    df: pl.DataFrame,
    *,
    color: str,
    scale: alt.Scale,
    x_title: str,
    lane: str | None = None,
    title: str | None = None,
    legend_title: str | None = None,
    dash: str | None = None,
    band: bool = False,
    x_domain: tuple[float, float] | None = None,
) -> alt.LayerChart:
    """A step frontier: coloured horizontal segments, thin risers, optional lower/upper band."""
    seg = step_segments(df, lane=lane)
    tips = tooltip(seg)
    shown = {str(t.shorthand).split(":")[0] for t in tips}  # the tooltip's fields (cost_tera and accuracy among them)
    drawn = shown | {"x2", "y0", "lower", "upper", color, lane, dash}
    data = alt.Data(values=seg.select([c for c in seg.columns if c in drawn]).to_dicts())  # only what is drawn or shown
    xs = alt.Scale(type="log", domain=list(x_domain) if x_domain else alt.Undefined, nice=False, clamp=True)
    x = alt.X("cost_tera:Q", title=x_title, scale=xs, axis=alt.Axis(format="~s", grid=True, gridOpacity=0.4))
    y = alt.Y("accuracy:Q", title="accuracy", scale=alt.Scale(domain=[0, 1]))
    legend = alt.Legend(symbolOpacity=1, symbolType="stroke", symbolStrokeWidth=4)
    col = alt.Color(f"{color}:N", scale=scale, title=legend_title or color, legend=legend)
    base = alt.Chart(data)
    layers: list[Any] = []
    if band and "lower" in seg.columns:
        layers.append(
            base.mark_rect(opacity=0.18).encode(
                x=x, x2="x2:Q", y=alt.Y("lower:Q", scale=alt.Scale(domain=[0, 1])), y2="upper:Q", color=col
            )
        )
    stroke = alt.StrokeDash(f"{dash}:N", title=dash) if dash else alt.Undefined
    layers.append(
        base.mark_rule(strokeWidth=1, opacity=0.6).encode(x=x, y="y0:Q", y2="accuracy:Q", color=col, strokeDash=stroke)
    )
    layers.append(
        base.mark_rule(strokeWidth=2.5).encode(x=x, x2="x2:Q", y=y, color=col, strokeDash=stroke, tooltip=tips)
    )
    chart = alt.layer(*layers).properties(width=WIDTH, height=HEIGHT)
    if title:
        chart = chart.properties(title=title)
    return chart  # type: ignore[return-value]


def frontier_chart(df: pl.DataFrame, spec: Any) -> alt.TopLevelMixin:
    """The chart `kinetics-sql frontier --out` draws for its rows."""
    if df.is_empty():
        raise KineticsError("no frontier rows to draw: ingest data first (`kinetics-sql ingest --bundled`)")
    per_group = "group" in df.columns and not spec.envelope
    color = "group" if per_group else ("model" if spec.by in ("none", "model", "config", "arm") else "method")
    if color == "model":
        scale = model_scale(sorted(set(df["model"].drop_nulls())))
    elif color == "method":
        scale = method_scale()
    else:
        scale = alt.Scale(scheme="tableau20")
    sel = spec.selection
    title = f"{sel.task} {sel.strategy}, {sel.kind} frontier ({spec.cost}, {spec.pricing.hardware})"
    if spec.cost == "latency":  # the x axis in seconds, not seconds / 1e12
        df = df.with_columns(cost_tera=pl.col("seconds"))
    elif spec.cost in ("dollars", "dollars-throughput"):  # in USD per 1,000 problems, not / 1e12
        df = df.with_columns(cost_tera=pl.col("cost"))
    return step_chart(
        df.drop_nulls("cost_tera"),
        color=color,
        scale=scale,
        x_title=COST_TITLES.get(spec.cost, spec.cost),
        lane="group" if per_group else None,
        title=title,
        band=spec.bootstrap > 0,
    )


def save(chart: alt.TopLevelMixin, path: str | Path, *, scale_factor: float = 2.0, beside: bool = False) -> Path:
    """Write a chart as .html (interactive, tooltips), .png or .svg (vl-convert), by the file's suffix.

    HTML works with no network: the Vega scripts are inlined, or with ``beside`` written once next to
    the page as vega-bundle.js (a report's pages share it); see :mod:`kinetics_sql.figures.offline`.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".html", ".png", ".svg", ".json"):
        raise KineticsError(f"cannot draw to {path}: use a .html, .png or .svg file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".html":
        from kinetics_sql.figures import offline

        return offline.save_html(chart, path, beside=beside)
    if suffix == ".png":
        chart.save(str(path), scale_factor=scale_factor)
    else:
        chart.save(str(path))
    return path
