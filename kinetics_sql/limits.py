"""Plausibility limits on what users give: finite, positive numbers and token counts within a model's context.

Stored token counts are 32-bit integers (INTEGER columns); a count beyond the model's context length
(``models.max_position``, from its config.json) is refused unless the caller passes ``allow_implausible``
(the CLI's ``--allow-implausible``), for power users costing hypothetical lengths.
"""

from __future__ import annotations

import math
from typing import Any

from kinetics_sql.errors import KineticsError

INT32_MAX = 2**31 - 1
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
