"""kinetics-sql: test-time scaling costs (Kinetics eFLOPs, Kinetics++ rFLOPs) as SQL over DuckDB."""

from kinetics_sql.errors import InputError, KineticsError
from kinetics_sql.warehouse import Warehouse

__version__ = "0.1.0"
__all__ = ["InputError", "KineticsError", "Warehouse", "__version__"]
