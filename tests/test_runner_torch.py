"""The torch runner on the CPU: the decoder equals transformers' Qwen3, streaming changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from kinetics_sql.runners import checkpoints, torchdecode  # noqa: E402
from kinetics_sql.runners.records import read_records  # noqa: E402


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> dict:
    safetensors = pytest.importorskip("safetensors.torch")
    d = tmp_path_factory.mktemp("hf")
    checkpoints.write_hf(checkpoints.toy_spec(), d, dtype="f32", seed=3)
    sd = safetensors.load_file(str(d / "model.safetensors"))
    g = torch.Generator().manual_seed(1)
    for k in sd:  # norms other than ones, so that they are exercised
        if k.endswith("norm.weight"):
            sd[k] = 1 + 0.1 * torch.randn(sd[k].shape, generator=g)
    return {"sd": sd, "dir": d}


def _model(offload: int, sd: dict) -> torchdecode.Qwen3Decoder:
    m = torchdecode.Qwen3Decoder(checkpoints.toy_spec(), device="cpu", dtype="f32", offload=offload,
                                 max_batch=2, max_ctx=24)
    m.load_state(sd)
    return m


@pytest.mark.slow
def test_matches_transformers_qwen3(weights: dict) -> None:
    transformers = pytest.importorskip("transformers")
    cfg = json.loads((weights["dir"] / "config.json").read_text())
    cfg = {k: v for k, v in cfg.items() if k not in ("architectures", "torch_dtype")}
    hf = transformers.Qwen3ForCausalLM(transformers.Qwen3Config(**cfg)).eval()
    hf.load_state_dict(weights["sd"], strict=False)  # lm_head is tied to the embedding
    ids = torch.randint(1000, 150000, (2, 7), generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        ref_prefill = hf(ids[:, :6]).logits[:, -1]
        ref_step = hf(ids).logits[:, -1]
    for k in (0, 1, 2):
        m = _model(k, weights["sd"])
        with torch.inference_mode():
            torch.testing.assert_close(m.forward(ids[:, :6], 0), ref_prefill, atol=1e-5, rtol=1e-4)
            torch.testing.assert_close(m.forward(ids[:, 6:7], 6), ref_step, atol=1e-5, rtol=1e-4)


@pytest.mark.slow  # seconds of CPU each: `make test` and CI run it, a plain pytest does not
def test_static_step_equals_eager(weights: dict) -> None:
    m = _model(1, weights["sd"])
    prompt = torch.randint(1000, 150000, (2, 5), generator=torch.Generator().manual_seed(3))
    eager = []
    with torch.inference_mode():
        tok = m.forward(prompt, 0).argmax(-1, keepdim=True)
        for step in range(4):
            tok = m.forward(tok, 5 + step).argmax(-1, keepdim=True)
            eager.append(tok.clone())
    m.generate(prompt, 4, mode="eager")
    assert torch.equal(m.last_token, eager[-1])
    m.generate(prompt, 4, mode="static")
    assert torch.equal(m.last_token, eager[-1])


def test_offload_accounting() -> None:
    spec = checkpoints.toy_spec()
    m = torchdecode.Qwen3Decoder(spec, device="cpu", dtype="bf16", offload=1, max_batch=1, max_ctx=8)
    assert m.layer_bytes == spec.layer_params * 2
    assert m.offload_bytes == m.layer_bytes
    assert m.weight_bytes == spec.params * 2


@pytest.mark.slow
def test_cli_writes_records(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    torchdecode.main(["--model", "toy-qwen3", "--device", "cpu", "--offload", "0,1", "--batch", "1,2",
                      "--prompt", "6", "--gen", "3", "--out", str(out)])
    recs = list(read_records(out))
    assert len(recs) == 4
    assert {(r["layers_offloaded"], r["batch"]) for r in recs} == {(0, 1), (0, 2), (1, 1), (1, 2)}
    for r in recs:
        assert r["engine"] == "torch-eager" and r["offload_mode"] == ("stream" if r["layers_offloaded"] else "none")
        assert r["tokens_per_s"] == pytest.approx(r["batch"] * r["gen_tokens"] / r["decode_s"])
        assert r["device"].startswith("cpu")


def _live_model(sd: dict, *, budget: int = 0, block_size: int = 8) -> torchdecode.Qwen3Decoder:
    m = torchdecode.Qwen3Decoder(checkpoints.toy_spec(), device="cpu", dtype="f32", max_batch=2, max_ctx=40,
                                 attn_impl="live", budget=budget, block_size=block_size)
    m.load_state(sd)
    return m


@pytest.mark.slow  # seconds of CPU each: `make test` and CI run it, a plain pytest does not
def test_live_context_step_equals_eager(weights: dict) -> None:
    prompt = torch.randint(1000, 150000, (2, 5), generator=torch.Generator().manual_seed(4))
    ref = _model(0, weights["sd"])
    ref.generate(prompt, 9, mode="eager")
    m = _live_model(weights["sd"])
    m.generate(prompt, 9, mode="static")
    assert torch.equal(m.last_token, ref.last_token)


@pytest.mark.slow  # seconds of CPU each: `make test` and CI run it, a plain pytest does not
def test_blocktopk_over_every_block_equals_dense(weights: dict) -> None:
    """A budget that covers the whole cache selects every live block: the tokens are dense's."""
    prompt = torch.randint(1000, 150000, (2, 11), generator=torch.Generator().manual_seed(5))
    m = _live_model(weights["sd"], budget=64, block_size=8)
    m.generate(prompt, 12, mode="static", method="dense")
    dense = m.last_token.clone()
    m.generate(prompt, 12, mode="static", method="blocktopk")
    assert torch.equal(m.last_token, dense)


