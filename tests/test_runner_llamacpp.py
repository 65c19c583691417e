"""The llama.cpp runner, for real on the CPU at toy size (llama-cpp-python and gguf required)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kinetics_sql.catalog import builtin_model
from kinetics_sql.runners import llamacpp
from kinetics_sql.runners.records import read_records


def test_placement_follows_llama_cpp() -> None:
    spec = builtin_model("Qwen3-8B")  # 36 layers
    assert llamacpp.placement(spec, 0) == (0, False)
    assert llamacpp.placement(spec, 1) == (0, True)  # the output layer goes first
    assert llamacpp.placement(spec, 10) == (9, True)
    assert llamacpp.placement(spec, 37) == (36, True)
    assert llamacpp.placement(spec, 999) == (36, True)


def test_offload_bytes() -> None:
    spec = builtin_model("Qwen3-8B")
    layers, nbytes = llamacpp.offload_bytes(spec, 37, "f16")
    assert (layers, nbytes) == (0, 0)
    layers, nbytes = llamacpp.offload_bytes(spec, 10, "f16")
    assert layers == 27 and nbytes == int(27 * spec.layer_params * 2)
    layers, nbytes = llamacpp.offload_bytes(spec, 0, "f16")
    assert layers == 36 and nbytes == int(36 * spec.layer_params * 2) + spec.vocab * spec.hidden * 2 + spec.hidden * 4
    assert llamacpp.offload_bytes(spec, 37, "f16", gpu=False)[0] == 36  # a CPU build computes everything


def test_default_depths() -> None:
    assert llamacpp.default_depths(28) == [0, 7, 14, 22, 29]
    assert llamacpp.default_depths(40)[0] == 0 and llamacpp.default_depths(40)[-1] == 41


@pytest.mark.slow
def test_toy_sweep_runs_llama_cpp(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    pytest.importorskip("gguf")
    out = tmp_path / "m.jsonl"
    llamacpp.main(["--model", "toy-qwen3", "--gguf-dir", str(tmp_path), "--delete-gguf", "--ngl", "0,3",
                   "--prompt", "8", "--gen", "4,8", "--threads", "2", "--out", str(out)])
    recs = list(read_records(out))
    assert len(recs) == 4
    assert {r["gen_tokens"] for r in recs} == {4, 8}
    for r in recs:
        assert r["engine"] == "llama.cpp" and r["timing_source"] == "llama_perf_context"
        assert r["decode_s"] > 0 and r["prefill_s"] > 0
        assert r["tokens_per_s"] == pytest.approx(r["gen_tokens"] / r["decode_s"])
        assert r["engine_version"].startswith("llama-cpp-python ")
        assert "--model toy-qwen3" in r["command"]
    assert not list(tmp_path.glob("*.gguf"))  # --delete-gguf removed the file it built
