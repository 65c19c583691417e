"""The oracle frontier's bootstrap band in bounded memory: the same numbers as ``frontier_curve``'s band (SQL), computed
replicate chunk by replicate chunk.

The SQL band joins every replicate's whole curve (events x replicates rows: 576M at 2M trials and 2,000 replicates,
18.8 GiB before DuckDB gave up). But a group's oracle frontier in replicate r at cost C is a weighted running sum,
F_r(C) = sum over events e of the group with cost <= C of w(r, problem of e) * gain(e) / problems, where the events
(``frontier_oracle_events``) and the weights (``frontier_replicates``) are the macros the SQL band uses. So each chunk
of replicates is a matrix product and a cumulative sum over the events, read only at the breakpoints; what is kept is
replicates x breakpoints. The envelope is the max over groups, as in the SQL (each group's frontier only rises).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from kinetics_sql.warehouse import Warehouse

CHUNK_ELEMENTS = 4_000_000  # replicates x events per step: 32 MB of float64


def oracle_band(
    wh: Warehouse, points: str, by: str, envelope: bool, bootstrap: int, seed: int, breakpoints: pl.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """lower, upper (the 2.5% and 97.5% quantiles, linear as quantile_cont) of the oracle frontier over
    ``bootstrap`` replicates at each row of ``breakpoints`` (columns "group", cost, in frontier.sql's order)."""
    probs = wh.named("frontier/band_problems", {"points": points})["problem_id"]
    index = {p: i for i, p in enumerate(probs.to_list())}
    q = len(index)
    weights = np.zeros((bootstrap, q))
    reps = wh.named("frontier/band_replicates", {"points": points, "bootstrap": bootstrap, "seed": seed})
    weights[reps["rep"].to_numpy() - 1, reps["problem_id"].replace_strict(index).to_numpy()] = reps["w"].to_numpy()
    events = wh.named("frontier/band_events", {"points": points, "by": by})
    lanes = breakpoints["group"].to_list() if not envelope else ["envelope"] * breakpoints.height
    costs = breakpoints["cost"].to_numpy()
    values = np.zeros((bootstrap, breakpoints.height))
    for (grp,), ev in events.group_by("grp", maintain_order=True):
        rows = np.array([i for i, lane in enumerate(lanes) if envelope or lane == grp], dtype=np.int64)
        if rows.size == 0:
            continue
        ev_cost = ev["cost"].to_numpy()
        ev_prob = ev["problem_id"].replace_strict(index).to_numpy()
        ev_gain = ev["gain"].to_numpy()
        at = np.searchsorted(ev_cost, costs[rows], side="right") - 1  # the last event at or below each breakpoint
        seen = at >= 0
        step = max(1, CHUNK_ELEMENTS // max(len(ev_cost), 1))
        for r0 in range(0, bootstrap, step):
            running = np.cumsum(weights[r0 : r0 + step][:, ev_prob] * ev_gain, axis=1) / q
            group_values = np.where(seen, running[:, np.maximum(at, 0)], 0.0)
            block = values[r0 : r0 + step]
            block[:, rows] = np.maximum(block[:, rows], group_values)
    lower, upper = np.quantile(values, [0.025, 0.975], axis=0)
    return lower, upper