def test_blocktopk_selects_the_newest_and_the_best_scoring_blocks(weights: dict) -> None:
    m = _live_model(weights["sd"], budget=16, block_size=8)  # 2 blocks of 8
    b, s = 1, m.spec
    g = torch.Generator().manual_seed(6)
    with torch.inference_mode():
        for i in range(s.layers):
            m.k_cache[i].copy_(torch.randn(m.k_cache[i].shape, generator=g))
        m.init_summaries(b, 29)  # blocks 0..3 live, block 3 partial (positions 24..28)
        q = torch.randn(b, s.hq, s.head_dim, generator=g)
        pos = torch.tensor([28])
        idx = m._select_blocks(0, q, m.k_cache[0][:b], pos)
    kc = m.k_cache[0][:b, :, :32].reshape(b, s.hkv, 4, 8, s.head_dim)
    valid = (torch.arange(32) <= 28).view(1, 1, 4, 8, 1)
    summ = (kc * valid).sum(dim=3) / valid.sum(dim=3)
    score = (q.reshape(b, s.hkv, s.hq // s.hkv, s.head_dim) @ summ.transpose(-1, -2)).sum(dim=2)  # [b, hkv, 4]
    for h in range(s.hkv):
        best = int(score[0, h, :3].argmax())  # the newest block (3) is always kept, then the best other
        assert sorted(idx[0, h].tolist()) == sorted([3, best])


@pytest.mark.slow  # seconds of CPU each: `make test` and CI run it, a plain pytest does not
def test_checkpoints_time_one_generation(tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    torchdecode.main(["--model", "toy-qwen3", "--device", "cpu", "--offload", "0", "--runs", "1x4x300",
                      "--mode", "static", "--attn", "live", "--checkpoints", "--out", str(out)])
    recs = list(read_records(out))
    assert [r["gen_tokens"] for r in recs] == [128, 256, 300]
    assert {r["generation_tokens"] for r in recs} == {300}
    assert len({r["run_id"] for r in recs}) == 1
    times = [r["decode_s"] for r in recs]
    assert times == sorted(times) and times[0] > 0
    assert recs[0]["attention_backend"] == "torch_live" and recs[0]["cuda_graphs"] is False
    assert recs[0]["kv_cache_tokens"] == 320  # batch 1 x (4 + 300 + 1) rounded up to whole 64-token blocks
