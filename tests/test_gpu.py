"""GPU tests (marked `gpu`): run on the device machine, skipped cleanly without CUDA.

They import only the runners (torch, triton), never the warehouse, so that they also run where
duckdb is not installed (the device image): `pytest --noconftest -m gpu tests/test_gpu.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # torch is imported below through importorskip, which mypy sees as a plain value
    from torch import dtype as TorchDtype

torch = pytest.importorskip("torch")
if not torch.cuda.is_available():  # the conftest skips these too; this covers --noconftest runs
    pytest.skip("needs an NVIDIA GPU (run on the device machine)", allow_module_level=True)

from kinetics_sql.runners import attention as A  # noqa: E402
from kinetics_sql.runners import checkpoints, torchdecode  # noqa: E402
from kinetics_sql.runners.records import read_records  # noqa: E402

pytestmark = pytest.mark.gpu


def _qkv(b: int, t: int, dtype: TorchDtype, seed: int = 0) -> tuple:
    g = torch.Generator(device="cuda").manual_seed(seed)
    q = torch.randn(b, 32, 128, device="cuda", dtype=dtype, generator=g)
    k = torch.randn(b, 8, t, 128, device="cuda", dtype=dtype, generator=g)
    v = torch.randn(b, 8, t, 128, device="cuda", dtype=dtype, generator=g)
    return q, k, v


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_dense_attention_on_gpu_matches_float64(dtype: TorchDtype) -> None:
    """Qwen3-8B head shapes (32 query heads, 8 KV heads, head_dim 128) through the flash/cuDNN backends."""
    q, k, v = _qkv(4, 2048, dtype)
    ref = A.naive_attention(q.cpu(), k.cpu(), v.cpu())
    tol = 1e-5 if dtype == torch.float32 else 2e-2
    assert A.rel_error(A.dense_attention(q, k, v).cpu(), ref) < tol


@pytest.mark.parametrize(("block_size", "topk"), [(16, 64), (64, 16), (32, 8)])
def test_blocktopk_on_gpu_matches_naive_loops(block_size: int, topk: int) -> None:
    q, k, v = _qkv(2, 2048, torch.float32, seed=block_size)
    out = A.blocktopk_attention(q, k, v, A.block_summaries(k, block_size), block_size, topk)
    ref = A.naive_blocktopk(q.cpu(), k.cpu(), v.cpu(), block_size, topk)
    assert A.rel_error(out.cpu(), ref) < 1e-4


# tl.dot takes float32 inputs as TF32 (10-bit mantissa) on Hopper: ~1e-3 relative, as cuBLAS would.
@pytest.mark.parametrize(("dtype", "tol"), [(torch.float32, 5e-3), (torch.bfloat16, 2e-2)])
def test_fused_triton_kernel_on_gpu(dtype: TorchDtype, tol: float) -> None:
    pytest.importorskip("triton")
    from kinetics_sql.runners.blocksparse_triton import blocksparse_decode

    for b, t, bs, topk in [(8, 4096, 64, 16), (3, 8192, 16, 64), (1, 1024, 32, 7)]:
        q, k, v = _qkv(b, t, dtype, seed=t)
        idx = A.select_blocks(q, A.block_summaries(k, bs), topk)
        ref = A.naive_attention(q.cpu(), A.gather_blocks(k, idx, bs).cpu(), A.gather_blocks(v, idx, bs).cpu())
        assert A.rel_error(blocksparse_decode(q, k, v, idx, bs).cpu(), ref) < tol


@pytest.fixture(scope="module")
def toy_state(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    safetensors = pytest.importorskip("safetensors.torch")
    d = tmp_path_factory.mktemp("hf")
    checkpoints.write_safetensors(checkpoints.toy_spec(), d / "model.safetensors", dtype="f32", seed=3)
    state: dict[str, Any] = safetensors.load_file(str(d / "model.safetensors"))
    return state


def test_streamed_layers_give_the_same_tokens_on_gpu(toy_state: dict) -> None:
    """Weights of k layers in pinned host memory, copied to the GPU every step (eager, static and
    CUDA-graph decode) generate exactly what the all-resident model generates."""
    spec = checkpoints.toy_spec()
    prompt = torch.randint(1000, 150000, (2, 6), generator=torch.Generator().manual_seed(5)).cuda()
    tokens = {}
    for k in (0, 1, spec.layers):
        m = torchdecode.Qwen3Decoder(spec, device="cuda", dtype="f32", offload=k, max_batch=2, max_ctx=32)
        m.load_state(toy_state)
        for mode in ("eager", "static", "graph"):
            timing = m.generate(prompt, 8, mode=mode)
            assert timing.decode_s > 0
            tokens[(k, mode)] = m.last_token.cpu()
    first = tokens[(0, "eager")]
    for key, tok in tokens.items():
        assert torch.equal(tok, first), key


def test_torch_runner_records_on_gpu(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    torchdecode.main(["--model", "toy-qwen3", "--device", "cuda", "--offload", "0,1", "--batch", "1,4",
                      "--prompt", "16", "--gen", "8", "--out", str(out)])  # fmt: skip
    recs = list(read_records(out))
    assert len(recs) == 4
    assert {r["layers_offloaded"] for r in recs} == {0, 1}
    assert all("NVIDIA" in r["device"] and r["engine"] == "torch" and r["decode_s"] > 0 for r in recs)
    assert all(r["offload_mode"] == ("stream" if r["layers_offloaded"] else "none") for r in recs)


@pytest.mark.parametrize(("dtype", "tol"), [(torch.float32, 5e-3), (torch.bfloat16, 2e-2)])
def test_live_context_triton_kernel_on_gpu(dtype: TorchDtype, tol: float) -> None:
    """Dense over per-sequence live lengths, and block top-k with a partial newest block, against the
    torch reference (itself checked against float64 loops on the CPU); Qwen3-8B head shapes."""
    pytest.importorskip("triton")
    from kinetics_sql.runners.live_attention import LiveAttention

    b, t = 3, 4096
    q, k, v = _qkv(b, t, dtype, seed=11)
    lens = torch.tensor([1, 1000, 4096], dtype=torch.int32, device="cuda")
    dense = LiveAttention(b, 32, 8, 128, t, device="cuda")
    ref = A.live_attention_reference(q.double(), k.double(), v.double(), lens)
    assert A.rel_error(dense(q, k, v, lens), ref) < tol
    for bs, nsel in [(32, 32), (64, 8), (16, 5)]:
        g = torch.Generator(device="cuda").manual_seed(bs)
        live_blocks = (lens.long() + bs - 1) // bs
        scores = torch.rand(b, 8, t // bs, device="cuda", generator=g)
        scores = scores.masked_fill(torch.arange(t // bs, device="cuda") >= live_blocks.view(b, 1, 1), -1.0)
        idx = scores.topk(nsel, dim=-1).indices.to(torch.int32)
        idx[..., 0] = (live_blocks - 1).view(b, 1).to(torch.int32)  # the newest (partial) block
        idx = torch.sort(idx, dim=-1).values
        sparse = LiveAttention(b, 32, 8, 128, t, device="cuda", block_size=bs, nsel=nsel)
        ref = A.live_attention_reference(q.double(), k.double(), v.double(), lens, idx, bs)
        assert A.rel_error(sparse(q, k, v, lens, idx), ref) < tol, (bs, nsel)


def test_live_context_decode_graphs_on_gpu(toy_state: dict) -> None:
    """The live-context step (Triton kernel) in a CUDA graph generates the span step's tokens; block
    top-k with a budget covering the cache generates dense's; a short budget runs and differs in cost only."""
    spec = checkpoints.toy_spec()
    prompt = torch.randint(1000, 150000, (2, 21), generator=torch.Generator().manual_seed(6)).cuda()
    ref = torchdecode.Qwen3Decoder(spec, device="cuda", dtype="f32", max_batch=2, max_ctx=64)
    ref.load_state(toy_state)
    ref.generate(prompt, 30, mode="static")
    m = torchdecode.Qwen3Decoder(spec, device="cuda", dtype="f32", max_batch=2, max_ctx=64, attn_impl="live",
                                 budget=64, block_size=16)
    m.load_state(toy_state)
    for mode in ("static", "graph"):
        m.generate(prompt, 30, mode=mode)
        assert torch.equal(m.last_token.cpu(), ref.last_token.cpu()), mode
        t = m.generate(prompt, 30, mode=mode, method="blocktopk", checkpoints=[8, 16])
        assert torch.equal(m.last_token.cpu(), ref.last_token.cpu()), (mode, "blocktopk")
        assert [n for n, _ in t.cumulative] == [8, 16, 30]


