"""Bytes per element of the weight and KV dtypes the runners and the cost model use."""

from __future__ import annotations

BYTES_PER_ELEMENT: dict[str, int] = {"f32": 4, "f16": 2, "bf16": 2}
DTYPES: tuple[str, ...] = tuple(BYTES_PER_ELEMENT)
