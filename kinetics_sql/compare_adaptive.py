"""Adaptive voting against a fixed number of votes at equal accuracy (`kinetics-sql compare adaptive`).

Per answer table (configuration) of the task: the best fixed N (majority vote of N samples, the most accurate
N, the smallest on a tie) and the cheapest adaptive arm (adaptive-majority or adaptive-esc at --batch,
--max-n) whose accuracy reaches it within two standard errors of the difference (both are estimates; the
adaptive accuracy and standard error are printed beside it, and the most accurate adaptive arm where none
reaches it). Both are priced by the same cost model (--cost, on --hardware):
``seconds`` per problem as the frontier prices them (latency regime: a batch runs until its longest sample
ends for the adaptive arms; majority as the frontier prices it), dollars per 1,000 problems from those
seconds at the profile's price per GPU-hour (usd_per_1000; the latency regime), and ``*_cost`` in --cost's units
(the arm is the cheapest in them). Samples, cost, seconds and dollars saved are the
fixed N's minus the adaptive arm's.
"""

from __future__ import annotations

import polars as pl

from kinetics_sql import frontier as fr
from kinetics_sql.warehouse import Warehouse

COLUMNS = [
    "config", "fixed_n", "fixed_accuracy", "fixed_accuracy_se", "fixed_cost", "fixed_seconds", "fixed_usd_per_1000",
    "strategy", "batch", "setting", "adaptive_accuracy", "adaptive_accuracy_se", "mean_samples", "adaptive_cost",
    "adaptive_seconds", "adaptive_usd_per_1000", "samples_saved", "cost_saved", "seconds_saved", "usd_saved_per_1000",
    "best_adaptive_setting", "best_adaptive_accuracy", "best_adaptive_samples", "priced_by",
]  # fmt: skip


def _arms(wh: Warehouse, spec: fr.FrontierSpec) -> pl.DataFrame:
    """Per arm, means over problems from the selection's materialised points (priced under its own offload plan
    when made: a later selection's plan does not reach it)."""
    return wh.named("strategies/arm_means", {"points": fr.points_table(wh, spec)})


def _usd(wh: Warehouse, seconds: float | None, spec: fr.FrontierSpec) -> float | None:
    if seconds is None:
        return None
    p = spec.pricing
    usd = wh.named("strategies/usd_per_1000", {"seconds": seconds, "hardware": p.hardware, "gpus": p.gpus})
    return None if usd.is_empty() or usd["usd"][0] is None else float(usd["usd"][0])


def summary(wh: Warehouse, spec: fr.FrontierSpec) -> pl.DataFrame:
    """One row per configuration: the best fixed N and the cheapest adaptive arm at its accuracy."""
    strategy = spec.selection.strategy if spec.selection.strategy in fr.ADAPTIVE else "adaptive-majority"
    adapt_spec = spec.but(strategy=strategy, kind="deployable").validated(wh)
    fixed_spec = spec.but(strategy="majority", batch=1, max_n=None, kind="deployable").validated(wh)
    majority = {"task": spec.selection.task, "models": list(fixed_spec.selection.models)}
    fixed = _arms(wh, fixed_spec).join(
        wh.named("strategies/majority_arms", majority).select("model", "setting", "accuracy_se"),
        on=["model", "setting"],
        how="left",
    )
    adapt = _arms(wh, adapt_spec).join(
        fr.adaptive_arms(wh, adapt_spec).select("config", "setting", "accuracy_se", "mean_samples"),
        on=["config", "setting"],
    )
    rows = []
    for model in sorted(set(fixed["model"]) & set(adapt["model"])):
        f = fixed.filter(pl.col("model") == model).sort(["accuracy", "setting"], descending=[True, False]).row(
            0, named=True
        )
        fixed_se = f["accuracy_se"] or 0.0
        mine = adapt.filter(pl.col("model") == model)
        tol = 2 * (pl.col("accuracy_se") ** 2 + fixed_se**2).sqrt()
        ok = mine.filter(pl.col("accuracy") >= f["accuracy"] - tol - 1e-12).sort("cost")
        a = ok.row(0, named=True) if ok.height else None
        best = mine.sort(["accuracy", "cost"], descending=[True, False]).row(0, named=True) if mine.height else None
        fixed_usd = _usd(wh, f["seconds"], fixed_spec)
        ad_usd = _usd(wh, a["seconds"], adapt_spec) if a else None
        rows.append({
            "config": f["config"], "fixed_n": f["setting"], "fixed_accuracy": f["accuracy"],
            "fixed_accuracy_se": fixed_se,
            "best_adaptive_setting": best["setting"] if best else None,
            "best_adaptive_accuracy": best["accuracy"] if best else None,
            "best_adaptive_samples": best["mean_samples"] if best else None,
            "fixed_cost": f["cost"], "fixed_seconds": f["seconds"], "fixed_usd_per_1000": fixed_usd,
            "strategy": strategy,
            "batch": adapt_spec.selection.batch if strategy == "adaptive-majority" else (a["setting"] if a else None),
            "setting": a["setting"] if a else None, "adaptive_accuracy": a["accuracy"] if a else None,
            "adaptive_accuracy_se": a["accuracy_se"] if a else None, "mean_samples": a["mean_samples"] if a else None,
            "adaptive_cost": a["cost"] if a else None,
            "adaptive_seconds": a["seconds"] if a else None, "adaptive_usd_per_1000": ad_usd,
            "samples_saved": f["setting"] - a["mean_samples"] if a else None,
            "cost_saved": f["cost"] - a["cost"] if a else None,
            "seconds_saved": f["seconds"] - a["seconds"] if a else None,
            "usd_saved_per_1000": fixed_usd - ad_usd if fixed_usd is not None and ad_usd is not None else None,
            "priced_by": adapt_spec.priced_by,
        })  # fmt: skip
    types: dict[str, type[pl.DataType]] = {"config": pl.Utf8, "strategy": pl.Utf8, "priced_by": pl.Utf8,
                                           "fixed_n": pl.Int64, "batch": pl.Int64, "setting": pl.Int64,
                                           "best_adaptive_setting": pl.Int64}  # fmt: skip
    schema = {c: types.get(c, pl.Float64) for c in COLUMNS}
    return pl.DataFrame(rows, schema=schema).select(COLUMNS)


