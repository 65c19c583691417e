"""Plausibility limits on what users give: finite, positive numbers and token counts within a model's context.

Stored token counts are 32-bit integers (INTEGER columns); a count beyond the model's context length
(``models.max_position``, from its config.json) is refused unless the caller passes ``allow_implausible``
(the CLI's ``--allow-implausible``), for power users costing hypothetical lengths.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kinetics_sql.errors import KineticsError
from kinetics_sql.facts.sizes import INT32_MAX

TOKENS_MAX = 2**53  # beyond it a count is not exact as a DOUBLE in the cost macros
ESCAPE = "--allow-implausible"


def finite_positive(value: float | None, what: str) -> None:
    """Raise unless ``value`` is None or a finite number > 0."""
    if value is None:
        return
    if not math.isfinite(value) or value <= 0:
        raise KineticsError(f"{what} must be a finite number > 0, got {value!r}")


def whole_tokens(value: Any) -> int:
    """A token count from text or a number: a whole, finite, non-negative number ('1e4' is 10000)."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        n = value
    else:
        f = float(str(value).strip()) if not isinstance(value, float) else value
        if not math.isfinite(f) or not f.is_integer():
            raise ValueError(value)
        n = int(f)
    if n < 0 or n > TOKENS_MAX:
        raise ValueError(value)
    return n


def context_length(wh: Any, model: str) -> int | None:
    """The model's context length (max_position_embeddings) from the catalog, or None where unknown."""
    from kinetics_sql import sqlfiles

    rows = wh.con.execute(sqlfiles.load("catalog/context_length"), {"model": model}).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else None


def check_context(
    model: str, context: int | None, tokens: int, what: str, *, allow: bool = False, storable: bool = True
) -> str | None:
    """A message when ``tokens`` (prompt + generation) exceed the model's context (unless ``allow``) or,
    with ``storable``, a 32-bit count (never allowed), else None."""
    if storable and tokens > INT32_MAX:
        return f"{what} = {tokens} exceeds the largest storable token count {INT32_MAX}"
    if not allow and context is not None and tokens > context:
        return (
            f"{what} = {tokens} exceeds {model}'s context length {context} (models.max_position); "
            f"pass {ESCAPE} to accept it"
        )
    return None


# -- bounds on the work an option can ask for (docs/limits.md) -----------------------------------------------------

# --grid: points of the log-spaced cost grid. The notebooks used 100; a chart is at most a few thousand pixels wide,
# so 10,000 points is finer than any figure can show. Work and output grow linearly with it.
GRID_MAX = 10_000
# --bootstrap: replicates resampling problems. A 95% percentile band is stable to about 1/sqrt(B): 1,000 replicates
# (recommend's default) put its ends within ~0.3 percentage points; 2,000 halves the Monte-Carlo error of the 2.5%
# quantile again. Each replicate re-evaluates every breakpoint, so work grows linearly with B.
BOOTSTRAP_MAX = 2_000
# --gen-budgets: generation budgets a long-CoT ingest cuts every trace at (one trial_budgets row per trace and
# budget). The default is 16 budgets (2048 to 32768 by 2048); 1,024 budgets of a 128K-token context is a budget
# every 128 tokens, finer than any trade-off curve needs.
GEN_BUDGETS_MAX = 1_024
# --vram-gb: one GPU's memory. The largest GPU today has 288 GB; 1,000,000 GB (a petabyte, "no limit" for any plan)
# leaves room for any accelerator while refusing inf and 1e30, which overflow the plan's byte arithmetic.
VRAM_GB_MAX = 1_000_000.0
# hardware add: a profile's rates. The largest (B300: 2.5e15 dense bf16 FLOP/s, 8e12 HBM bytes/s) are far below
# these; above them the intensity i = 2 * peak / HBM and the seconds lose their meaning (1e308 gave i = inf).
HARDWARE_MAX: dict[str, float] = {
    "--peak-flops": 1e19,
    "--hbm-bytes-per-s": 1e16,
    "--vram-gb": VRAM_GB_MAX,
    "--vram": VRAM_GB_MAX * 1e9,
    "--link-bytes-per-s": 1e15,
    "--host-mem-bytes-per-s": 1e15,
    "--interconnect-bytes-per-s": 1e15,
    "--price-per-hour": 1e5,
}
# models add: a config's sizes. Stored as 32-bit integers; a vocabulary of 1e12 is no model.
CONFIG_INT_MAX = INT32_MAX


