"""vLLM runner below the engine boundary: a fake engine with vLLM's generate() interface."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from kinetics_sql.catalog import builtin_model
from kinetics_sql.ingest import kinetics_jsonl
from kinetics_sql.ingest.measurements import load_measurements
from kinetics_sql.runners import vllmrun
from kinetics_sql.runners.records import RecordWriter


class FakeLLM:
    """generate(prompts, params, use_tqdm) -> one RequestOutput-like object per prompt."""

    def __init__(self, text: str = "so \\boxed{42}", tensor_parallel_size: int = 1) -> None:
        self.calls: list[tuple[list[Any], dict[str, Any]]] = []
        self.text = text
        # where vLLM V1 keeps the parallel config it actually runs with
        parallel = SimpleNamespace(tensor_parallel_size=tensor_parallel_size)
        self.llm_engine = SimpleNamespace(vllm_config=SimpleNamespace(parallel_config=parallel))

    def generate(self, prompts: list[Any], params: dict[str, Any], use_tqdm: bool = True) -> list[Any]:
        self.calls.append((prompts, params))
        n, m = params["n"], params["max_tokens"]
        return [SimpleNamespace(outputs=[SimpleNamespace(token_ids=list(range(m)), text=self.text)
                                         for _ in range(n)]) for _ in prompts]


def fake_params(**kw: Any) -> dict[str, Any]:
    return kw


def test_layers_offloaded() -> None:
    spec = builtin_model("Qwen3-8B")
    assert vllmrun.layers_offloaded(spec, 0) == 0
    per_layer_gib = spec.layer_params * 2 / (1 << 30)
    assert vllmrun.layers_offloaded(spec, 4 * per_layer_gib + 1e-9) == 4
    assert vllmrun.layers_offloaded(spec, 1000) == spec.layers


def test_sweep_builds_records_that_ingest(tmp_path: Path, wh: Any) -> None:
    spec = builtin_model("Qwen3-8B")
    engines: list[tuple[float, FakeLLM]] = []

    def factory(gb: float) -> FakeLLM:
        engines.append((gb, FakeLLM()))
        return engines[-1][1]

    out = tmp_path / "vllm.jsonl"
    recs = vllmrun.sweep(spec, RecordWriter(out, command="python -m kinetics_sql.runners.vllmrun sweep ..."),
                         engine_factory=factory, offloads_gb=[0, 4.0], batches=[1, 4], prompts=[16], gens=[8],
                         version="vllm 0.0-fake", device="NVIDIA H100 80GB HBM3", params_fn=fake_params)
    assert [gb for gb, _ in engines] == [0, 4.0]
    assert len(recs) == 4
    # token-id prompts, EOS ignored, max_tokens=1 then max_tokens=gen
    prompts, params = engines[1][1].calls[-1]
    assert set(prompts[0]) == {"prompt_token_ids"} and len(prompts[0]["prompt_token_ids"]) == 16
    assert params == {"n": 4, "max_tokens": 8}
    assert engines[1][1].calls[-2][1]["max_tokens"] == 1
    off = [r for r in recs if r["offload_mode"] == "stream"]
    assert len(off) == 2 and all(r["layers_offloaded"] == vllmrun.layers_offloaded(spec, 4.0) for r in off)
    assert all(r["engine"] == "vllm" and r["tokens_per_s"] > 0 for r in recs)
    with wh.transaction():
        assert load_measurements(wh, out, source="vllm.jsonl")["measurements"] == 4


def test_measure_rejects_short_outputs() -> None:
    class Short(FakeLLM):
        def generate(self, prompts: list[Any], params: dict[str, Any], use_tqdm: bool = True) -> list[Any]:
            return [SimpleNamespace(outputs=[SimpleNamespace(token_ids=[1], text="")])]

    with pytest.raises(RuntimeError, match="expected 1 samples of 5 tokens"):
        vllmrun.measure(Short(), [1, 2, 3], n=1, gen=5, params_fn=fake_params)


def test_traces_write_kinetics_jsonl(tmp_path: Path) -> None:
    probs = tmp_path / "p.jsonl"
    probs.write_text('{"question": "What is 6*7?", "answer": "42"}\n{"problem": "1+1?", "gold": "2"}\n')
    out = tmp_path / "aime24_Qwen3-8B_dense.jsonl"
    llm = FakeLLM()
    n = vllmrun.traces(llm, vllmrun.read_problems(probs), out, n=3, max_tokens=64,
                       encode=lambda q: [1, 2, 3], score=lambda text, golds: 100 if "42" in golds else 0,
                       params_fn=fake_params)
    assert n == 2
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert "attn_topk" in lines[0] and lines[0]["n"] == 3
    assert lines[1]["query"] == "What is 6*7?" and lines[1]["choices"] == ["42"]
    assert lines[1]["score"] == [100, 100, 100] and lines[2]["score"] == [0, 0, 0]
    assert len(lines[1]["prediction"]) == 3
    assert llm.calls[0][1] == {"n": 3, "max_tokens": 64, "temperature": 0.6}
    assert kinetics_jsonl.detect(out, out.read_bytes())


def test_sweep_records_the_engines_tensor_parallel_size(tmp_path: Path, wh: Any) -> None:
    """Asked for 2 GPUs, the engine reports what it runs with: 2 here; the records carry it, the
    device names both GPUs, each GPU's cpu_offload_gb holds its half of twice as many layers."""
    spec = builtin_model("Qwen3-14B")
    out = tmp_path / "vllm-tp2.jsonl"
    recs = vllmrun.sweep(spec, RecordWriter(out, command="python -m kinetics_sql.runners.vllmrun sweep --tp 2"),
                         engine_factory=lambda gb: FakeLLM(tensor_parallel_size=2), offloads_gb=[0, 4.0],
                         batches=[1, 8], prompts=[16], gens=[8], tensor_parallel_size=2,
                         version="vllm 0.0-fake", device="NVIDIA H200", params_fn=fake_params)
    assert {r["tensor_parallel_size"] for r in recs} == {2}
    assert {r["device"] for r in recs} == {"2 x NVIDIA H200"}
    streamed = [r for r in recs if r["offload_mode"] == "stream"]
    assert {r["layers_offloaded"] for r in streamed} == {vllmrun.layers_offloaded(spec, 4.0, tensor_parallel_size=2)}
    # bf16 (2 bytes) over 2 GPUs: a GPU holds spec.layer_params bytes of each layer
    assert vllmrun.layers_offloaded(spec, 4.0, tensor_parallel_size=2) == int(4 * (1 << 30) // spec.layer_params)
    assert {r["offload_bytes"] for r in streamed} == {2 * 4 * (1 << 30)}
    with wh.transaction():
        assert load_measurements(wh, out, source="vllm-tp2.jsonl")["measurements"] == 4
    assert wh.df("SELECT DISTINCT tensor_parallel_size FROM measurements").item() == 2


def test_sweep_records_what_the_engine_used_not_what_was_asked(tmp_path: Path) -> None:
    recs = vllmrun.sweep(builtin_model("Qwen3-8B"), RecordWriter(tmp_path / "v.jsonl", command="x"),
                         engine_factory=lambda gb: FakeLLM(tensor_parallel_size=1), offloads_gb=[0], batches=[1],
                         prompts=[4], gens=[2], tensor_parallel_size=2, version="vllm 0.0-fake", device="NVIDIA H200",
                         params_fn=fake_params)
    assert recs[0]["tensor_parallel_size"] == 1 and recs[0]["device"] == "NVIDIA H200"
    assert recs[0]["extra"]["requested_tensor_parallel_size"] == 2


def test_engine_without_a_parallel_config_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="cannot read tensor_parallel_size from the engine"):
        vllmrun.engine_tensor_parallel_size(SimpleNamespace(llm_engine=SimpleNamespace()))
    v0 = SimpleNamespace(llm_engine=SimpleNamespace(parallel_config=SimpleNamespace(tensor_parallel_size=4)))
    assert vllmrun.engine_tensor_parallel_size(v0) == 4
