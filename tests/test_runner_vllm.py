"""vLLM runner below the engine boundary: a fake step engine with the runner's engine interface."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest

from kinetics_sql.catalog import builtin_model
from kinetics_sql.ingest import kinetics_jsonl
from kinetics_sql.ingest.measurements import load_measurements
from kinetics_sql.runners import vllmrun
from kinetics_sql.runners.records import RecordWriter


class FakeStepEngine:
    """Requests advance one token per step; the first ``lag`` requests start ``lag`` steps early (as
    chunked prefill lets them); ``facts`` is what the probe would read back."""

    def __init__(self, facts: dict[str, Any], *, lag: int = 0, short: bool = False) -> None:
        self.requests: dict[str, list[int]] = {}  # id -> [tokens so far, max_tokens, start step]
        self.steps = 0
        self.lag = lag
        self.short = short
        self._facts = facts
        self.build_s = 1.5
        self.kwargs = {"dtype": "bfloat16"}
        self.added: list[tuple[list[int], int]] = []

    def facts(self) -> dict[str, Any]:
        return dict(self._facts)

    def add(self, prompt_ids: list[int], max_tokens: int) -> str:
        rid = f"r{len(self.requests)}"
        start = self.steps + (0 if len(self.requests) < self.lag else self.lag)
        self.requests[rid] = [0, max_tokens - (1 if self.short else 0), start]
        self.added.append((prompt_ids, max_tokens))
        return rid

    def step(self) -> list[tuple[str, int, bool]]:
        self.steps += 1
        out = []
        for rid, st in self.requests.items():
            if st[0] < st[1] and self.steps > st[2]:
                st[0] += 1
                out.append((rid, 1, st[0] == st[1]))
        return out

    def has_unfinished(self) -> bool:
        return any(st[0] < st[1] for st in self.requests.values())


def _facts(spec: Any, **kw: Any) -> dict[str, Any]:
    base = {"num_gpu_blocks": 1000, "block_size": 16, "param_gpu_bytes": int(spec.params * 2), "param_uva_bytes": 0,
            "prefetch_bytes": 0, "prefetch_layers": 0, "offloader": "NoopOffloader",
            "attention_backends": ["FLASH_ATTN"], "cudagraph_mode": "FULL_AND_PIECEWISE"}
    return {**base, **kw}


def test_layers_offloaded() -> None:
    spec = builtin_model("Qwen3-8B")
    assert vllmrun.layers_offloaded(spec, 0) == 0
    per_layer_gib = spec.layer_params * 2 / (1 << 30)
    assert vllmrun.layers_offloaded(spec, 4 * per_layer_gib + 1e-9) == 4
    assert vllmrun.layers_offloaded(spec, 1000) == spec.layers


def test_parse_offloads_and_engine_arguments() -> None:
    spec = builtin_model("Qwen3-8B")
    offs = vllmrun.parse_offloads("0,8,uva:4,prefetch:9")
    assert [o.label() for o in offs] == ["none", "uva:8", "uva:4", "prefetch:9"]
    assert vllmrun.engine_kwargs(spec, offs[1]) == {"cpu_offload_gb": 8.0}
    assert vllmrun.engine_kwargs(spec, offs[3]) == {"offload_group_size": 4, "offload_num_in_group": 1,
                                                    "offload_prefetch_step": 1}
    assert offs[3].requested_bytes(spec) == 9 * spec.layer_params * 2
    with pytest.raises(ValueError, match="unknown offload 'disk:3'"):
        vllmrun.parse_offloads("disk:3")


def test_generation_times_every_checkpoint() -> None:
    eng = FakeStepEngine({}, lag=2)
    t = vllmrun.generation(eng, [5, 6, 7], batch=3, gen=300, marks=[128, 256])
    assert [n for n, _ in t["cumulative"]] == [128, 256, 300]
    assert [s for _, s in t["cumulative"]] == sorted(s for _, s in t["cumulative"])
    assert t["skew"] == 2 and t["prefill_s"] > 0
    assert all(ids == [5, 6, 7] and m == 300 for ids, m in eng.added)


def test_generation_rejects_short_outputs() -> None:
    with pytest.raises(RuntimeError, match="expected 2 sequences of 5 tokens"):
        vllmrun.generation(FakeStepEngine({}, short=True), [1, 2, 3], batch=2, gen=5, marks=[])


def test_sweep_records_what_the_engine_did(tmp_path: Path, wh: Any) -> None:
    spec = builtin_model("Qwen3-8B")
    layer = spec.layer_params * 2
    engines: list[tuple[vllmrun.Offload, FakeStepEngine]] = []
    facts = {"none": _facts(spec),
             "uva:8": _facts(spec, param_uva_bytes=18 * layer + 5, offloader="UVAOffloader"),
             "uva:4": _facts(spec)}  # an engine that ignored the request

    def factory(off: vllmrun.Offload) -> FakeStepEngine:
        engines.append((off, FakeStepEngine(facts[off.label()])))
        return engines[-1][1]

    out = tmp_path / "vllm-h200.jsonl"
    logs: list[str] = []
    recs = vllmrun.sweep(spec, RecordWriter(out, command="python -m kinetics_sql.runners.vllmrun sweep ..."),
                         engine_factory=factory, offloads=vllmrun.parse_offloads("0,uva:8,uva:4"),
                         runs=[(1, 16, 300), (4, 16, 8), (64, 300, 8)], version="vllm 0.0-fake",
                         device="NVIDIA H200", log=logs.append)
    # batch 64 x (300 + 8) tokens is 320 blocks of 16 per sequence... 64 * 320 > 16,000 positions: refused
    assert sum("refused" in m for m in logs) == 3
    assert any("kept every weight on the GPU" in m for m in logs)
    by: dict[str, list[dict[str, Any]]] = {}
    for r in recs:
        by.setdefault(r["extra"]["offload"], []).append(r)
    assert [r["gen_tokens"] for r in by["none"]] == [128, 256, 300, 8]
    assert all(r["generation_tokens"] in (300, 8) for r in recs)
    assert all(r["layers_offloaded"] == 18 and r["offload_bytes"] == 18 * layer + 5 for r in by["uva:8"])
    assert all(r["offload_mode"] == "stream" and r["offload_requested_bytes"] == 8 << 30 for r in by["uva:8"])
    # the request that was not honoured is recorded as not offloaded, with what was asked for
    assert all(r["layers_offloaded"] == 0 and r["offload_mode"] == "none" and r["offload_bytes"] == 0
               and r["offload_requested_bytes"] == 4 << 30 for r in by["uva:4"])
    assert all(r["kv_cache_tokens"] == 16000 and r["attention_backend"] == "FLASH_ATTN" and r["cuda_graphs"]
               for r in recs)
    with wh.transaction():
        assert load_measurements(wh, out, source="vllm-h200.jsonl")["measurements"] == len(recs)
    row = wh.con.execute("SELECT generation_tokens, kv_cache_tokens, cuda_graphs, offload_requested_bytes "
                         "FROM measurements WHERE gen_tokens = 128 AND offload_requested_bytes > 0 "
                         "ORDER BY offload_requested_bytes LIMIT 1").fetchone()
    assert row == (300, 16000, True, 4 << 30)


class FakeLLM:
    def __init__(self, text: str = "so \\boxed{42}") -> None:
        self.calls: list[tuple[list[Any], dict[str, Any]]] = []
        self.text = text

    def generate(self, prompts: list[Any], params: dict[str, Any], use_tqdm: bool = True) -> list[Any]:
        self.calls.append((prompts, params))
        return [SimpleNamespace(outputs=[SimpleNamespace(text=self.text) for _ in range(params["n"])])
                for _ in prompts]


def test_traces_write_raw_kinetics_jsonl(tmp_path: Path) -> None:
    probs = tmp_path / "p.jsonl"
    probs.write_text('{"question": "What is 6*7?", "answer": "42"}\n{"problem": "1+1?", "gold": "2"}\n')
    out = tmp_path / "aime24_Qwen3-8B_dense.jsonl"
    llm = FakeLLM()
    n = vllmrun.traces(llm, vllmrun.read_problems(probs), out, n=3, max_tokens=64, params_fn=lambda **kw: kw)
    assert n == 2
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert "attn_topk" in lines[0] and lines[0]["n"] == 3
    assert lines[1]["query"] == "What is 6*7?" and lines[1]["choices"] == ["42"]
    assert "score" not in lines[1] and len(lines[1]["prediction"]) == 3  # scored at ingest
    assert llm.calls[0][0][0].startswith("<|im_start|>user\nSolve the following math problem")
    assert llm.calls[0][1] == {"n": 3, "max_tokens": 64, "temperature": 0.6}
    assert kinetics_jsonl.detect(out, out.read_bytes())


def test_sweep_records_the_engines_tensor_parallel_size(tmp_path: Path, wh: Any) -> None:
    """Asked for 2 GPUs, the engine reports what it runs with: 2 here; the records carry it, the
    device names both GPUs, and each GPU's offloaded shard counts once per GPU."""
    spec = builtin_model("Qwen3-14B")
    shard = spec.layer_params  # bf16 over 2 GPUs: a GPU holds spec.layer_params bytes of a layer
    out = tmp_path / "vllm-tp2.jsonl"
    facts = {"none": _facts(spec, tensor_parallel_size=2),
             "uva:4": _facts(spec, tensor_parallel_size=2, param_uva_bytes=10 * shard)}
    recs = vllmrun.sweep(spec, RecordWriter(out, command="python -m kinetics_sql.runners.vllmrun sweep --tp 2"),
                         engine_factory=lambda off: FakeStepEngine(facts[off.label()]),
                         offloads=vllmrun.parse_offloads("0,uva:4"), runs=[(1, 16, 8), (8, 16, 8)],
                         tensor_parallel_size=2, version="vllm 0.0-fake", device="NVIDIA H200", log=lambda m: None)
    assert {r["tensor_parallel_size"] for r in recs} == {2}
    assert {r["device"] for r in recs} == {"2 x NVIDIA H200"}
    streamed = [r for r in recs if r["offload_mode"] == "stream"]
    assert {r["layers_offloaded"] for r in streamed} == {10}
    assert {r["offload_bytes"] for r in streamed} == {2 * 10 * shard}
    assert {r["offload_requested_bytes"] for r in streamed} == {2 * 4 * (1 << 30)}
    assert vllmrun.layers_offloaded(spec, 4.0, tensor_parallel_size=2) == int(4 * (1 << 30) // shard)
    with wh.transaction():
        assert load_measurements(wh, out, source="vllm-tp2.jsonl")["measurements"] == 4
    assert wh.df("SELECT DISTINCT tensor_parallel_size FROM measurements").item() == 2


def test_sweep_records_what_the_engine_used_not_what_was_asked(tmp_path: Path) -> None:
    spec = builtin_model("Qwen3-8B")
    recs = vllmrun.sweep(spec, RecordWriter(tmp_path / "v.jsonl", command="x"),
                         engine_factory=lambda off: FakeStepEngine(_facts(spec, tensor_parallel_size=1)),
                         offloads=[vllmrun.Offload()], runs=[(1, 4, 2)], tensor_parallel_size=2,
                         version="vllm 0.0-fake", device="NVIDIA H200", log=lambda m: None)
    assert recs[0]["tensor_parallel_size"] == 1 and recs[0]["device"] == "NVIDIA H200"
    assert recs[0]["extra"]["requested_tensor_parallel_size"] == 2


def test_engine_without_a_parallel_config_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="cannot read tensor_parallel_size from the engine"):
        vllmrun.engine_tensor_parallel_size(SimpleNamespace(llm_engine=SimpleNamespace()))
    v0 = SimpleNamespace(llm_engine=SimpleNamespace(parallel_config=SimpleNamespace(tensor_parallel_size=4)))
    assert vllmrun.engine_tensor_parallel_size(v0) == 4


