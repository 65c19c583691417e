"""The paper's figures, one Altair spec each, from frontier and report queries.

Each function returns a :class:`Figure`: the chart and the queries (SQL text and bind parameters)
its data came from, so a report can put them side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import polars as pl

from kinetics_sql import frontier as fr
from kinetics_sql import sqlfiles
from kinetics_sql.figures import steps
from kinetics_sql.figures.charts import (
    COST_TITLES,
    HEIGHT,
    MODEL_ORDER,
    WIDTH,
    method_scale,
    model_scale,
    step_chart,
)
from kinetics_sql.warehouse import Warehouse


@dataclass
class Figure:
    name: str
    title: str
    caption: str
    chart: alt.TopLevelMixin
    queries: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    wh: Warehouse
    task: str = "aime24"
    hardware: str = "b200"
    bootstrap: int = 0
    seed: int = 0
    sources: tuple[str, ...] = ()  # the paper's figures: the Kinetics sources of the task (() = all)
    levels: int = steps.LEVELS  # accuracy levels a chart's frontier resolves (figures.steps)

    def spec(self, **kw: Any) -> fr.FrontierSpec:
        return fr.FrontierSpec.make(task=self.task, hardware=self.hardware, sources=self.sources, **kw)


def _frontier(ctx: Context, spec: fr.FrontierSpec, queries: list[tuple[str, dict[str, Any]]]) -> pl.DataFrame:
    """The frontier's breakpoints as a chart draws them (thinned at scale: figures.steps); its query to ``queries``."""
    got = steps.frontier_steps(ctx.wh, spec, levels=ctx.levels)
    queries.append((got.provenance, got.params))
    return got.rows


def _x_domain(*frames: pl.DataFrame) -> tuple[float, float]:
    lo = min(float(f["cost_tera"].min()) for f in frames if f.height)  # type: ignore[arg-type]
    hi = max(float(f["cost_tera"].max()) for f in frames if f.height)  # type: ignore[arg-type]
    return lo * 0.8, hi * 1.3


def fig1_frontiers(ctx: Context) -> Figure:
    """Figure 1: FLOPs vs eFLOPs frontiers, each segment coloured by the optimal model."""
    queries: list[tuple[str, dict[str, Any]]] = []
    panels = []
    for cost in ("flops", "eflops"):
        spec = ctx.spec(cost=cost, by="model", bootstrap=ctx.bootstrap, seed=ctx.seed)
        df = _frontier(ctx, spec, queries)
        panels.append(
            step_chart(
                df,
                color="model",
                scale=model_scale(MODEL_ORDER),
                x_title=f"{COST_TITLES[cost]} per problem",
                title=f"{'FLOPs' if cost == 'flops' else 'eFLOPs'} frontier (oracle, best-of-N)",
                legend_title="optimal model",
                band=ctx.bootstrap > 0,
            )
        )
    chart = alt.hconcat(*panels).resolve_scale(x="independent")
    return Figure(
        "fig1_frontiers",
        "Figure 1: the optimal model under FLOPs and under eFLOPs",
        "Envelope across Qwen3 sizes of the per-problem oracle frontiers (every attention method, N = 1..32), "
        "each breakpoint coloured by the model whose frontier attains it"
        + (f"; shaded: 95% bootstrap band over problems ({ctx.bootstrap} replicates)" if ctx.bootstrap else "")
        + ". Under eFLOPs the larger models take over at lower accuracy.",
        chart,
        queries,
    )


