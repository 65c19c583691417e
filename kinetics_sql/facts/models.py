"""The order in which figures and tables list the Kinetics models (smallest first)."""

from __future__ import annotations

MODEL_ORDER: tuple[str, ...] = ("Qwen3-0.6B", "Qwen3-1.7B", "Qwen3-4B", "Qwen3-8B", "Qwen3-14B", "Qwen3-32B")


def ordered(models: set[str] | list[str] | tuple[str, ...]) -> list[str]:
    """``models`` in MODEL_ORDER first, then the others alphabetically."""
    have = set(models)
    return [m for m in MODEL_ORDER if m in have] + sorted(have - set(MODEL_ORDER))
