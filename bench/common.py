"""Timing helpers shared by the benchmarks: medians of repeated runs, printed as ratios."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_time(fn: Callable[[], Any], repeats: int = 5, warmup: int = 1) -> tuple[float, Any]:
    """Median wall time of ``fn()`` over ``repeats`` runs after ``warmup`` runs; returns (seconds, last result)."""
    result = None
    for _ in range(warmup):
        result = fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def report(label: str, ours: float, baseline: float, target: float | None = None) -> None:
    ratio = baseline / ours if ours > 0 else float("inf")
    verdict = ""
    if target is not None:
        verdict = f"  (target >= {target:g}x: {'met' if ratio >= target else 'NOT met'})"
    print(f"{label}: ours {ours * 1e3:.2f} ms, baseline {baseline * 1e3:.2f} ms, ratio {ratio:.1f}x{verdict}")