def _optimal_setting(ctx: Context, strategy: str) -> tuple[alt.TopLevelMixin, list[tuple[str, dict[str, Any]]]]:
    """The winning model's size and setting at each breakpoint of the envelope across models."""
    setting = "N (trials)" if strategy == "best-of-n" else "generation budget (tokens)"
    queries: list[tuple[str, dict[str, Any]]] = []
    frames = []
    sizes = ctx.wh.named("report/model_sizes")
    for cost in ("flops", "eflops"):
        df = _frontier(ctx, ctx.spec(cost=cost, by="model", strategy=strategy), queries)
        frames.append(df.with_columns(cost_model=pl.lit("FLOPs" if cost == "flops" else "eFLOPs")))
    df = pl.concat(frames).join(sizes, on="model", how="left")
    data = alt.Data(
        values=df.select("cost_model", "accuracy", "params_b", "model", "setting", "config", "cost_tera").to_dicts()
    )
    color = alt.Color(
        "cost_model:N", title="cost model", scale=alt.Scale(domain=["FLOPs", "eFLOPs"], range=["#7570b3", "#d95f02"])
    )
    tips = [
        alt.Tooltip("cost_model:N"),
        alt.Tooltip("accuracy:Q", format=".3f"),
        alt.Tooltip("model:N"),
        alt.Tooltip("config:N"),
        alt.Tooltip("setting:Q", title=setting),
        alt.Tooltip("cost_tera:Q", format=".4g", title="cost (Tera)"),
    ]
    x = alt.X("accuracy:Q", title="accuracy target (frontier breakpoint)", scale=alt.Scale(domain=[0, 1]))
    size = (
        alt.Chart(data)
        .mark_line(interpolate="step-after", strokeWidth=2.5, point=alt.OverlayMarkDef(size=12))
        .encode(
            x=x,
            y=alt.Y(
                "params_b:Q",
                title="optimal model size (B parameters)",
                scale=alt.Scale(type="log", domain=[0.6, 40]),
                axis=alt.Axis(values=[0.752, 2.03, 4.02, 8.19, 14.33, 32.76], format=".3~g"),
            ),
            color=color,
            tooltip=tips,
        )
        .properties(width=WIDTH, height=HEIGHT, title="(a) optimal model size")
    )
    trials = (
        alt.Chart(data)
        .mark_point(filled=True, size=30, opacity=0.7)
        .encode(
            x=x,
            y=alt.Y("setting:Q", title=f"optimal {setting}", scale=alt.Scale(type="log", base=2)),
            color=color,
            tooltip=tips,
        )
        .properties(width=WIDTH, height=HEIGHT, title=f"(b) optimal {setting.split(' (')[0]}")
    )
    return alt.hconcat(size, trials), queries


def fig3_optimal_setting(ctx: Context) -> Figure:
    """Figure 3a/b: the optimal model size and number of trials against the accuracy target."""
    chart, queries = _optimal_setting(ctx, "best-of-n")
    return Figure(
        "fig3_optimal_setting",
        "Figure 3: the optimal model size and number of trials",
        "At each breakpoint of the envelope across models (oracle, best-of-N), the winning model's size and N. "
        "eFLOPs moves to larger models (and fewer trials) at lower accuracy targets than FLOPs.",
        chart,
        queries,
    )


def fig3cd_long_cot(ctx: Context) -> Figure | None:
    """Figure 3c/d: the optimal model size and generation budget (long CoT; needs trial_budgets rows)."""
    n = ctx.wh.named("report/trial_budget_count", {"task": ctx.task}).item()
    if not n:
        return None
    chart, queries = _optimal_setting(ctx, "long-cot")
    return Figure(
        "fig3cd_long_cot",
        "Figure 3c/d: long chain of thought, the optimal model size and generation budget",
        "At each breakpoint of the envelope across models (oracle, traces cut at each generation budget), the "
        "winning model's size and generation budget, under FLOPs and eFLOPs.",
        chart,
        queries,
    )


def _by_method(df: pl.DataFrame, x_title: str, title: str, **options: Any) -> Any:
    """Frontiers coloured by attention method, one lane per group."""
    return step_chart(df, color="method", scale=method_scale(), lane="group", x_title=x_title, title=title, **options)


def _by_model(df: pl.DataFrame, title: str, x_domain: Any) -> Any:
    """An envelope across models in eFLOPs, coloured by the optimal model."""
    return step_chart(df, color="model", scale=model_scale(MODEL_ORDER), x_title="Tera-eFLOPs per problem",
                      title=title, legend_title="optimal model", x_domain=x_domain)  # fmt: skip


def _per_model_panels(ctx: Context, methods: tuple[str, ...], cost: str, queries: list[Any]) -> list[Any]:
    spec = ctx.spec(cost=cost, by="model_method", envelope=False, methods=methods)
    df = _frontier(ctx, spec, queries)
    present = [m for m in MODEL_ORDER if df.filter(pl.col("model") == m)["method"].n_unique() == len(methods)]
    dom = _x_domain(df)
    panels = []
    for model in present:
        part = df.filter(pl.col("model") == model)
        panels.append(_by_method(part, COST_TITLES[cost], model, x_domain=dom).properties(width=300, height=210))
    return panels


