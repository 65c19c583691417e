"""The latency fit and offload-aware frontier costs.

1. `fit` (features in SQL + Lawson-Hanson NNLS) on 20,000 synthetic llama.cpp measurements, split
   form, against the brute force over every support of the NNLS (the reference the tests use).
2. The AIME24 best-of-N frontier with --cost latency (offload plan lookups per trial) against the
   same frontier with --cost eflops.
"""

from __future__ import annotations

import itertools

import numpy as np

from bench.common import median_time, report
from kinetics_sql import Warehouse, synthetic_measurements
from kinetics_sql import fit as fitlib
from kinetics_sql import frontier as fr


def brute_nnls(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    best, res = np.zeros(A.shape[1]), float(np.linalg.norm(b))
    for k in range(1, A.shape[1] + 1):
        for support in itertools.combinations(range(A.shape[1]), k):
            z = np.linalg.lstsq(A[:, list(support)], b, rcond=None)[0]
            if (z < 0).any():
                continue
            x = np.zeros(A.shape[1])
            x[list(support)] = z
            r = float(np.linalg.norm(A @ x - b))
            if r < res:
                best, res = x, r
    return best


def main() -> None:
    truth = synthetic_measurements.Truth(prefill_c=1 / 2.0e10, step_s=1e-3, noise=0.03)
    recs = synthetic_measurements.records(
        prompts=(128, 256, 512, 1024), gens=tuple(range(16, 1040, 16)), repeats=4, truth=truth
    )
    wh = Warehouse(":memory:")
    synthetic_measurements.load(wh, recs)
    print(f"{len(recs)} synthetic measurements")
    t_fit, res = median_time(lambda: fitlib.fit(wh, "llama.cpp", "h100", form="split"), repeats=3)
    print(
        f"fit --form split: {t_fit * 1e3:.1f} ms, held-out R^2 {res.r2_holdout:.4f}, MAPE {100 * res.mape_holdout:.2f}%"
    )
    pts = res.points.filter(~res.points["holdout"])
    cols = fitlib.FORMS["split"]["decode_s"]
    A = np.column_stack([np.ones(pts.height) if c == "const" else pts[c].to_numpy() for c in cols])
    w = 1 / pts["total_s"].to_numpy()
    A, y = A * w[:, None] / np.linalg.norm(A * w[:, None], axis=0), pts["decode_s"].to_numpy() * w
    t_ours, x = median_time(lambda: fitlib.nnls(A, y)[0])
    t_brute, ref = median_time(lambda: brute_nnls(A, y), repeats=3)
    print(f"NNLS agrees with the brute force to {np.abs(x - ref).max():.2e}")
    report(f"NNLS, {A.shape[0]} x {A.shape[1]}", t_ours, t_brute)

    import tempfile
    from pathlib import Path

    from click.testing import CliRunner

    from kinetics_sql.cli import cli

    db = str(Path(tempfile.mkdtemp()) / "bench_fit.duckdb")
    CliRunner().invoke(cli, ["--db", db, "ingest", "--bundled"], catch_exceptions=False)
    wh = Warehouse(db)
    lat = fr.FrontierSpec.make(cost="latency", hardware="h100-sxm", by="model", vram_gb=24)
    efl = fr.FrontierSpec.make(cost="eflops", hardware="h100-sxm", by="model")
    t_lat, df = median_time(lambda: fr.frontier(wh, lat), repeats=3)
    t_efl, _ = median_time(lambda: fr.frontier(wh, efl), repeats=3)
    print(f"latency frontier: {df.height} breakpoints")
    report("frontier --cost latency --vram-gb 24 vs --cost eflops (ratio < 1: slower)", t_lat, t_efl)


if __name__ == "__main__":
    main()
