"""`kinetics-sql recommend` on the `make demo` warehouse (bundled AIME24 tables + committed measurements).

Target: `kinetics-sql recommend --hardware rtx-4090 --vram-gb 24 --budget-s 60 --task aime24` answers in
< 2 s end to end (a fresh process: Python start, warehouse open, SQL, printing). In process, recommend's
column-wise SQL (queries/recommend/points.sql joins the offload plan) is compared with the same answer
from the public frontier path: frontier_points twice (--cost latency and dollars-throughput, one plan
subquery per trial) aggregated to deployable arms and picked in polars.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from bench.common import median_time, report
from kinetics_sql import Warehouse
from kinetics_sql import frontier as fr
from kinetics_sql import recommend as rec

ARGS = ["recommend", "--hardware", "rtx-4090", "--vram-gb", "24", "--budget-s", "60", "--task", "aime24"]


def via_frontier(wh: Warehouse) -> tuple[str, int, float]:
    lat = fr.points(wh, fr.FrontierSpec.make(cost="latency", hardware="rtx-4090", vram_gb=24))
    thr = fr.points(wh, fr.FrontierSpec.make(cost="dollars-throughput", hardware="rtx-4090", vram_gb=24))
    keys = ["config", "setting", "problem_id"]
    pts = lat.join(thr.select([*keys, pl.col("cost").alias("usd")]), on=keys)
    arms = pts.group_by("config", "setting").agg(pl.col("accuracy").mean(), pl.col("cost").mean(), pl.col("usd").mean())
    best = arms.filter(pl.col("cost") <= 60).sort(["accuracy", "cost"], descending=[True, False]).row(0, named=True)
    return best["config"], best["setting"], best["accuracy"]


def main() -> None:
    from kinetics_sql.ingest import job, sources

    repo = Path(__file__).resolve().parents[1]
    tmp = Path(tempfile.mkdtemp(prefix="bench_recommend_"))
    db = str(tmp / "demo.duckdb")
    with Warehouse(db) as wh:  # what `make demo` ingests
        job.ingest(wh, sources.resolve([str(sources.bundled_root()), str(repo / "warehouse" / "measurements")]))
    wh = Warehouse(db)
    req = rec.Request.make(hardware="rtx-4090", vram_gb=24, budget_s=60)
    ours, r = median_time(lambda: rec.recommend(wh, req), repeats=5)
    base, b = median_time(lambda: via_frontier(wh), repeats=3)
    c = r.chosen
    print(f"recommended {c['config']} @{c['setting']}: accuracy {c['accuracy']:.4f}, {c['latency_s']:.1f} s/problem")
    print(
        f"frontier path picks {b[0]} @{b[1]}: accuracy {b[2]:.4f} (same: {(b[0], b[1]) == (c['config'], c['setting'])})"
    )
    report("recommend in process (SQL incl. 1000-replicate band) vs frontier_points x2 + polars", ours, base)
    wh.close()
    exe = [sys.executable, "-m", "kinetics_sql", "--db", db, *ARGS]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    times, cpus = [], []
    for _ in range(5):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        out = subprocess.run(exe, env=env, capture_output=True, text=True, check=True)
        times.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    med = statistics.median(times)
    print(out.stdout.splitlines()[0])
    print(
        f"`kinetics-sql {' '.join(ARGS)}` end to end, fresh process: median {med:.2f} s of 5 "
        f"(min {min(times):.2f}, max {max(times):.2f}; target < 2 s: {'met' if med < 2 else 'NOT met'}); "
        f"CPU (user + sys) median {statistics.median(cpus):.2f} s; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores"
    )
    trivial = [sys.executable, "-m", "kinetics_sql", "--db", db, "hardware"]
    t0 = time.perf_counter()
    subprocess.run(trivial, env=env, capture_output=True, check=True)
    print(f"for scale, `kinetics-sql hardware` (open the warehouse, print 7 rows): {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
