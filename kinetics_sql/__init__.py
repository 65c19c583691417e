"""kinetics-sql: test-time scaling costs (Kinetics eFLOPs, Kinetics++ rFLOPs) as SQL over DuckDB.

The package root is light: ``import kinetics_sql.runners.records`` (what the GPU runners need)
loads no DuckDB, polars or pyarrow. ``kinetics_sql.Warehouse`` is imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kinetics_sql.errors import InputError, KineticsError

if TYPE_CHECKING:
    from kinetics_sql.warehouse import Warehouse

__version__ = "0.1.0"
__all__ = ["InputError", "KineticsError", "Warehouse", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "Warehouse":
        from kinetics_sql.warehouse import Warehouse

        return Warehouse
    raise AttributeError(f"module 'kinetics_sql' has no attribute {name!r}")
