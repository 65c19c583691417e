"""Strategies over the bundled Best-of-Infinity answer tables.

1. `kinetics-sql frontier --task math500 --strategy majority|long-cot --by model` end to end, each run a
   fresh process (so its points are priced anew), on the bundled answer tables; target < 2 s.
2. Majority-vote accuracies of one file (MATH500, Qwen3-14B, 500 problems x 80 samples): the exact DP over
   answer classes (kinetics_sql/majority.py, every cap and N) against the Monte Carlo estimator it replaced as a
   Python loop (256 random orders, Counter per prefix, uncapped only), and how far the estimates lie from exact.
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
    """The Monte Carlo estimator the exact DP replaced, as a Python loop: the first N of `reps` random orders."""
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

    # the exact DP (every cap and N) vs the Monte Carlo loop it replaced (uncapped), one file
    wh = Warehouse(db)
    rows = wh.named("strategies/answers", {"source": FILE}).rows()
    problems: dict[str, tuple[list[str | None], str]] = {}
    for pid, answer, correct in rows:
        answers, _ = problems.setdefault(pid, ([], ""))
        answers.append(answer)
        if correct:
            problems[pid] = (answers, answer)
    ns = [2, 4, 8, 16, 32, 64]

    def exact() -> None:
        wh.execute(sqlfiles.load("strategies/majority_delete"), {"source": FILE})
        boinf.build_majority(wh, FILE)

    ours, _ = median_time(exact, repeats=3)
    got = {
        (pid, n): acc
        for pid, n, acc in wh.named("bench/majority_exact", {"source": FILE}).rows()
    }
    mc = python_majority(problems, ns, 256)
    base, _ = median_time(lambda: python_majority(problems, ns, 256), repeats=1, warmup=0)
    err = [abs(got[k] - v) for k, v in mc.items() if k in got]
    print(
        f"{len(err)} (problem, N) cells of {FILE}, uncapped: |Monte Carlo (256 orders) - exact| median "
        f"{statistics.median(err):.4f}, max {max(err):.4f}"
    )
    print("(the DP builds every cap (6) and N, exactly; the Python loop only the uncapped estimates)")
    report("majority votes of one file: exact DP (all caps) vs Monte Carlo loop (uncapped only)", ours, base)
    wh.close()

if __name__ == "__main__":
    main()
