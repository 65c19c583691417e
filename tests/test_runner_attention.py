"""Attention benchmark: dense and block top-k against naive float64 references (CPU)."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from kinetics_sql.runners import attention as A  # noqa: E402
from kinetics_sql.runners.records import read_records  # noqa: E402


def _inputs(seed: int, b: int = 2, hq: int = 8, hkv: int = 2, t: int = 128, d: int = 32) -> tuple:
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(b, hq, d, generator=g), torch.randn(b, hkv, t, d, generator=g),
            torch.randn(b, hkv, t, d, generator=g))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dense_matches_naive(seed: int) -> None:
    q, k, v = _inputs(seed)
    assert A.rel_error(A.dense_attention(q, k, v), A.naive_attention(q, k, v)) < 1e-5


@pytest.mark.parametrize(("seed", "block_size", "topk"), [(0, 16, 3), (1, 8, 5), (2, 32, 2), (3, 16, 1)])
def test_blocktopk_matches_naive_loops(seed: int, block_size: int, topk: int) -> None:
    q, k, v = _inputs(seed)
    out = A.blocktopk_attention(q, k, v, A.block_summaries(k, block_size), block_size, topk)
    assert A.rel_error(out, A.naive_blocktopk(q, k, v, block_size, topk)) < 1e-5


def test_blocktopk_with_every_block_is_dense() -> None:
    q, k, v = _inputs(4)
    out = A.blocktopk_attention(q, k, v, A.block_summaries(k, 16), 16, 128 // 16)
    assert A.rel_error(out, A.naive_attention(q, k, v)) < 1e-5


def test_gather_blocks_picks_the_right_tokens() -> None:
    _, k, _ = _inputs(5)
    idx = torch.tensor([[[3, 0], [7, 2]], [[1, 1], [5, 6]]])
    g = A.gather_blocks(k, idx, 16)
    for b in range(2):
        for h in range(2):
            want = torch.cat([k[b, h, j * 16:(j + 1) * 16] for j in idx[b, h].tolist()])
            assert torch.equal(g[b, h], want)


def test_byte_counts() -> None:
    # Qwen3-8B shapes, 32K context, batch 64: K and V once is 8.6 GB
    assert A.dense_bytes(64, 32, 8, 32768, 128, 2) == 2 * 64 * 128 * (2 * 8 * 32768 + 64)
    fused = A.blocktopk_bytes(64, 32, 8, 32768, 128, 2, 64, 1024)
    assert fused < A.blocktopk_impl_bytes(64, 32, 8, 32768, 128, 2, 64, 1024) < A.dense_bytes(64, 32, 8, 32768, 128, 2)


@pytest.mark.slow
def test_grid_on_cpu_writes_attention_records(tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    A.main(["--device", "cpu", "--contexts", "256", "--batches", "1", "--budgets", "64,128", "--block-sizes", "16",
            "--repeats", "2", "--dtype", "f32", "--out", str(out)])
    recs = list(read_records(out))
    assert [r["method"] for r in recs] == ["dense", "blocktopk", "blocktopk"]
    assert all(r["kind"] == "attention" and r["max_rel_error"] < 1e-5 for r in recs)
    assert recs[1]["topk_blocks"] == 4 and recs[2]["budget"] == 128


@pytest.mark.slow
def test_fused_triton_kernel_in_the_interpreter() -> None:
    """The fused block-sparse kernel against the reference, run by Triton's CPU interpreter (where installed)."""
    pytest.importorskip("triton")
    import os
    import subprocess
    import sys

    code = (
        "import torch\n"
        "from kinetics_sql.runners import attention as A\n"
        "from kinetics_sql.runners.blocksparse_triton import blocksparse_decode\n"
        "g = torch.Generator().manual_seed(0)\n"
        "for b, t, bs, topk, nsplit in [(2, 256, 16, 4, None), (1, 512, 32, 6, 4), (3, 256, 16, 5, 2)]:\n"
        "    q = torch.randn(b, 32, 128, generator=g)\n"
        "    k, v = torch.randn(b, 8, t, 128, generator=g), torch.randn(b, 8, t, 128, generator=g)\n"
        "    idx = A.select_blocks(q, A.block_summaries(k, bs), topk)\n"
        "    ref = A.naive_attention(q, A.gather_blocks(k, idx, bs), A.gather_blocks(v, idx, bs))\n"
        "    assert A.rel_error(blocksparse_decode(q, k, v, idx, bs, nsplit), ref) < 1e-5\n"
    )
    env = {**os.environ, "TRITON_INTERPRET": "1"}
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]


def test_live_reference_attends_only_the_live_positions() -> None:
    q, k, v = _inputs(7)
    lens = torch.tensor([37, 128])
    out = A.live_attention_reference(q, k, v, lens)
    for b in range(2):
        n = int(lens[b])
        ref = A.naive_attention(q[b:b + 1], k[b:b + 1, :, :n], v[b:b + 1, :, :n])
        assert A.rel_error(out[b:b + 1], ref) < 1e-5


def test_live_reference_block_topk_masks_the_partial_block() -> None:
    q, k, v = _inputs(8)
    lens = torch.tensor([45, 100])
    idx = torch.tensor([[[2, 0], [1, 2]], [[6, 3], [0, 5]]], dtype=torch.int32)  # blocks of 16; 2 is partial
    out = A.live_attention_reference(q, k, v, lens, idx, 16)
    for b in range(2):
        for h in range(2):
            tok = torch.cat([torch.arange(j * 16, (j + 1) * 16) for j in idx[b, h].tolist()])
            tok = tok[tok < lens[b]]
            ref = A.naive_attention(q[b:b + 1, h * 4:(h + 1) * 4], k[b:b + 1, h:h + 1, tok], v[b:b + 1, h:h + 1, tok])
            assert A.rel_error(out[b:b + 1, h * 4:(h + 1) * 4], ref) < 1e-5