# method -> the figure of its frontiers against dense attention: name, title, caption
VS_DENSE = {
    "topk": ("fig5_topk_vs_dense", "Figures 2/5: oracle top-k vs dense attention, per model",
             "Per-problem oracle frontiers of each model with dense attention (all N) and with top-k attention (all "
             "KV budgets and N), in eFLOPs. Sparse attention reaches the same accuracy at a fraction of the cost."),
    "blocktopk": ("fig7_blocktopk_vs_dense", "Figure 7: block top-k vs dense attention",
                  "Oracle frontiers with block top-k attention (a deployable sparse method: the block search is "
                  "charged) against dense attention, per model and as envelopes across models, in eFLOPs."),
}  # fmt: skip


def _vs_dense(ctx: Context, method: str, *, envelopes: bool) -> Figure:
    """Oracle frontiers of each model with dense and with ``method`` attention, in eFLOPs (with ``envelopes``: and
    a panel of both methods' envelopes across models)."""
    queries: list[Any] = []
    panels = _per_model_panels(ctx, ("dense", method), "eflops", queries)
    if envelopes:
        spec = ctx.spec(cost="eflops", by="method", envelope=False, methods=("dense", method))
        env = _frontier(ctx, spec, queries)
        panels.append(_by_method(env, "Tera-eFLOPs", "all models (envelopes)").properties(width=300, height=210))
    name, title, caption = VS_DENSE[method]
    return Figure(name, title, caption, alt.concat(*panels, columns=4 if envelopes else 3), queries)


def fig5_sparse_per_model(ctx: Context) -> Figure:
    """Figures 2/5: dense vs oracle top-k attention, per model."""
    return _vs_dense(ctx, "topk", envelopes=False)


def fig7_blocktopk(ctx: Context) -> Figure:
    """Figure 7: block top-k vs dense attention, per model and across models."""
    return _vs_dense(ctx, "blocktopk", envelopes=True)


def fig2_methods(ctx: Context) -> Figure:
    """Figure 2: envelopes across models by attention method."""
    queries: list[Any] = []
    df = _frontier(ctx, ctx.spec(cost="eflops", by="method", envelope=False), queries)
    chart = _by_method(df, "Tera-eFLOPs per problem", "Best of all models, by attention method (oracle, best-of-N)")
    return Figure(
        "fig2_methods",
        "Figure 2: dense vs sparse attention across all models",
        "For each attention method, the envelope across models of the per-problem oracle frontiers, in eFLOPs.",
        chart,
        queries,
    )


def fig6_sparse_envelope(ctx: Context) -> Figure:
    """Figure 6: the optimal model with sparse attention, against the dense envelope."""
    queries: list[Any] = []
    sparse = _frontier(ctx, ctx.spec(cost="eflops", by="model", methods=("topk",)), queries)
    dense = _frontier(ctx, ctx.spec(cost="eflops", by="model", methods=("dense",)), queries)
    dom = _x_domain(sparse, dense)
    a = _by_model(sparse, "Oracle top-k attention", dom)
    b = _by_model(dense, "Dense attention", dom)
    return Figure(
        "fig6_sparse_envelope",
        "Figure 6: the optimal model with sparse attention",
        "Envelopes across models of the oracle frontiers with top-k attention only and with dense attention only "
        "(eFLOPs), coloured by the optimal model. Sparse attention shifts the frontier left by an order of "
        "magnitude and favours larger models at lower cost.",
        alt.hconcat(a, b).resolve_scale(color="shared"),
        queries,
    )


