"""Defaults the command line needs before anything heavy is imported (stdlib only)."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = Path("warehouse") / "kinetics.duckdb"
DEFAULT_RESERVE_GB = 1.0  # VRAM kept free for activations and the runtime (the VRAM plan, queries/pricing/plan.sql)


def default_path() -> str:
    """``$KINETICS_SQL_DB`` or ``warehouse/kinetics.duckdb`` under the working directory."""
    return os.environ.get("KINETICS_SQL_DB") or str(DEFAULT_DB)
