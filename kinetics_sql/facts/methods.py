"""Attention methods the cost model knows (``compute_flops`` / ``kv_reads`` in queries/macros)."""

from __future__ import annotations

# dense: full attention; topk: oracle top-k tokens; blocktopk: top-k blocks of block_size tokens;
# window: a sliding window (local attention) of budget tokens.
METHODS: tuple[str, ...] = ("dense", "topk", "blocktopk", "window")
