"""Scale: a realistic corpus of ~2M trials, ingested and analysed by the CLI, with time and peak memory.

Corpus (numpy, seeded): 6 Qwen3 models x 4 attention configurations (dense, topk 256, topk 1024,
blocktopk 1024 b32) x P problems x 40 samples, one trials CSV per (model, configuration) as a harness
writes them (problem, sample, completion_tokens, prompt_len, is_correct). Accuracy follows a logistic
model of ability minus difficulty (sparse attention loses a little at small budgets); generation lengths
are lognormal (longer for hard problems and wrong answers), capped at 32,768. Long-CoT rows: the first
2,500 traces of every file (60K traces at 2,000 problems) cut at 16 generation budgets go to
trial_budgets, inserted directly (what scoring traces produces), not counted in the ingest time.

Each step runs as its own process (the CLI, or a short driver for the 24-file ingest); time is wall
clock, memory the process's peak resident set (os.wait4). Every analysis command runs three times: the
median time and CPU seconds, the largest peak (a shared, noisy 2-core machine); ingest and report run once.
Two corpus sizes, P = 200 and P = 2,000 (192K and 1.92M trials), give the growth. Targets (2 cores): ingest
of 2M rows <= 30 s and <= 1 GB, every frontier <= 5 s, compare <= 20 s, peak <= 2 GB.

    python -m bench scale            # both sizes
    KINETICS_SCALE_PROBLEMS=2000 python -m bench scale   # one size
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import polars as pl

from kinetics_sql import limits, sqlfiles

MODELS = {"Qwen3-0.6B": -1.6, "Qwen3-1.7B": -0.6, "Qwen3-4B": 0.3, "Qwen3-8B": 0.8, "Qwen3-14B": 1.2, "Qwen3-32B": 1.5}
CONFIGS = {  # name: (method, budget, block_size, accuracy penalty)
    "dense": ("dense", None, None, 0.0),
    "topk256": ("topk", 256, None, 0.35),
    "topk1024": ("topk", 1024, None, 0.1),
    "blocktopk1024": ("blocktopk", 1024, 32, 0.15),
}
SAMPLES = 40
GEN_BUDGETS = list(range(2048, 32768 + 1, 2048))
LONG_COT_TRACES = 2_500  # per file
TARGETS = {"ingest": (30.0, 1.0), "frontier": (5.0, 2.0), "compare": (20.0, 2.0), "report": (None, 2.0)}


def generate(folder: Path, problems: int, seed: int = 0) -> list[tuple[Path, str, str, int | None, int | None]]:
    """Write one trials CSV per (model, configuration); returns (path, model, method, budget, block_size)."""
    rng = np.random.default_rng(seed)
    difficulty = rng.normal(0.0, 1.6, problems)
    prompt = rng.integers(80, 420, problems)
    out = []
    for model, ability in MODELS.items():
        for name, (method, budget, block, penalty) in CONFIGS.items():
            q = np.repeat(np.arange(problems), SAMPLES)
            logit = ability - penalty - difficulty[q]
            correct = rng.random(q.size) < 1.0 / (1.0 + np.exp(-logit))
            mu = 8.6 + 0.35 * difficulty[q] + 0.4 * ~correct - 0.08 * ability
            gen = np.minimum(np.exp(rng.normal(mu, 0.55)), 32768).astype(np.int64)
            df = pl.DataFrame(
                {
                    "problem": q.astype(str),
                    "sample": np.tile(np.arange(SAMPLES), problems),
                    "completion_tokens": np.maximum(gen, 16),
                    "prompt_len": prompt[q],
                    "is_correct": correct.astype(np.int8),
                }
            )
            path = folder / f"bench_{model.lower().replace('.', '-')}_{name}.csv"
            df.write_csv(path)
            out.append((path, model, method, budget, block))
    return out


def long_cot_rows(path: Path, model: str, method: str, budget: int | None, block: int | None) -> pl.DataFrame:
    """trial_budgets rows of the first LONG_COT_TRACES traces of a file: each cut at every generation budget."""
    df = pl.read_csv(path, n_rows=LONG_COT_TRACES)
    gb = pl.DataFrame({"gen_budget": GEN_BUDGETS})
    return df.join(gb, how="cross").select(
        pl.lit(path.name).alias("source"),
        pl.lit("bench").alias("task"),
        pl.lit(model).alias("model"),
        pl.lit(method).alias("method"),
        pl.lit(budget, dtype=pl.Int32).alias("budget"),
        pl.lit(block, dtype=pl.Int32).alias("block_size"),
        pl.col("problem").cast(pl.String).alias("problem_id"),
        pl.col("sample").alias("trial"),
        pl.col("gen_budget"),
        pl.min_horizontal("completion_tokens", "gen_budget").alias("tokens_used"),
        ((pl.col("is_correct") == 1) & (pl.col("completion_tokens") <= pl.col("gen_budget"))).alias("correct"),
    )


DRIVER = """
import sys, time
from kinetics_sql import sqlfiles
from kinetics_sql import Warehouse
from kinetics_sql.ingest import job, sources
db, *specs = sys.argv[1:]
wh = Warehouse(db)
rows = 0
for spec in specs:
    path, model, method, budget, block = spec.split('|')
    opts = job.IngestOptions(
        task='bench', model=model, method=method, budget=int(budget) if budget else None,
        block_size=int(block) if block else None, problem_col='problem', trial_col='sample',
        gen_tokens_col='completion_tokens', prompt_tokens_col='prompt_len', correct_col='is_correct')
    res = job.ingest(wh, sources.resolve([path]), options=opts)
    rows += sum(r.rows.get('trials', 0) for r in res)
