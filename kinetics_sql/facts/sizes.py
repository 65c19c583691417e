"""Storage sizes every layer shares: counts are stored as 32-bit INTEGER columns."""

from __future__ import annotations

INT32_MAX = 2**31 - 1
