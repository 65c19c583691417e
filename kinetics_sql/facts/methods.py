"""Attention methods the cost model knows (``compute_flops`` / ``kv_reads`` in queries/macros)."""

from __future__ import annotations

# dense: full attention; topk: oracle top-k tokens; blocktopk: top-k blocks of block_size tokens;
# window: a sliding window (local attention) of budget tokens.
METHODS: tuple[str, ...] = ("dense", "topk", "blocktopk", "window")

# What an engine can run: every method but oracle top-k, which must score every key to pick its top k (an upper
# bound on sparse attention, the paper's analysis; not a deployable configuration).
DEPLOYABLE_METHODS: tuple[str, ...] = ("dense", "blocktopk", "window")
ORACLE_METHODS: tuple[str, ...] = ("topk",)
ORACLE_LABEL = "oracle top-k: an upper bound for sparse attention, not deployable"


def considered(methods: tuple[str, ...] | list[str], include_oracle: bool) -> tuple[str, ...]:
    """The methods a deployable answer considers: those asked for by name, else every method with
    ``include_oracle``, else the deployable ones (an empty tuple means every method)."""
    if methods:
        return tuple(methods)
    return () if include_oracle else DEPLOYABLE_METHODS