wh.close()
print(rows)
"""


REPORT_LIMIT_S = 300.0  # a report past this is stopped and shown as not finished
REPEATS = 3  # runs of each analysis command: the median time and CPU, the largest peak memory


CPU: dict[str, float] = {}  # CPU seconds (user + system) of the last run of each command line


def run(cmd: list[str], env: dict[str, str], limit_s: float | None = None) -> tuple[float, float, str]:
    """(seconds, peak RSS in GB, stdout) of one process (output through files: a full pipe would stall it).
    Past ``limit_s`` it is killed and its time is reported as infinite. Its CPU seconds go to CPU."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, text=True)
        timer = threading.Timer(limit_s, proc.kill) if limit_s else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        if timer:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        gb = usage.ru_maxrss * 1024 / 1e9
        CPU[" ".join(cmd)] = usage.ru_utime + usage.ru_stime
        if limit_s and seconds >= limit_s and proc.returncode != 0:
            return float("inf"), gb, ""
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err.read()[-2000:]}")
        return seconds, gb, out.read()


def one_size(problems: int) -> dict[str, tuple[float, float]]:
    tmp = Path(tempfile.mkdtemp(prefix=f"bench_scale_{problems}_"))
    try:
        files = generate(tmp, problems)
        db = str(tmp / "scale.duckdb")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                                            os.environ.get("PYTHONPATH", "")])}  # fmt: skip
        specs = [f"{p}|{m}|{meth}|{b or ''}|{bs or ''}" for p, m, meth, b, bs in files]
        results: dict[str, tuple[float, float]] = {}
        cpu: dict[str, float] = {}
        cmd = [sys.executable, "-c", DRIVER, db, *specs]
        s, gb, out = run(cmd, env)
        trials = int(out.strip())
        results["ingest"] = (s, gb)
        cpu["ingest"] = CPU[" ".join(cmd)]
        import duckdb

        con = duckdb.connect(db)
        lc = pl.concat([long_cot_rows(*f) for f in files])
        con.register("lc", lc.to_arrow())
        con.execute(sqlfiles.load("bench/insert_long_cot"))
        con.close()
        cli = [sys.executable, "-m", "kinetics_sql", "--db", db]
        steps = {
            "trivial command (hardware)": ["hardware", "-f", "csv"],
            "frontier --by model": ["frontier", "--task", "bench", "--by", "model", "-f", "csv"],
            "frontier --kind deployable": ["frontier", "--task", "bench", "--kind", "deployable", "-f", "csv"],
            "frontier --strategy long-cot": ["frontier", "--task", "bench", "--strategy", "long-cot", "-f", "csv"],
            "compare": ["compare", "--task", "bench", "-f", "json"],
            # the documented maximum of --bootstrap under a 2 GB DuckDB limit (kinetics_sql.band: bounded memory);
            # a memory target only (its label's first word is no timed kind)
            f"bootstrap frontier --by model --bootstrap {limits.BOOTSTRAP_MAX}": [
                *["--memory-limit", "2GB", "frontier", "--task", "bench", "--by", "model", "-f", "csv"],
                *["--bootstrap", str(limits.BOOTSTRAP_MAX)],
            ],
            "report": ["report", "--task", "bench", "--no-png", "--bootstrap", "20", "--out", str(tmp / "report")],
        }
        for label, args in steps.items():  # the median of REPEATS runs (a noisy machine), the report once
            runs = []
            for _ in range(1 if label == "report" else REPEATS):
                s, gb, _ = run([*cli, *args], env, REPORT_LIMIT_S if label == "report" else None)
                runs.append((s, gb, CPU[" ".join([*cli, *args])]))
            results[label] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs))
            cpu[label] = statistics.median(r[2] for r in runs)
        print(f"\n{problems:,} problems: {trials:,} trials, {lc.height:,} trial_budgets rows; "
              f"warehouse {Path(db).stat().st_size / 1e6:.0f} MB")  # fmt: skip
        for label, (s, gb) in results.items():
            print(f"  {label:<30} {_cell(s, gb)}, CPU {cpu[label]:.2f} s", flush=True)
        return {**results, "_trials": (float(trials), 0.0), **{f"_cpu {k}": (v, 0.0) for k, v in cpu.items()}}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _cell(s: float, gb: float) -> str:
    return (f"{s:.2f} s" if s != float("inf") else f"> {REPORT_LIMIT_S:.0f} s (stopped)") + f", {gb:.2f} GB"