# -- MoE and best-of-N decoded together (issue 20) ----------------------------------------------------------------


class FakeMoeEngine(FakeStepEngine):
    """A MoE engine: every step each live sequence routes to experts 2*i and 2*i+1 of 8 (so a step of b sequences
    touches 2b distinct experts in each of 2 layers); ``routes`` answers as read_routes does (one live tensor per
    layer and a stale one left from capture)."""

    moe = True
    temperature = 1.0
    routers: ClassVar[dict[str, Any]] = {"routers_redrawn": 2, "route_capture": True}

    def routes(self, num_tokens: int) -> list[list[list[list[int]]]]:
        live = [[2 * i + (self.steps % 2), 2 * i + 1 - (self.steps % 2)] for i in range(num_tokens)]
        stale = [[0, 1]] * num_tokens
        return [[stale, live], [stale, live]]


def test_moe_config_and_together_and_probe(tmp_path: Path) -> None:
    spec = builtin_model("Qwen3-30B-A3B-Thinking-2507")
    cfg = vllmrun.checkpoints.hf_config(spec)
    assert cfg["architectures"] == ["Qwen3MoeForCausalLM"] and cfg["num_experts"] == 128
    assert cfg["num_experts_per_tok"] == 8 and cfg["moe_intermediate_size"] == 768 and cfg["num_hidden_layers"] == 48
    with pytest.raises(vllmrun.checkpoints.KineticsError, match="qwen3_moe only, not gpt_oss"):
        vllmrun.checkpoints.moe_hf_config(builtin_model("gpt-oss-20b"))
    oss = vllmrun.checkpoints.hf_config(builtin_model("gpt-oss-20b"))  # GptOssForCausalLM, bf16 experts
    assert oss["architectures"] == ["GptOssForCausalLM"] and oss["num_local_experts"] == 32
    assert oss["num_experts_per_tok"] == 4 and oss["sliding_window"] == 128 and "quantization_config" not in oss
    assert oss["layer_types"].count("sliding_attention") == 12 and oss["rope_scaling"]["rope_type"] == "yarn"
    assert vllmrun.parse_together("128:900,100,400@aime/12") == (128, [900, 100, 400], "aime/12")
    with pytest.raises(ValueError, match="expected P:L1,L2"):
        vllmrun.parse_together("128")
    eng = FakeMoeEngine(_facts(spec))
    writer = RecordWriter(tmp_path / "m.jsonl", command="test")
    recs = vllmrun.sweep(spec, writer, engine_factory=lambda off: eng, offloads=[vllmrun.Offload()],
                         runs=[(2, 8, 64)], version="vllm test", device="NVIDIA H200", log=lambda s: None,
                         together_runs=[(8, [30, 10, 20], "test")], probe_steps=6)  # fmt: skip
    decode = [r for r in recs if "schedule" not in r["extra"]]
    assert decode and all(r["extra"]["experts"]["experts_touched"] == 4 for r in decode)  # 2 sequences x 2 experts
    assert all(r["extra"]["distinct_prompts"] and r["extra"]["temperature"] == 1.0 for r in decode)
    prompts = [p for p, n in eng.added if n == 64]
    assert len(prompts) == 2 and prompts[0] != prompts[1]  # a distinct prompt per sequence, so routing spreads
    tog = [r for r in recs if r["extra"].get("schedule") == "together"]
    assert len(tog) == 1 and tog[0]["batch"] == 3 and tog[0]["gen_tokens"] == 30
    assert tog[0]["extra"]["tokens"] == [30, 10, 20] and tog[0]["extra"]["lengths_from"] == "test"
    fin = tog[0]["extra"]["finish_s"]
    assert fin[1] <= fin[2] <= fin[0] and tog[0]["total_s"] == pytest.approx(fin[0])
    assert vllmrun.distinct_experts([[[[[0, 1]]]], [[[[0, 1]]]]])["experts_touched"] is None  # nothing changed


