"""Attention methods the cost model knows (``compute_flops`` / ``kv_reads`` in queries/macros)."""

from __future__ import annotations

# dense: full attention; topk: oracle top-k tokens; blocktopk: top-k blocks of block_size tokens;
# window: a sliding window (local attention) of budget tokens.
METHODS: tuple[str, ...] = ("dense", "topk", "blocktopk", "window")


def check_params(method: str | None, budget: int | None, block_size: int | None) -> str | None:
    """What is wrong with a method's KV budget and block size, or None: the one check `cost` and `ingest` share.

    dense has no budget and no block; topk and window need a budget > 0 and no block; blocktopk needs a block size
    > 0 and a budget of at least one block (the budget is local + block_size * blocks). 0 and None both mean unset.
    """
    if method is None:
        return None if not budget and not block_size else "--budget and --block-size need --method"
    if method not in METHODS:
        return f"unknown attention method {method!r} (expected one of {', '.join(METHODS)})"
    for label, value in (("--budget", budget), ("--block-size", block_size)):
        if value is not None and value < 0:
            return f"{label} must be >= 0 tokens, got {value}"
    if method == "dense":
        if budget or block_size:
            return "dense attention reads the whole KV cache: it takes no --budget and no --block-size"
        return None
    if not budget:
        return f"{method} needs a KV budget > 0 tokens (--budget)"
    if method != "blocktopk":
        return f"{method} takes no --block-size (only blocktopk does)" if block_size else None
    if not block_size:
        return "blocktopk needs a block size > 0 tokens (--block-size)"
    if budget < block_size:
        return (
            f"a blocktopk budget of {budget} tokens is smaller than one block of {block_size}: "
            "give --budget >= --block-size"
        )
    return None


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