# -- the fused decode step (runners/fused_triton.py) ------------------------------------------------

def test_fused_stage_kernels_match_torch_on_gpu() -> None:
    """add + RMSNorm (the residual add bit-exact), silu * up, q/k norm + RoPE + cache and summary write,
    at Qwen3-8B shapes in bf16, against the torch references."""
    from kinetics_sql.runners import fused_ops, fused_triton

    g = torch.Generator(device="cuda").manual_seed(21)
    bf = torch.bfloat16
    h = torch.randn(16, 4096, device="cuda", generator=g).to(bf)
    d = torch.randn(16, 4096, device="cuda", generator=g).to(bf)
    w = (torch.rand(4096, device="cuda", generator=g) + 0.5).to(bf)
    h_ref = h.clone()
    ref = fused_ops.add_rmsnorm_ref(h_ref, d, w, 1e-6)
    out = fused_triton.add_rmsnorm(h, d, w, 1e-6, torch.empty_like(h))
    assert torch.equal(h, h_ref) and A.rel_error(out, ref) < 1e-2
    gu = torch.randn(16, 2 * 12288, device="cuda", generator=g).to(bf)
    assert A.rel_error(fused_triton.silu_mul(gu, gu.new_empty(16, 12288)), fused_ops.silu_mul_ref(gu)) < 1e-2
    b, hq, hkv, dd, t, bs = 16, 32, 8, 128, 1024, 32
    inv = 1.0 / (1e6 ** (torch.arange(0, dd, 2, device="cuda", dtype=torch.float32) / dd))
    ang = torch.outer(torch.arange(t, device="cuda", dtype=torch.float32), inv)
    cos, sin = torch.cat([ang.cos(), ang.cos()], -1).to(bf), torch.cat([ang.sin(), ang.sin()], -1).to(bf)
    qkv = torch.randn(b, (hq + 2 * hkv) * dd, device="cuda", generator=g).to(bf)
    qn, kn = (torch.rand(dd, device="cuda", generator=g) + 0.5).to(bf), (torch.rand(dd, device="cuda") + 0.5).to(bf)
    for pos in (0, 37, 1023):
        bufs = [torch.randn(b, hkv, t, dd, device="cuda", generator=g).to(bf) for _ in range(2)]
        bufs += [torch.randn(b, hkv, t // bs, dd, device="cuda", generator=g).to(bf),
                 torch.randn(b, hkv, dd, device="cuda", generator=g)]
        refs = [x.clone() for x in bufs]
        pos_t = torch.tensor([pos], device="cuda")
        kw: dict[str, Any] = {"eps": 1e-6, "hq": hq, "hkv": hkv, "block_size": bs}
        q_ref = fused_ops.qk_rope_write_ref(qkv, qn, kn, cos, sin, pos_t, *refs, **kw)
        q = fused_triton.qk_rope_write(qkv, qn, kn, cos, sin, pos_t, *bufs, q_out=qkv.new_empty(b, hq, dd), **kw)
        assert A.rel_error(q, q_ref) < 1e-2, pos
        for got, want in zip(bufs, refs, strict=True):
            assert A.rel_error(got, want) < 1e-2, pos
        assert torch.equal(bufs[1], refs[1])


def _tie_tolerant_same_selection(out: Any, ref: Any, scores: Any, nsel: int) -> float:
    """Share of (sequence, KV head) rows whose selected sets are equal; asserts that any other row differs
    only in blocks whose score ties the k-th best within bf16 rounding."""
    kth = scores.topk(nsel, dim=-1).values[..., -1]
    same = 0
    rows = out.shape[0] * out.shape[1]
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            a, r = set(out[i, j].tolist()), set(ref[i, j].tolist())
            assert len(a) == nsel
            if a == r:
                same += 1
                continue
            for blk in a ^ r:
                assert abs(float(scores[i, j, blk] - kth[i, j])) <= 2e-2 * max(1.0, abs(float(kth[i, j]))), (i, j)
    return float(same / rows)


@pytest.mark.parametrize(("pos", "bs", "nsel"), [(8191, 32, 32), (5000, 32, 32), (6000, 16, 64), (3000, 64, 8)])
def test_fused_selection_matches_reference_on_gpu(pos: int, bs: int, nsel: int) -> None:
    """The one-kernel selection chooses the reference's blocks (ties within bf16 rounding aside), and
    attention over its choice is within bf16 tolerance of attention over the reference's, at Qwen3-8B
    shapes (batch 4, 8K cache)."""
    from kinetics_sql.runners import fused_ops
    from kinetics_sql.runners.live_attention import LiveAttention

    b, t = 4, 8192
    q, k, v = _qkv(b, t, torch.bfloat16, seed=pos)
    nb = t // bs
    summ = k.float().view(b, 8, nb, bs, 128).mean(dim=3).to(torch.bfloat16)
    pos_t = torch.tensor([pos], device="cuda")
    ref = fused_ops.select_blocks_ref(q, summ, pos_t, nsel, bs)
    out = fused_ops.select_blocks(q, summ, pos_t, nsel, bs)
    blk = pos // bs
    scores = fused_ops.block_scores_ref(q, summ)
    scores[..., blk + 1:] = float("-inf")
    scores[..., blk] = float("inf")
    # sums of bf16-rounded per-head scores tie exactly now and then, and top-k breaks ties either way
    assert _tie_tolerant_same_selection(out.cpu(), ref.cpu(), scores.cpu(), nsel) >= 0.75
    assert (out == blk).any(dim=-1).all() and int(out.max()) <= blk
    lens = torch.full((b,), pos + 1, dtype=torch.int32, device="cuda")
    att = LiveAttention(b, 32, 8, 128, t, device="cuda", block_size=bs, nsel=nsel)
    # attention over the fused selection, against float64 over the same blocks (a tie swapped for its
    # twin changes the attended keys, so the reference's own choice is compared only where it is the same)
    want = A.live_attention_reference(q.double(), k.double(), v.double(), lens, out, bs)
    same = torch.equal(out.sort(-1).values, ref.sort(-1).values)
    want_ref = A.live_attention_reference(q.double(), k.double(), v.double(), lens, ref, bs)
    for fused in (False, True):
        got = att(q, k, v, lens, out, fused_combine=fused)
        assert A.rel_error(got, want) < 2e-2
        if same:
            assert A.rel_error(got, want_ref) < 2e-2


def test_fused_decode_graph_generates_the_torch_steps_tokens_on_gpu(toy_state: dict) -> None:
    """The fused step in a CUDA graph (f32 toy model) generates the torch step's tokens: dense, block top-k
    over every block, block top-k under a short budget, and with a streamed layer; its incrementally kept
    block summaries equal freshly computed ones."""
    spec = checkpoints.toy_spec()
    prompt = torch.randint(1000, 150000, (2, 21), generator=torch.Generator().manual_seed(6)).cuda()
    tokens = {}
    for kernels in ("torch", "fused"):
        for budget, offload in ((64, 0), (32, 0), (32, 1)):  # 4 blocks of 16: all of them, or the best 2
            m = torchdecode.Qwen3Decoder(spec, device="cuda", dtype="f32", max_batch=2, max_ctx=64, attn_impl="live",
                                         budget=budget, block_size=16, kernels=kernels, offload=offload)
            m.load_state(toy_state)
            for method in ("dense", "blocktopk"):
                m.generate(prompt, 30, mode="graph", method=method)
                tokens[(kernels, budget, offload, method)] = m.last_token.cpu()
            if kernels == "fused":
                kept = [s.clone() for s in m.summ]
                m.init_summaries(2, 50)
                for i in range(spec.layers):
                    assert torch.allclose(kept[i][:, :, :3], m.summ[i][:, :, :3], atol=1e-5), i
    dense = tokens[("torch", 64, 0, "dense")]
    for key, tok in tokens.items():
        if key[3] == "dense" or key[1] == 64:
            assert torch.equal(tok, dense), key
        else:
            assert torch.equal(tok, tokens[("torch", 32, 0, "blocktopk")]), key
