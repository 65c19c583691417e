"""The fused decode step's stages (runners/fused_ops.py, fused_triton.py) on the CPU.

The Triton kernels run under Triton's interpreter (TRITON_INTERPRET=1) where triton is installed, and are
checked against the torch references; the references themselves against the torch step's own code; the
fused step (references on the CPU) generates the torch step's tokens. The same kernels on a GPU:
tests/test_gpu.py.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from kinetics_sql.runners import checkpoints, fused_ops, torchdecode  # noqa: E402
from kinetics_sql.runners.attention import rel_error  # noqa: E402


@pytest.fixture
def ft() -> Any:
    """fused_triton under Triton's CPU interpreter: run with TRITON_INTERPRET=1 where triton is installed
    (the interpreter is chosen when the kernels are defined, so it cannot be switched on inside a test)."""
    if os.environ.get("TRITON_INTERPRET") != "1":
        pytest.skip("Triton kernels on the CPU: set TRITON_INTERPRET=1 (on a GPU: tests/test_gpu.py)")
    pytest.importorskip("triton")
    from kinetics_sql.runners import fused_triton

    return fused_triton


def _gen(seed: int) -> Any:
    return torch.Generator().manual_seed(seed)


def test_add_rmsnorm_and_silu_mul_kernels_match_torch(ft: Any) -> None:
    g = _gen(1)
    h = torch.randn(3, 96, generator=g).to(torch.bfloat16)
    d = torch.randn(3, 96, generator=g).to(torch.bfloat16)
    w = torch.rand(96, generator=g).to(torch.bfloat16) + 0.5
    h_ref = h.clone()
    ref = fused_ops.add_rmsnorm_ref(h_ref, d, w, 1e-6)
    out = ft.add_rmsnorm(h, d, w, 1e-6, torch.empty_like(h))
    assert rel_error(h, h_ref) < 1e-2  # the interpreter rounds to bf16 by truncation; exact on a GPU
    assert rel_error(out, ref) < 1e-2
    out0 = ft.add_rmsnorm(h, None, w, 1e-6, torch.empty_like(h))
    assert rel_error(out0, fused_ops.add_rmsnorm_ref(h.clone(), None, w, 1e-6)) < 1e-2
    gu = torch.randn(2, 2 * 1100, generator=g).to(torch.bfloat16)
    assert rel_error(ft.silu_mul(gu, gu.new_empty(2, 1100)), fused_ops.silu_mul_ref(gu)) < 1e-2


def _qkv_case(dtype: Any, b: int = 2, hq: int = 4, hkv: int = 2, d: int = 16, t: int = 64, seed: int = 2) -> dict:
    g = _gen(seed)
    inv = 1.0 / (10000 ** (torch.arange(0, d, 2, dtype=torch.float32) / d))
    ang = torch.outer(torch.arange(t, dtype=torch.float32), inv)
    return {
        "qkv": torch.randn(b, (hq + 2 * hkv) * d, generator=g).to(dtype),
        "q_norm": (torch.rand(d, generator=g) + 0.5).to(dtype),
        "k_norm": (torch.rand(d, generator=g) + 0.5).to(dtype),
        "cos": torch.cat([ang.cos(), ang.cos()], -1).to(dtype),
        "sin": torch.cat([ang.sin(), ang.sin()], -1).to(dtype),
        "kc": torch.randn(b + 1, hkv, t, d, generator=g).to(dtype),
        "vc": torch.randn(b + 1, hkv, t, d, generator=g).to(dtype),
        "summ": torch.randn(b + 1, hkv, t // 8, d, generator=g).to(dtype),
        "bsum": torch.randn(b + 1, hkv, d, generator=g),
    }


@pytest.mark.parametrize("pos", [0, 13, 16, 63])
def test_qk_rope_write_kernel_matches_torch(ft: Any, pos: int) -> None:
    c = _qkv_case(torch.bfloat16, seed=pos)
    r = {k: v.clone() for k, v in c.items()}
    pos_t = torch.tensor([pos])
    kw: dict[str, Any] = {"eps": 1e-6, "hq": 4, "hkv": 2, "block_size": 8}
    q_ref = fused_ops.qk_rope_write_ref(r["qkv"], r["q_norm"], r["k_norm"], r["cos"], r["sin"], pos_t, r["kc"][:2],
                                        r["vc"][:2], r["summ"][:2], r["bsum"][:2], **kw)
    q = ft.qk_rope_write(c["qkv"], c["q_norm"], c["k_norm"], c["cos"], c["sin"], pos_t, c["kc"][:2], c["vc"][:2],
                         c["summ"][:2], c["bsum"][:2], q_out=torch.empty(2, 4, 16, dtype=torch.bfloat16), **kw)
    assert rel_error(q, q_ref) < 1e-2
    for name in ("kc", "vc", "summ", "bsum"):
        assert rel_error(c[name], r[name]) < 1e-2, name
        changed = (c[name] != _qkv_case(torch.bfloat16, seed=pos)[name])
        assert changed.any() and not changed[2].any(), name  # written, and only in the batch's rows
    assert torch.equal(c["vc"], r["vc"])  # v is copied, not computed


def test_select_blocks_kernel_matches_torch_topk(ft: Any) -> None:
    g = _gen(7)
    b, hq, hkv, d, nb, bs, nsel = 3, 8, 2, 32, 40, 16, 6
    q = torch.randn(b, hq, d, generator=g).to(torch.bfloat16)
    summ = torch.randn(b, hkv, nb, d, generator=g).to(torch.bfloat16)
    for pos in (5, 3 * bs, 17 * bs + 4, nb * bs - 1):
        pos_t = torch.tensor([pos])
        ref = fused_ops.select_blocks_ref(q, summ, pos_t, nsel, bs)
        out = ft.select_blocks(q, summ, pos_t, nsel, bs, ft.scratch_for(b, hkv, nb, "cpu"),
                               torch.full((b, hkv, nsel), -7, dtype=torch.int32))
        live = pos // bs + 1
        if live >= nsel:  # every selected block is live, the newest among them: the same set
            assert torch.equal(out.sort(-1).values, ref.sort(-1).values), pos
        else:  # all live blocks, then (masked) future ones
            assert set(range(live)) <= set(out[0, 0].tolist()) and out.min() >= 0 and out.max() < nb


def test_combine_kernel_merges_splits(ft: Any) -> None:
    g = _gen(3)
    b, hkv, nsplit, r, rp, d = 2, 2, 3, 4, 16, 16
    acc = torch.randn(b * hkv * nsplit, rp, d, generator=g)
    m = torch.randn(b * hkv * nsplit, rp, generator=g)
    m[0] = float("-inf")  # a split that saw nothing
    acc[0] = 0.0
    l = torch.rand(b * hkv * nsplit, rp, generator=g) + 0.1  # noqa: E741
    l[0] = 0.0
    out = ft.combine(acc, m, l, nsplit, r, torch.empty(b, hkv * r, d))
    a = acc.view(b, hkv, nsplit, rp, d)[:, :, :, :r]
    mm = m.view(b, hkv, nsplit, rp)[:, :, :, :r]
    ll = l.view(b, hkv, nsplit, rp)[:, :, :, :r]
    w = torch.exp(mm - mm.max(dim=2, keepdim=True).values)
    ref = ((a * w[..., None]).sum(2) / (ll * w).sum(2)[..., None]).reshape(b, hkv * r, d)
    assert rel_error(out, ref) < 1e-5


def test_select_reference_is_the_torch_steps_selection() -> None:
    """The fused path's reference selection (summaries already refreshed) = the torch step's _select_blocks."""
    spec = checkpoints.toy_spec()
    m = torchdecode.Qwen3Decoder(spec, device="cpu", dtype="f32", max_batch=2, max_ctx=128, attn_impl="live",
                                 budget=32, block_size=8)
    g = _gen(4)
    m.k_cache[0][:2, :, :77] = torch.randn(2, spec.hkv, 77, spec.head_dim, generator=g)
    m.init_summaries(2, 76)
    q = torch.randn(2, spec.hq, spec.head_dim, generator=g)
    pos_t = torch.tensor([76])
    torch_idx = m._select_blocks(0, q, m.k_cache[0][:2], pos_t)  # refreshes block 9 with position 76
    ref = fused_ops.select_blocks_ref(q, m.summ[0][:2], pos_t, m.nsel, 8)
    assert torch.equal(torch_idx.sort(-1).values, ref.sort(-1).values)


def test_incremental_summaries_equal_recomputed_means() -> None:
    """Decoding with the fused step keeps every block's mean key as init_summaries computes it afresh."""
    spec = checkpoints.toy_spec()
    m = torchdecode.Qwen3Decoder(spec, device="cpu", dtype="f32", max_batch=2, max_ctx=64, attn_impl="live",
                                 budget=16, block_size=8, kernels="fused")
    prompt = torch.randint(1000, 150000, (2, 11), generator=_gen(5))
    m.generate(prompt, 20, mode="static", method="blocktopk")
    kept = [s.clone() for s in m.summ]
    m.init_summaries(2, 31)
    for i in range(spec.layers):
        assert torch.allclose(kept[i][:, :, :4], m.summ[i][:, :, :4], atol=1e-6), i