def test_redraw_routers_finds_gpt_oss_routers_and_zeroes_biases() -> None:
    """gpt-oss keeps its router beside the FusedMoE (MLPBlock.router, a linear layer with a bias; the MoE runner's
    gate is None): the re-draw finds it, and zeroes every bias of the model (random biases, the same for every token,
    add up until every token routes to the same experts)."""
    torch = pytest.importorskip("torch")
    module: Any = torch.nn.Module

    class Router(module):
        top_k = 4

    class FusedMoE(module):
        def __init__(self) -> None:
            super().__init__()
            self.router, self.gate = Router(), None

    class MLPBlock(module):
        def __init__(self) -> None:
            super().__init__()
            self.router = torch.nn.Linear(16, 32, bias=True)
            self.experts = FusedMoE()
            self.o_proj = torch.nn.Linear(16, 16, bias=True)

    class Model(module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = torch.nn.ModuleList([MLPBlock(), MLPBlock()])

    model = Model()
    for p in model.parameters():
        torch.nn.init.uniform_(p, 0.5, 1.0)
    worker = type("W", (), {"model_runner": type("R", (), {"get_model": staticmethod(lambda: model)})()})()
    out = vllmrun.redraw_routers(worker)
    assert out["routers_redrawn"] == 2 and out["router_shape"] == [32, 16] and out["biases_zeroed"] == 4
    for layer in model.layers:
        assert float(layer.router.weight.min()) < 0  # re-drawn around zero, not the uniform 0.5-1 left
        assert float(layer.router.bias.abs().max()) == 0 and float(layer.o_proj.bias.abs().max()) == 0