def findings(wh: Warehouse, hardware: str, tasks: tuple[str, ...]) -> str:
    """docs/adaptive.md's tables: per task and answer table, ``summary`` in the latency regime (batches of 8, each
    until its longest sample; and one sample at a time) and per sample drawn in the throughput regime
    (dollars-throughput, batch 1)."""
    runs = (
        ("latency", 8, "seconds and USD per 1,000 problems, one problem at a time, batches of 8"),
        ("latency", 1, "seconds and USD per 1,000 problems, one problem at a time, one sample at a time"),
        ("dollars-throughput", 1, "USD per 1,000 problems, throughput regime (priced per sample drawn)"),
    )
    out = []
    for task in tasks:
        for cost, batch, title in runs:
            spec = fr.FrontierSpec.make(task=task, strategy="adaptive-majority", cost=cost, hardware=hardware,
                                        batch=batch)  # fmt: skip
            df = summary(wh, spec)
            out.append(f"\n### {task}: {title}\n")
            out.append(f"`kinetics-sql compare adaptive --task {task} --cost {cost} --hardware {hardware} "
                       f"--batch {batch}`; {df['priced_by'][0] if df.height else ''}\n")  # fmt: skip
            unit = "s" if cost == "latency" else "$/1k"
            usd = " $/1k saved |" if cost == "latency" else ""
            out.append(f"| table | best fixed N | accuracy | {unit} | K | adaptive accuracy | mean samples | {unit} "
                       f"| samples saved | {unit} saved |{usd}")  # fmt: skip
            out.append("|---|---|---|---|---|---|---|---|---|---|" + ("---|" if cost == "latency" else ""))
            for r in df.iter_rows(named=True):
                f_cost = r["fixed_seconds"] if cost == "latency" else r["fixed_usd_per_1000"]
                a_cost = r["adaptive_seconds"] if cost == "latency" else r["adaptive_usd_per_1000"]
                if cost != "latency":  # dollars-throughput: the points' cost is already USD per 1,000 problems
                    f_cost, a_cost = r["fixed_cost"], r["adaptive_cost"]
                if r["setting"] is None:
                    best = (
                        f"none reaches it (best: K = {r['best_adaptive_setting']}, "
                        f"{r['best_adaptive_accuracy']:.4f} vs {r['fixed_accuracy']:.4f}, "
                        f"{r['best_adaptive_samples']:.1f} samples)"
                    )
                    out.append(f"| {r['config']} | {r['fixed_n']} | {r['fixed_accuracy']:.3f} | {f_cost:.4g} | "
                               f"{best} | | | | | |" + (" |" if cost == "latency" else ""))  # fmt: skip
                    continue
                out.append(
                    f"| {r['config']} | {r['fixed_n']} | {r['fixed_accuracy']:.3f} | {f_cost:.4g} | {r['setting']} | "
                    f"{r['adaptive_accuracy']:.3f} ± {r['adaptive_accuracy_se']:.3f} | {r['mean_samples']:.1f} | "
                    f"{a_cost:.4g} | {r['samples_saved']:.1f} | {f_cost - a_cost:.4g} ({1 - a_cost / f_cost:.0%}) |"
                    + (f" {r['usd_saved_per_1000']:.4g} |" if cost == "latency" and r["usd_saved_per_1000"] is not None
                       else " n/a (no price) |" if cost == "latency" else "")
                )
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # python -m kinetics_sql.compare_adaptive DB HARDWARE TASK...: docs/adaptive.md's tables
    import sys

    _wh = Warehouse(sys.argv[1], read_only=True)
    try:
        sys.stdout.write(findings(_wh, sys.argv[2], tuple(sys.argv[3:])))
    finally:
        _wh.close()