@pytest.mark.parametrize("method", ["dense", "blocktopk"])
def test_fused_step_generates_the_torch_steps_tokens(method: str) -> None:
    spec = checkpoints.toy_spec()
    prompt = torch.randint(1000, 150000, (2, 13), generator=_gen(6))
    toks = {}
    for kernels in ("torch", "fused"):
        m = torchdecode.Qwen3Decoder(spec, device="cpu", dtype="f32", max_batch=2, max_ctx=64, attn_impl="live",
                                     budget=16, block_size=8, kernels=kernels)
        m.generate(prompt, 12, mode="static", method=method)
        toks[kernels] = m.last_token
    assert torch.equal(toks["torch"], toks["fused"])


def test_fused_kernels_need_the_live_step() -> None:
    with pytest.raises(ValueError, match="fused kernels need attn_impl 'live'"):
        torchdecode.Qwen3Decoder(checkpoints.toy_spec(), device="cpu", dtype="f32", kernels="fused")
    with pytest.raises(ValueError, match="unknown kernels 'cuda'"):
        torchdecode.Qwen3Decoder(checkpoints.toy_spec(), device="cpu", dtype="f32", kernels="cuda",
                                 attn_impl="live")


def test_cli_records_the_kernels(tmp_path: Any) -> None:
    from kinetics_sql.runners.records import read_records

    out = tmp_path / "t.jsonl"
    torchdecode.main(["--model", "toy-qwen3", "--device", "cpu", "--offload", "0", "--mode", "static", "--attn", "live",
                      "--kernels", "torch,fused", "--method", "dense,blocktopk", "--budget", "16", "--block-size", "8",
                      "--runs", "2x20x4", "--out", str(out)])  # fmt: skip
    recs = list(read_records(out))
    assert [(r["extra"]["kernels"], r["attention"]) for r in recs] == [
        ("torch", "dense"), ("torch", "blocktopk"), ("fused", "dense"), ("fused", "blocktopk")]
    with pytest.raises(ValueError, match="--kernels fused needs --attn live"):
        torchdecode.main(["--model", "toy-qwen3", "--device", "cpu", "--offload", "0", "--attn", "span",
                          "--kernels", "fused", "--runs", "1x4x2", "--out", str(out)])


def test_profile_categories_name_where_the_time_goes() -> None:
    from kinetics_sql.runners.profile_step import category

    assert category("_score_blocks") == category("_topk_blocks") == "selection"
    assert category("void at::native::sbtopk::gatherTopK<float>") == "selection"
    assert category("_live_decode") == category("_combine") == "attention"
    assert category("nvjet_sm90_tst_192x16_64x8_2x1_v_bz_TNT") == "gemm"
    assert category("void cublasLt::splitKreduce_kernel<32, 16>") == "gemm"
    assert category("_qk_rope_write") == "fused norm/rope/act"
    assert category("void at::native::vectorized_elementwise_kernel<8, CUDAFunctor_add>") == "torch elementwise/other"
