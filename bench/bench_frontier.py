"""The exact oracle frontier in SQL vs the notebooks' algorithm, on all the bundled AIME24 tables.

Both start from the same per-problem points (accuracy and expected eFLOPs of every configuration
and N: what the Kinetics CSVs hold). The notebooks' algorithm is a pandas loop over 100 log-spaced
costs and the problems (max coverage with cost <= C); it is approximate. Made exact the same way
(every distinct cost a grid point) it is timed on a slice of the costs and scaled linearly.
Also: `kinetics-sql frontier` end to end (a fresh process) on the demo data, target < 2 s.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import median_time, report
from kinetics_sql import Warehouse, sqlfiles
from kinetics_sql import frontier as fr


def notebook_frontier(df, cost_points: np.ndarray) -> list[float]:  # type: ignore[no-untyped-def]
    """The notebooks' loop (cost_model/best_of_N/frontier_numTrials.ipynb), on a pandas frame."""
    covs = []
    for cost in cost_points:
        best_covs = []
        for query_id in df["problem_id"].unique():
            query_df = df[df["problem_id"] == query_id]
            best_coverage = query_df[query_df["cost"] <= cost]["accuracy"]
            best_covs.append(best_coverage.max() if len(best_coverage) > 0 else 0)
        covs.append(float(np.mean(best_covs)))
    return covs


def step(costs: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    idx = np.searchsorted(costs, at, side="right") - 1
    return np.where(idx >= 0, values[np.maximum(idx, 0)], 0.0)


def main() -> None:
    from kinetics_sql.ingest import job, sources

    tmp = Path(tempfile.mkdtemp(prefix="bench_frontier_"))
    db = str(tmp / "demo.duckdb")
    wh = Warehouse(db)
    job.ingest(wh, sources.resolve([str(sources.bundled_root())]))
    spec = fr.FrontierSpec().validated(wh)
    table = fr.points_table(wh, spec)
    pts = wh.df(sqlfiles.render("bench/frontier_points", table=table))
    print(
        f"{pts.height:,} points ({pts['config'].n_unique()} configurations x N"
        f" x {pts['problem_id'].n_unique()} problems)"
    )

    sql, params = fr.query(wh, "frontier", spec)
    ours, exact = median_time(lambda: wh.df(sql, params), repeats=9)
    pdf = pts.to_pandas()
    costs = pts["cost"].to_numpy()
    grid = np.logspace(np.log10(costs.min()), np.log10(costs.max()), 100)
    base, covs = median_time(lambda: notebook_frontier(pdf, grid), repeats=3)

    # exact where the notebooks sample: our step function at their 100 costs equals their values
    ours_at_grid = step(exact["cost"].to_numpy(), exact["accuracy"].to_numpy(), grid)
    diff = float(np.max(np.abs(ours_at_grid - np.array(covs))))
    print(f"exact frontier: {exact.height} breakpoints; max |ours - notebook| at the notebook's 100 costs: {diff:.1e}")
    missed = len(exact) - len(set(np.searchsorted(exact["cost"].to_numpy(), grid, side="right")))
    print(f"breakpoints between two of the notebook's grid costs (not resolved by it): {max(missed, 0)}")
    report("oracle frontier, all tables: SQL exact vs notebook loop (100 costs)", ours, base, target=50)

    costs = np.unique(pts["cost"].to_numpy())
    sample = costs[:: max(1, len(costs) // 200)]
    t_slice, _ = median_time(lambda: notebook_frontier(pdf, sample), repeats=1, warmup=0)
    base_exact = t_slice * len(costs) / len(sample)
    print(
        f"notebook loop made exact ({len(costs):,} distinct costs): ~{base_exact:.1f} s"
        f" (scaled from {len(sample)} costs)"
    )
    report("oracle frontier, exact both ways: SQL vs notebook loop at every cost", ours, base_exact)

    by_sql, by_params = fr.query(wh, "frontier", fr.FrontierSpec.make(by="model").validated(wh))
    ours_env, _ = median_time(lambda: wh.df(by_sql, by_params), repeats=9)
    print(f"envelope by model (6 oracle frontiers + max): ours {ours_env * 1e3:.1f} ms")
    wh.close()

    exe = Path(sys.executable).with_name("kinetics-sql")
    cmd = [str(exe), "--db", db, "frontier", "--by", "model", "--format", "csv"]
    env = {**os.environ, "COLUMNS": "200"}
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - t0)
    e2e = statistics.median(times)
    verdict = "met" if e2e < 2 else "NOT met"
    print(
        f"`kinetics-sql frontier --by model` end to end (fresh process, demo data): median {e2e:.2f} s "
        f"(target < 2 s: {verdict})"
    )


if __name__ == "__main__":
    main()
