"""Cost macros in DuckDB vs the same formulas row by row in Python: expected eFLOPs of every
(configuration, problem, N) of the bundled AIME24 tables (avg over each problem's trial lengths)."""

from __future__ import annotations

from collections import defaultdict

from bench.common import median_time, report
from kinetics_sql import Warehouse, sqlfiles


def python_costs(rows: list[tuple], ns: dict[tuple[str, str], list[int]]) -> dict[tuple[str, str, int], float]:
    sums: dict[tuple[str, str, int], float] = defaultdict(float)
    counts: dict[tuple[str, str, int], int] = defaultdict(int)
    for source, pid, method, p, hq, hkv, d, lin, lout, budget, bs in rows:
        for n in ns[(source, pid)]:
            b = budget or 0
            if method == "dense":
                comp = n * (2 * p * lout + 2 * (2 * lin + lout) * lout * hq * d)
                kv = 2 * (2 * lin + n * lout) * lout * hkv * d
            else:
                s = b * lout + 0.5 * max(0.0, b - lin) ** 2
                comp = n * (2 * p * lout + 4 * s * hq * d)
                kv = n * 4 * s * hkv * d
                if method == "blocktopk":
                    comp += n * ((2 * lin + lout) // bs) * lout * hq * d
                    kv += ((2 * lin + n * lout) // bs) * lout * hkv * d
            sums[(source, pid, n)] += comp + 562.5 * kv
            counts[(source, pid, n)] += 1
    return {k: v / counts[k] for k, v in sums.items()}


def main() -> None:
    wh = Warehouse(":memory:")
    from kinetics_sql.ingest import job, sources

    job.ingest(wh, sources.resolve([str(sources.bundled_root())]))
    rows = wh.con.execute(sqlfiles.load("bench/macro_inputs")).fetchall()
    ns: dict[tuple[str, str], list[int]] = defaultdict(list)
    for source, pid, n in wh.con.execute(sqlfiles.load("bench/published_settings")).fetchall():
        ns[(source, pid)].append(n)
    n_evals = sum(len(ns[(r[0], r[1])]) for r in rows)
    ours, df = median_time(lambda: wh.named("bench/macro_costs"), repeats=5)
    base, ref = median_time(lambda: python_costs(rows, ns), repeats=3)
    print(f"{n_evals:,} macro evaluations ({len(rows):,} trials x N) -> {df.height:,} expected costs")
    worst = max(
        abs(r["cost"] - ref[(r["source"], r["problem_id"], r["n"])]) / r["cost"] for r in df.iter_rows(named=True)
    )
    print(f"max relative difference SQL vs Python: {worst:.2e}")
    report("expected eFLOPs, all bundled tables", ours, base)