def main() -> None:
    sizes = [int(os.environ["KINETICS_SCALE_PROBLEMS"])] if "KINETICS_SCALE_PROBLEMS" in os.environ else [200, 2000]
    runs = {p: one_size(p) for p in sizes}
    big = runs[max(sizes)]
    heads = " | ".join(f"{int(runs[p]['_trials'][0]):,} trials" for p in sizes)
    print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other sessions share the machine)")
    print(f"\n| step | {heads} | target | met |")
    print(f"| --- | {' | '.join('---' for _ in sizes)} | --- | --- |")
    for label in [k for k in big if not k.startswith("_")]:
        kind = label.split()[0]
        t_max, m_max = TARGETS.get(kind, (None, 2.0))
        if kind == "trivial":
            t_max = None
        s, gb = big[label]
        ok = (t_max is None or s <= t_max) and gb <= m_max and s != float("inf")
        target = (f"<= {t_max:g} s, " if t_max else "") + f"<= {m_max:g} GB"
        cells = " | ".join(f"{_cell(*runs[p][label])}, CPU {runs[p]['_cpu ' + label][0]:.1f} s" for p in sizes)
        print(f"| {label} | {cells} | {target} | {'met' if ok else 'NOT met'} |")
    if len(sizes) > 1:
        lo, hi = min(sizes), max(sizes)
        growth = ", ".join(
            f"{k} {big[k][0] / runs[lo][k][0]:.1f}x" for k in big if not k.startswith("_") and runs[lo][k][0] > 0
        )
        print(f"\ngrowth {lo:,} -> {hi:,} problems ({hi / lo:.0f}x the trials): {growth}")