def finite_in(value: float, what: str, *, low: float = 0.0, high: float = math.inf, low_open: bool = True) -> None:
    """Raise unless ``value`` is finite and within (low, high] (or [low, high] without ``low_open``)."""
    below = value <= low if low_open else value < low
    if not math.isfinite(value) or below or value > high:
        lo = f"> {low:g}" if low_open else f">= {low:g}"
        hi = f" and <= {high:g}" if math.isfinite(high) else ""
        raise KineticsError(f"{what} must be a finite number {lo}{hi}, got {value!r}")


def check_memory_plan(vram_gb: float | None, reserve_gb: float, profile_vram_bytes: float | None = None) -> None:
    """A VRAM limit within VRAM_GB_MAX, a reserve >= 0 and below the VRAM it is kept free of."""
    if vram_gb is not None:
        finite_in(vram_gb, "--vram-gb", high=VRAM_GB_MAX)
    finite_in(reserve_gb, "--reserve-gb", low_open=False, high=VRAM_GB_MAX)
    vram = vram_gb * 1e9 if vram_gb is not None else profile_vram_bytes
    if vram is not None and reserve_gb * 1e9 >= vram:
        raise KineticsError(
            f"--reserve-gb {reserve_gb:g} leaves nothing of the {vram / 1e9:g} GB VRAM for weights and KV cache: "
            "give a smaller --reserve-gb or a larger --vram-gb"
        )


def exact_int(value: Any) -> int:
    """A whole number from text without a detour through float ('9007199254740993' stays exact); '1e4' is 10000."""
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        return whole_tokens(text)


# -- DuckDB's resources ----------------------------------------------------------------------------------------------

MEMORY_SHARE = 0.5  # of the machine's (or the container's) memory: the rest stays for polars, Altair and the system
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.IGNORECASE)
_UNITS = {"B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}
MEMORY_MIN = 64 * 2**20  # below this DuckDB cannot open a warehouse with its macros


def machine_memory() -> int:
    """Physical memory, or the cgroup's limit where one is set and smaller."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for f in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(f).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return int(total)


def parse_size(text: str) -> int:
    """'2GB', '512MiB' -> bytes; anything else is a KineticsError."""
    m = _SIZE.match(text)
    if not m:
        raise KineticsError(f"expected a size such as 2GB or 512MiB, got {text!r}")
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


@dataclass(frozen=True)
class Resources:
    """What DuckDB may use: ``memory_bytes`` of memory, spilling the rest to ``temp_dir``; never the network."""

    memory_bytes: int
    temp_dir: str

    @classmethod
    def from_options(cls, memory_limit: str | None = None, temp_dir: str | None = None) -> Resources:
        memory = parse_size(memory_limit) if memory_limit else int(MEMORY_SHARE * machine_memory())
        if memory < MEMORY_MIN:
            raise KineticsError(f"a memory limit of {memory} bytes is below the {MEMORY_MIN // 2**20} MiB DuckDB needs")
        return cls(memory, temp_dir or str(Path(tempfile.gettempdir()) / "kinetics-sql-spill"))

    def config(self) -> dict[str, Any]:
        """duckdb.connect's config: the limit, the spill folder, and no extension fetched or loaded on its own."""
        return {
            "memory_limit": f"{self.memory_bytes // 2**20}MiB",
            "temp_directory": self.temp_dir,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        }
