"""Report entries for answer tables (Best-of-Infinity): majority voting against coverage and one sample.

Drawn only where the task has ``majority_votes`` rows; over the models those tables cover.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import altair as alt
import polars as pl

from kinetics_sql import frontier as fr
from kinetics_sql.figures.charts import COST_TITLES, model_scale, step_chart

if TYPE_CHECKING:
    from kinetics_sql.warehouse import Warehouse

STRATEGIES = ("best-of-n", "majority", "long-cot")
LABELS = {"best-of-n": "coverage (oracle verifier)", "majority": "majority vote", "long-cot": "one sample, capped"}


def voted_models(wh: Warehouse, task: str) -> tuple[str, ...]:
    rows = wh.named("strategies/voted_models", {"task": task})
    return tuple(rows["model"].to_list())


def _frontiers(wh: Warehouse, task: str, hardware: str, models: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for strategy in STRATEGIES:
        spec = fr.FrontierSpec.make(
            task=task, hardware=hardware, strategy=strategy, kind="deployable", by="model", models=models
        ).validated(wh)
        sql, params, prov = fr.query_provenance(wh, "frontier", spec)
        out[strategy] = (fr.frontier(wh, spec), sql, params, prov)
    return out


def key_numbers(wh: Warehouse, task: str = "aime24", hardware: str = "b200") -> list[dict[str, Any]]:
    """Majority voting vs coverage vs one sample (deployable frontiers), as fields of figures.report.Number."""
    models = voted_models(wh, task)
    if not models:
        return []
    got = _frontiers(wh, task, hardware, models)
    tops = []
    for strategy, (df, *_rest) in got.items():
        if df.height:
            r = df.row(df.height - 1, named=True)
            tops.append({"strategy": strategy, "accuracy": r["accuracy"], "cost_tera": r["cost_tera"],
                         "config": r["config"], "setting": r["setting"]})  # fmt: skip
    rows = pl.DataFrame(tops)
    by = {t["strategy"]: t for t in tops}
    sentence = ""
    if {"majority", "best-of-n", "long-cot"} <= by.keys():
        maj, bon, one = by["majority"], by["best-of-n"], by["long-cot"]
        reach = got["best-of-n"][0].filter(pl.col("accuracy") >= maj["accuracy"])["cost_tera"].min()
        sentence = (
            f"Majority voting tops out at accuracy {maj['accuracy']:.3f} ({maj['config']}, N = {maj['setting']}, "
            f"{maj['cost_tera']:,.0f} Tera-eFLOPs per problem) against {one['accuracy']:.3f} for one sample "
            f"({one['config']}); coverage, which needs a verifier, reaches {bon['accuracy']:.3f}"
            + (f" and passes the majority's best at {reach:,.0f} Tera-eFLOPs." if reach is not None else ".")
        )
    _df, sql, params, prov = got["majority"]
    return [
        {
            "key": "majority_vs_coverage",
            "title": f"Majority vote vs coverage vs one sample ({task}, deployable, answer-table models)",
            "sql": prov,
            "params": params,
            "command": f"kinetics-sql frontier --task {task} --strategy majority|best-of-n|long-cot --kind deployable",
            "rows": rows,
            "sentence": sentence,
            "query": sql,
        }
    ]


def figure_parts(wh: Warehouse, task: str, hardware: str) -> dict[str, Any] | None:
    """Deployable frontiers by model under each strategy, where the task has answer tables: the fields
    of a figures.paper.Figure (None where there are none)."""
    models = voted_models(wh, task)
    if not models:
        return None
    got = _frontiers(wh, task, hardware, models)
    panels = []
    for strategy, (df, _sql, _params, _prov) in got.items():
        if df.height:
            panels.append(
                step_chart(
                    df,
                    color="model",
                    scale=model_scale(list(models)),
                    x_title=f"{COST_TITLES['eflops']} per problem",
                    title=f"{LABELS[strategy]} ({task})",
                    legend_title="model",
                )
            )
    if not panels:
        return None
    return {
        "name": "fig_strategies",
        "title": f"Majority vote, coverage and one sample on {task} (answer tables)",
        "caption": "Deployable frontiers (one model and setting for every problem) across the answer tables' models: "
        "coverage needs a verifier; majority voting (N samples, plurality answer) does not; one sample capped "
        "at a generation budget counts as correct when it finished within it (a lower bound).",
        "chart": alt.hconcat(*panels).resolve_scale(x="shared", color="shared"),
        "queries": [(prov, params) for _df, _sql, params, prov in got.values()],
    }
