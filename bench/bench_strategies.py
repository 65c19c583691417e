"""Strategies over the bundled Best-of-Infinity answer tables.

1. `kinetics-sql frontier --task math500 --strategy majority|long-cot --by model` end to end, each run a
   fresh process (so its points are priced anew), on the bundled answer tables; target < 2 s.
2. Majority-vote accuracies of one file (MATH500, Qwen3-14B, 500 problems x 80 samples, no cap): the SQL
   of queries/strategies/majority_build.sql against the same estimator as a Python loop (random orders,
   Counter per prefix), and how far the two estimates lie apart relative to the stated standard error.
"""

from __future__ import annotations

import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.common import median_time, report
from kinetics_sql import Warehouse, sqlfiles
from kinetics_sql.ingest import boinf, job, sources

FILE = "analysis_math500_Qwen3-14B.jsonl"


def python_majority(problems: dict[str, tuple[list[str | None], str]], ns: list[int], reps: int) -> dict:  # type: ignore[type-arg]
    """The estimator of majority_build.sql as a Python loop: the first N of `reps` random orders."""
    rng = random.Random(0)
    out = {}
    for pid, (answers, gold) in problems.items():
        order = list(range(len(answers)))
        for n in ns:
            if n >= len(answers):
                continue
            total = 0.0
            for _ in range(reps):
                rng.shuffle(order)
                votes = Counter(answers[i] for i in order[:n] if answers[i] is not None)
                g = votes.get(gold, 0)
                if g == 0:
                    continue
                top = max(votes.values())
                if g == top:
                    total += 1.0 / sum(1 for c in votes.values() if c == top)
            out[(pid, n)] = total / reps
    return out


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench_strategies_"))
    db = str(tmp / "boinf.duckdb")
    wh = Warehouse(db)
    t0 = time.perf_counter()
    job.ingest(wh, sources.resolve([str(sources.bundled_roots()[1])]))
    print(f"ingest of the 24 bundled answer tables (majority_votes included): {time.perf_counter() - t0:.1f} s")
    wh.close()  # the CLI processes open the file themselves

    exe = Path(sys.executable).with_name("kinetics-sql")
    env = {**os.environ, "COLUMNS": "200"}
    for strategy in ("majority", "long-cot"):
        cmd = [str(exe), "--db", db, "frontier", "--task", "math500", "--strategy", strategy, "--by", "model",
               "--format", "csv"]  # fmt: skip
        times, cpu = [], []
        for _ in range(5):
            t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
            done = subprocess.run(cmd, check=True, capture_output=True, env=env, text=True)
            r2 = resource.getrusage(resource.RUSAGE_CHILDREN)
            times.append(time.perf_counter() - t1)
            cpu.append(r2.ru_utime - r1.ru_utime + r2.ru_stime - r1.ru_stime)
        e2e = statistics.median(times)
        breakpoints = len(done.stdout.strip().splitlines()) - 1
        print(
            f"`kinetics-sql frontier --task math500 --strategy {strategy} --by model`: median {e2e:.2f} s over 5 "
            f"fresh processes, {breakpoints} breakpoints (target < 2 s: {'met' if e2e < 2 else 'NOT met'}); "
            f"CPU time (user + system, all threads) median {statistics.median(cpu):.2f} s, "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )

    # majority_build.sql vs the Python loop, one file, uncapped
    wh = Warehouse(db)
    rows = wh.named("strategies/answers", {"source": FILE}).rows()
    problems: dict[str, tuple[list[str | None], str]] = {}
    for pid, answer, correct in rows:
        answers, _ = problems.setdefault(pid, ([], ""))
        answers.append(answer)
        if correct:
            problems[pid] = (answers, answer)
    ns = [2, 4, 8, 16, 32, 64]

    def sql() -> None:
        wh.execute(sqlfiles.load("strategies/majority_delete"), {"source": FILE})
        boinf.build_majority(wh, FILE)

    ours, _ = median_time(sql, repeats=3)
    est = {
        (pid, n): (acc, se) for pid, n, acc, se in wh.named("strategies/majority_estimates", {"source": FILE}).rows()
    }
    mc = {k: v for k, v in python_majority({p: problems[p] for p in {k[0] for k in est}}, ns, 256).items() if k in est}
    base, _ = median_time(
        lambda: python_majority({p: problems[p] for p in {k[0] for k in est}}, ns, 256), repeats=1, warmup=0
    )
    z = [abs(est[k][0] - mc[k]) / (2**0.5 * max(est[k][1], 1e-9)) for k in mc if est[k][1] > 0]
    print(
        f"{len(est)} estimated (problem, N) cells of {FILE} ({len({k[0] for k in est})} problems not in closed form), "
        f"256 orders each: |SQL - Python| / (sqrt(2) se): median {statistics.median(z):.2f}, max {max(z):.2f}"
    )
    print("(the SQL builds every cap (6) and N, closed forms included; the Python loop only the uncapped estimates)")
    report("majority votes of one file: SQL (all caps) vs Python loop (uncapped estimates only)", ours, base)
    wh.close()


if __name__ == "__main__":
    main()
