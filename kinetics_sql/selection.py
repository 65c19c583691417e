"""Checks that a selection names data the warehouse holds, so a typo is an error, not an empty result."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence

from kinetics_sql.errors import KineticsError
from kinetics_sql.warehouse import Warehouse


def like(name: str, pattern: str) -> bool:
    """SQL LIKE (``%`` any run, ``_`` one character), as the frontier queries match ``--source``."""
    glob = "".join("*" if c == "%" else "?" if c == "_" else "[" + c + "]" if c in "[]*?" else c for c in pattern)
    return fnmatch.fnmatchcase(name, glob)


TABLES = {"best-of-n": "problems", "long-cot": "trial_budgets", "adaptive-majority": "adaptive_votes",
          "adaptive-esc": "adaptive_votes"}  # fmt: skip


def check(wh: Warehouse, task: str, strategy: str = "best-of-n", sources: Sequence[str] = ()) -> None:
    """Raise a KineticsError naming what exists when ``task`` (or a name in ``sources``) has no rows."""
    table = TABLES.get(strategy, "problems")
    tasks = wh.named("selection/tasks", {"table": table})
    known = {r["task"]: r["sources"] for r in tasks.iter_rows(named=True)}
    if task not in known:
        if not known:
            hint = (
                "it holds no traces: `kinetics-sql ingest --bundled` (best-of-n) or ingest raw traces (long-cot)"
                if not wh.missing
                else "it does not exist"
            )
            raise KineticsError(f"no {strategy} data for task {task!r} in {table}: warehouse {wh.path}: {hint}")
        raise KineticsError(
            f"no {strategy} data for task {task!r} in {table} (tasks there: {', '.join(sorted(known))})"
        )
    missing = [s for s in sources if not any(like(name, s) for name in known[task])]
    if missing:
        raise KineticsError(
            f"no {strategy} data from source {missing[0]!r} for task {task!r} "
            f"(its sources: {', '.join(sorted(known[task])[:20])}{' ...' if len(known[task]) > 20 else ''})"
        )