def fig4a_kv_memory(ctx: Context, tokens: int = 32768) -> Figure:
    """Figure 4a: KV-cache memory vs model size."""
    sql = sqlfiles.load("report/kv_memory")
    params = {"tokens": tokens}
    df = ctx.wh.df(sql, params)
    long = pl.concat(
        [
            df.select("model", "params_b", gib="weights_gib").with_columns(what=pl.lit("weights (bf16)")),
            df.select("model", "params_b", gib="kv_gib").with_columns(
                what=pl.lit(f"KV cache, {tokens // 1024}K tokens")
            ),
        ]
    )
    data = alt.Data(values=long.to_dicts())
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("model:N", sort=MODEL_ORDER, title=None, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("what:N"),
            y=alt.Y("gib:Q", title="GiB"),
            color=alt.Color("what:N", title=None, scale=alt.Scale(range=["#9ecae1", "#e6550d"])),
            tooltip=[alt.Tooltip("model:N"), alt.Tooltip("what:N"), alt.Tooltip("gib:Q", format=".2f")],
        )
        .properties(width=WIDTH, height=HEIGHT, title=f"Weights vs KV cache at {tokens // 1024}K tokens")
    )
    return Figure(
        "fig4a_kv_memory",
        "Figure 4a: KV memory vs model size",
        "Small models carry a KV cache out of proportion to their weights: at 32K tokens Qwen3-0.6B's cache is "
        "larger than its weights, Qwen3-32B's is a small fraction (8 KV heads of 128 dimensions at every size).",
        chart,
        [(sql, params)],
    )


def fig4bc_iso_cost(ctx: Context, lin: int = 155, max_lout: int = 32768) -> Figure:
    """Figures 4b/4c: iso-FLOPs and iso-eFLOPs lines over model size x generation length."""
    sql = sqlfiles.load("report/iso_cost")
    levels = [10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0]
    params = {"lin": lin, "max_lout": max_lout, "hardware": ctx.hardware, "levels_tera": levels}
    df = ctx.wh.df(sql, params)
    panels = []
    for cost_model in ("FLOPs", "eFLOPs"):
        part = df.filter(pl.col("cost_model") == cost_model)
        panels.append(
            alt.Chart(alt.Data(values=part.to_dicts()))
            .mark_line(point=True, strokeWidth=2)
            .encode(
                x=alt.X(
                    "params_b:Q",
                    title="model size (B parameters)",
                    scale=alt.Scale(type="log", domain=[0.6, 40]),
                    axis=alt.Axis(values=[0.752, 2.03, 4.02, 8.19, 14.33, 32.76], format=".3~g"),
                ),
                y=alt.Y(
                    "lout:Q", title="generation length (tokens)", scale=alt.Scale(type="log", domain=[64, max_lout])
                ),
                color=alt.Color("level_tera:O", title=f"Tera-{cost_model}", scale=alt.Scale(scheme="viridis")),
                tooltip=[
                    alt.Tooltip("model:N"),
                    alt.Tooltip("level_tera:Q", title=f"Tera-{cost_model}"),
                    alt.Tooltip("lout:Q", title="generation length"),
                ],
            )
            .properties(width=WIDTH, height=HEIGHT, title=f"iso-{cost_model} (dense, one trial)")
        )
    return Figure(
        "fig4bc_iso_cost",
        "Figures 4b/4c: iso-FLOPs and iso-eFLOPs contours",
        "For each cost level, the generation length at which each model spends it (dense attention, one trial, "
        f"{lin}-token prompt, i of {ctx.hardware}). Under FLOPs the lines fall steeply with model size (a 10x larger "
        "model affords ~10x fewer tokens); under eFLOPs they are much flatter: the KV traffic of long generations "
        "dominates, so larger models cost little more per token.",
        alt.hconcat(*panels).resolve_scale(color="independent"),
        [(sql, params)],
    )


# Figures drawn only where their data exist (they return None otherwise).
def fig_strategies(ctx: Context) -> Figure | None:
    """Majority vote vs coverage vs one sample (answer tables; kinetics_sql.figures.strategies)."""
    from kinetics_sql.figures import strategies

    parts = strategies.figure_parts(ctx.wh, ctx.task, ctx.hardware)
    return Figure(**parts) if parts else None


OPTIONAL_FIGURES: list[Callable[[Context], Figure | None]] = [fig3cd_long_cot, fig_strategies]

FIGURES: list[Callable[[Context], Figure]] = [
    fig1_frontiers,
    fig2_methods,
    fig3_optimal_setting,
    fig4a_kv_memory,
    fig4bc_iso_cost,
    fig5_sparse_per_model,
    fig6_sparse_envelope,
    fig7_blocktopk,
]
