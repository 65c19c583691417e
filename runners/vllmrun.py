"""vLLM decode latency and Kinetics-format reasoning traces, through vLLM's offline engine.

Run on the H200 with vLLM 0.26.0 (staged by a vllm-stage.sh script kept outside this repository); the tests drive it
below the engine boundary with a fake step engine.

Latency (``sweep``): one engine per offload request (``0``, ``uva:GB`` = ``cpu_offload_gb``,
``prefetch:K`` = K layers through the prefetch offloader), built with ``load_format='dummy'`` (vLLM
draws random weights; only config.json is written) and ``skip_tokenizer_init=True``. For each
(batch, prompt, gen) run, ``batch`` copies of a random token-id prompt are added straight to the
engine and it is stepped; the host clock is read when every sequence holds its first token
(prefill_s) and when every sequence holds 128, 256, ... tokens (a record per checkpoint, decode_s
counted from the first token), so one long generation measures every shorter length. What the
engine actually built is read back from its worker (:func:`probe_worker`): weights on the GPU and
offloaded, KV-cache capacity, attention backends, CUDA-graph mode, tensor-parallel size. vLLM
0.26.0 runs dense models on its V2 model runner, which ignores weight offload; an offload request
switches to the V1 runner (``VLLM_USE_V2_MODEL_RUNNER=0``), and records carry the offload the engine
took (``offload_bytes``) beside the one requested (``offload_requested_bytes``).

Traces (``traces``): samples N completions per problem of a JSONL problem file
(``{"question": ..., "answer": ...}`` per line) with the Kinetics math prompt and writes the
Kinetics JSONL format: a metadata line, then ``{"query", "choices", "prediction"}`` rows (raw
predictions: ``kinetics-sql ingest`` scores them with the boxed-answer judge).

    python -m kinetics_sql.runners.vllmrun sweep --model Qwen3-8B --runs 1x128x16384,16x1024x8192 \\
        --out warehouse/measurements/vllm-h200.jsonl
    python -m kinetics_sql.runners.vllmrun sweep --model Qwen3-8B --offload 0,uva:8 --runs 1x128x128 --out v.jsonl
    python -m kinetics_sql.runners.vllmrun traces --model Qwen3-8B --hf-dir /models/Qwen3-8B \\
        --problems aime24.jsonl --n 8 --max-tokens 32768 --out aime24_qwen3-8b_dense.jsonl
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kinetics_sql.catalog import ModelSpec
from kinetics_sql.facts.dtypes import BYTES_PER_ELEMENT
from kinetics_sql.facts.prompt import chat_prompt
from kinetics_sql.runners import checkpoints, cliargs
from kinetics_sql.runners.records import RecordWriter, checkpoint_marks, command_line

BYTES = BYTES_PER_ELEMENT
_VLLM_DTYPE = {"bf16": "bfloat16", "f16": "float16", "f32": "float32"}

ROUTE_CAPTURE_ENV = "KINETICS_ROUTE_CAPTURE"

# Worker-side references to the routing tensors of each MoE layer, by (layer object id, tokens in the
# step): the expert ids a router chose (BaseRouter._select_experts) or, for kernels that route inside
# (monolithic), the router logits. A tensor referenced while a CUDA graph is captured lives in the
# graph's memory pool and is rewritten by every replay, so reading it after a step reads what that
# step routed, at no cost to the timed steps (no kernel is added). The table hangs on vLLM's router
# class (``_kinetics_routes``), which the engine process and a function sent to it share, whichever
# name this module was imported under.


def _route_table() -> dict[tuple[int, int], list[Any]]:
    from vllm.model_executor.layers.fused_moe.router.base_router import BaseRouter

    table = getattr(BaseRouter, "_kinetics_routes", None)
    if table is None:
        table = {}
        BaseRouter._kinetics_routes = table  # type: ignore[attr-defined]
    return table


def _keep_route(owner: Any, kind: str, t: Any) -> None:
    try:
        key = (id(owner), int(t.shape[0]))
        refs = _route_table().setdefault(key, [])
        ptr = t.data_ptr()
        refs[:] = [r for r in refs if r[1].data_ptr() != ptr][-3:]  # an eager step reuses its address
        refs.append((kind, t))
    except Exception:  # never let the record keeping break a forward pass
        pass


def install_route_capture() -> bool:
    """Patch vLLM's MoE router and runner classes (in this process) to keep references to each step's
    routing; idempotent. Returns False where vLLM has no such classes (then nothing is recorded)."""
    try:
        from vllm.model_executor.layers.fused_moe.router.base_router import BaseRouter
        from vllm.model_executor.layers.fused_moe.runner.moe_runner import MoERunner
    except ImportError:
        return False
    if getattr(BaseRouter, "_kinetics_capture", False):
        return True
    select = BaseRouter._select_experts
    apply_qm = MoERunner._apply_quant_method

    def _select_experts(self: Any, hidden_states: Any, router_logits: Any, *args: Any, **kw: Any) -> Any:
        weights, ids = select(self, hidden_states, router_logits, *args, **kw)
        _keep_route(self, "ids", ids)
        return weights, ids

    def _apply_quant_method(self: Any, hidden_states: Any, router_logits: Any, *args: Any, **kw: Any) -> Any:
        _keep_route(self, "logits", router_logits)
        return apply_qm(self, hidden_states, router_logits, *args, **kw)

    BaseRouter._select_experts = _select_experts  # type: ignore[method-assign]
    MoERunner._apply_quant_method = _apply_quant_method  # type: ignore[method-assign]
    BaseRouter._kinetics_capture = True  # type: ignore[attr-defined]
    return True


if os.environ.get(ROUTE_CAPTURE_ENV) == "1":  # a spawned engine process imports this module again
    install_route_capture()


def _moe_runners(model: Any) -> list[tuple[int, Any]]:
    """(layer index, MoE runner module) of every MoE layer: modules holding a router (with top_k) and a gate, or
    (gpt-oss) a FusedMoE whose parent block holds the router's linear layer as ``router``."""
    out: list[tuple[int, Any]] = []
    for name, mod in model.named_modules():
        if hasattr(mod, "router") and hasattr(mod.router, "top_k") and (
            hasattr(mod, "gate") or type(mod).__name__.endswith("FusedMoE")
        ):
            parts = [int(x) for x in name.split(".") if x.isdigit()]
            out.append((parts[0] if parts else len(out), mod))
    return sorted(out, key=lambda x: x[0])


def _router_linear(model: Any, runner: Any) -> Any:
    """The linear layer that scores the experts of MoE runner ``runner``: its ``gate`` (Qwen3-MoE) or the parent
    block's ``router`` (gpt-oss: MLPBlock.router beside MLPBlock.experts)."""
    gate = getattr(runner, "gate", None)
    if gate is not None and hasattr(gate, "weight"):
        return gate
    for _, mod in model.named_modules():
        if getattr(mod, "experts", None) is runner and hasattr(getattr(mod, "router", None), "weight"):
            return mod.router
    raise RuntimeError(f"no router linear layer found for {type(runner).__name__}")


def redraw_routers(worker: Any, std: float = 0.0) -> dict[str, Any]:
    """Run inside a vLLM worker: re-draw every MoE router (normal weights of std ``std``, default
    1/sqrt(hidden); bias zero). vLLM's dummy weights are uniform in +-1e-3, and a router with a bias
    then sends every token to the same experts; the re-drawn router spreads tokens as a trained,
    load-balanced one does. Returns how many routers were re-drawn and their shape."""
    import torch

    model = worker.model_runner.get_model()
    n, shape = 0, None
    with torch.no_grad():
        for _, mod in _moe_runners(model):
            gate = _router_linear(model, mod)
            w = gate.weight
            w.normal_(0.0, std or w.shape[1] ** -0.5)
            if getattr(gate, "bias", None) is not None:
                gate.bias.zero_()
            n, shape = n + 1, list(w.shape)
        # Biases (gpt-oss: attention and expert biases) are the same for every token: drawn at random, they add up
        # along the residual stream until every token's hidden state points the same way and the router picks the
        # same experts for all (seen: 6 of 32 experts touched by 16 tokens). Zeroed, tokens route apart; a step's
        # kernels and bytes are the same.
        biases = 0
        if n:
            for name, prm in model.named_parameters():
                if name.endswith(".bias"):
                    prm.zero_()
                    biases += 1
    return {"routers_redrawn": n, "router_shape": shape, "std": std or (shape[1] ** -0.5 if shape else None),
            "biases_zeroed": biases}


def read_routes(worker: Any, num_tokens: int) -> list[list[list[list[int]]]]:
    """Run inside a vLLM worker after a step of ``num_tokens`` tokens: for every MoE layer (in layer
    order), the expert ids each of its referenced routing tensors holds now (one list per tensor; a
    step replays one CUDA graph, so the live tensor is the one that changes from step to step)."""
    import torch

    torch.cuda.synchronize()
    table = _route_table()
    out = []
    for _, mod in _moe_runners(worker.model_runner.get_model()):
        k = int(mod.router.top_k)
        cands = []
        for owner in (mod.router, mod):
            for kind, t in table.get((id(owner), num_tokens), []):
                ids = t if kind == "ids" else torch.topk(t.float(), k, dim=-1).indices
                cands.append(ids[:num_tokens].to(torch.int64).cpu().tolist())
        out.append(cands)
    return out


def distinct_experts(steps: Sequence[list[list[list[list[int]]]]]) -> dict[str, Any]:
    """Experts touched per MoE layer and step, from :func:`read_routes` answers of consecutive steps.

    Per layer, the live tensor is the candidate that changed since the previous step (the others are
    left from capture or eager runs of the same size); a layer-step with none changed is not counted.
    Returns the mean, min and max distinct experts over counted layer-steps and how many were counted.
    """
    counts: list[int] = []
    stale = 0
    for prev, cur in itertools.pairwise(steps):
        for p_layer, c_layer in zip(prev, cur, strict=True):
            live = [c for c, p in zip(c_layer, p_layer, strict=False) if c != p]
            if len(live) >= 1:
                counts.append(len({e for row in live[0] for e in row}))
            else:
                stale += 1
    if not counts:
        return {"experts_touched": None, "layer_steps": 0, "stale_layer_steps": stale}
    return {"experts_touched": sum(counts) / len(counts), "experts_touched_min": min(counts),
            "experts_touched_max": max(counts), "layer_steps": len(counts), "stale_layer_steps": stale}




def layers_offloaded(spec: ModelSpec, offload_gb: float, dtype: str = "bf16", tensor_parallel_size: int = 1) -> int:
    """Whole layers that ``offload_gb`` GiB (per GPU) of weights hold (what a request of that size could
    offload); with tensor parallelism each GPU offloads its 1/T shard of those layers."""
    if offload_gb <= 0:
        return 0
    layer_bytes = spec.layer_params * BYTES[dtype] / tensor_parallel_size
    return min(spec.layers, int(offload_gb * (1 << 30) // layer_bytes))


def engine_tensor_parallel_size(llm: Any) -> int:
    """The tensor_parallel_size the engine runs with, from its parallel config (vLLM V1:
    ``llm.llm_engine.vllm_config.parallel_config``; V0: ``llm.llm_engine.parallel_config``)."""
    engine = getattr(llm, "llm_engine", None)
    for owner in (getattr(engine, "vllm_config", None), engine):
        size = getattr(getattr(owner, "parallel_config", None), "tensor_parallel_size", None)
        if isinstance(size, int) and not isinstance(size, bool) and size >= 1:
            return size
    raise RuntimeError(
        "cannot read tensor_parallel_size from the engine (looked at llm.llm_engine.vllm_config.parallel_config"
        " and llm.llm_engine.parallel_config)"
    )


def engine_version() -> str:
    import vllm

    return f"vllm {vllm.__version__}"


def device_label() -> str:
    from kinetics_sql.runners.records import device_name

    return str(device_name(use_gpu=True))


@dataclass(frozen=True)
class Offload:
    """A requested weight offload: ``uva`` (cpu_offload_gb GiB, zero-copy reads of pinned host memory
    over PCIe) or ``prefetch`` (``layers`` whole decoder layers, copied ahead of use on a side stream)."""

    backend: str = "none"  # none | uva | prefetch
    gb: float = 0.0
    layers: int = 0

    def requested_bytes(self, spec: ModelSpec, dtype: str = "bf16") -> int:
        if self.backend == "uva":
            return int(self.gb * (1 << 30))
        if self.backend == "prefetch":
            return int(self.layers * spec.layer_params * BYTES[dtype])
        return 0

    def label(self) -> str:
        return {"none": "none", "uva": f"uva:{self.gb:g}", "prefetch": f"prefetch:{self.layers}"}[self.backend]


def parse_offloads(text: str) -> list[Offload]:
    """``0,uva:8,prefetch:9`` -> offload requests (a bare number is cpu_offload_gb, i.e. uva)."""
    out = []
    for part in (x.strip() for x in text.split(",")):
        if not part:
            continue
        kind, _, val = part.partition(":")
        if not val:
            gb = float(kind)
            out.append(Offload("uva", gb=gb) if gb > 0 else Offload())
        elif kind == "uva":
            out.append(Offload("uva", gb=float(val)))
        elif kind == "prefetch":
            out.append(Offload("prefetch", layers=int(val)))
        else:
            raise ValueError(f"unknown offload {part!r}: use GB, uva:GB or prefetch:LAYERS")
    return out


def engine_kwargs(spec: ModelSpec, offload: Offload) -> dict[str, Any]:
    """The LLM(...) arguments of an offload request (vLLM 0.26.0 names)."""
    if offload.backend == "uva":
        return {"cpu_offload_gb": offload.gb}
    if offload.backend == "prefetch":
        group = max(1, spec.layers // max(1, offload.layers))
        return {"offload_group_size": group, "offload_num_in_group": 1, "offload_prefetch_step": 1}
    return {}


def probe_worker(worker: Any) -> dict[str, Any]:
    """Run inside a vLLM worker (``LLM.collective_rpc``): what the engine actually built.

    Weight bytes on the GPU, offloaded through UVA (CUDA views of pinned host memory: they look like
    GPU tensors, so they are told apart by vLLM's own mark) and by the prefetch offloader, the KV
    cache's blocks, the attention backends and the CUDA-graph mode.
    """
    out: dict[str, Any] = {}
    runner = getattr(worker, "model_runner", None)
    out["model_runner"] = type(runner).__name__
    model = runner.get_model() if hasattr(runner, "get_model") else getattr(runner, "model", None)  # type: ignore[union-attr]
    gpu = uva = cpu = 0
    seen: set[tuple[int, int]] = set()
    for p in model.parameters() if model is not None else []:
        n = p.numel() * p.element_size()
        key = (p.data_ptr(), n)  # tied weights and the prefetch offloader's shared staging buffers once
        if key in seen:
            continue
        seen.add(key)
        if getattr(p, "_vllm_is_uva_offloaded", False):
            uva += n
        elif p.device.type == "cuda":
            gpu += n
        else:
            cpu += n
    try:
        from vllm.model_executor.offloader.base import get_offloader

        off = get_offloader()
        out["offloader"] = type(off).__name__
        prefetch_bytes = int(getattr(off, "total_offloaded_bytes", 0) or 0)
        mods = getattr(off, "module_offloaders", None) or []
        if mods and not prefetch_bytes:
            prefetch_bytes = int(sum(getattr(m, "offloaded_bytes", 0) for m in mods))
        out["prefetch_layers"] = len(mods)
        out["prefetch_bytes"] = prefetch_bytes
        out["uva_offloader_bytes"] = int(getattr(off, "cpu_offload_bytes", 0) or 0)
    except Exception as exc:  # an engine without the offloader module
        out["offloader"] = f"unavailable: {exc}"
    out.update(param_gpu_bytes=gpu, param_uva_bytes=uva, param_cpu_bytes=cpu)
    out["model_memory_usage"] = getattr(runner, "model_memory_usage", None)
    cc = getattr(worker, "cache_config", None)
    out["num_gpu_blocks"] = getattr(cc, "num_gpu_blocks", None)
    out["block_size"] = getattr(cc, "block_size", None)
    backends: set[str] = set()
    groups = getattr(runner, "attn_groups", None) or []
    for g in groups:
        for item in g if isinstance(g, list | tuple) else [g]:
            be = getattr(item, "backend", None)
            if be is not None:
                backends.add(be.get_name() if hasattr(be, "get_name") else type(be).__name__)
    out["attention_backends"] = sorted(backends)
    comp = worker.vllm_config.compilation_config
    out["cudagraph_mode"] = str(getattr(comp, "cudagraph_mode", None))
    out["cudagraph_capture_sizes"] = list(getattr(comp, "cudagraph_capture_sizes", None) or [])
    out["compilation_mode"] = str(getattr(comp, "mode", getattr(comp, "level", None)))
    return out


class VllmEngine:
    """vLLM's offline engine driven step by step, so that one generation is timed at every checkpoint.

    Requests are added straight to the engine (``LLMEngine.add_request``) with token-id prompts,
    ``ignore_eos``, no detokenisation and DELTA outputs (each step reports only its new tokens), so
    the host does O(1) work per token; ``LLM.generate`` would only report finished requests.
    """

    def __init__(self, model_dir: str, spec: ModelSpec, *, dtype: str = "bf16", offload: Offload = Offload(),
                 tensor_parallel_size: int = 1, max_model_len: int = 4096, gpu_memory_utilization: float = 0.9,
                 enforce_eager: bool = False, seed: int = 0, load_format: str = "dummy",
                 capture_sizes: Sequence[int] = (), max_num_seqs: int | None = None,
                 temperature: float = 0.0) -> None:
        self.moe = bool(spec.experts)
        self.temperature = temperature
        if self.moe and os.environ.get(ROUTE_CAPTURE_ENV) != "0":  # "0": time without reading routes back
            # keep references to each step's routing (install_route_capture) in the engine process:
            # forked from this one (CUDA is not initialised here before the engine starts) or spawned
            # (it imports this module again and reads the variable)
            os.environ[ROUTE_CAPTURE_ENV] = "1"
            os.environ.setdefault("VLLM_WORKER_MULTIPROC_METHOD", "fork")
            install_route_capture()
        if offload.backend != "none":
            # vLLM 0.26.0 runs dense models on its V2 model runner by default, which never installs the
            # weight offloader (cpu_offload_gb and the prefetch offloader are silently ignored there);
            # the V1 runner installs it.
            os.environ["VLLM_USE_V2_MODEL_RUNNER"] = "0"
        os.environ.setdefault("VLLM_ALLOW_INSECURE_SERIALIZATION", "1")  # the probe is a function
        from vllm import LLM

        kw: dict[str, Any] = dict(model=model_dir, dtype=_VLLM_DTYPE[dtype],
                                  tensor_parallel_size=tensor_parallel_size, max_model_len=max_model_len,
                                  gpu_memory_utilization=gpu_memory_utilization, enforce_eager=enforce_eager,
                                  enable_prefix_caching=False, seed=seed, load_format=load_format,
                                  skip_tokenizer_init=True, **engine_kwargs(spec, offload))
        if capture_sizes:
            kw["compilation_config"] = {"cudagraph_capture_sizes": sorted(set(capture_sizes))}
        if max_num_seqs:
            kw["max_num_seqs"] = max_num_seqs
        t0 = time.perf_counter()
        self.llm = LLM(**kw)
        self.build_s = time.perf_counter() - t0
        self.engine = self.llm.llm_engine
        self.kwargs = {k: v for k, v in kw.items() if k != "model"}
        self._ids = 0
        self.routers: dict[str, Any] = {}
        if self.moe:
            self.routers = dict(self.llm.collective_rpc(redraw_routers)[0])
            self.routers["route_capture"] = os.environ.get(ROUTE_CAPTURE_ENV) == "1"

    def routes(self, num_tokens: int) -> Any:
        """The expert ids each MoE layer's routing tensors hold after the last step (read_routes)."""
        return self.llm.collective_rpc(read_routes, args=(num_tokens,))[0]

    def facts(self) -> dict[str, Any]:
        facts = dict(self.llm.collective_rpc(probe_worker)[0])  # worker 0: one GPU's share
        facts["tensor_parallel_size"] = engine_tensor_parallel_size(self.llm)
        return facts

    def add(self, prompt_ids: list[int], max_tokens: int) -> str:
        from vllm import SamplingParams
        from vllm.sampling_params import RequestOutputKind

        params = SamplingParams(n=1, max_tokens=max_tokens, ignore_eos=True,
                                temperature=self.temperature, detokenize=False,
                                output_kind=RequestOutputKind.DELTA)
        prompt: Any = {"prompt_token_ids": list(prompt_ids)}
        prep = getattr(self.llm, "_preprocess_cmpl_one", None)
        if prep is not None:
            prompt = prep(prompt)
        self._ids += 1
        rid = f"k{self._ids}"
        self.engine.add_request(rid, prompt, params)
        return rid

    def step(self) -> list[tuple[str, int, bool]]:
        return [(o.request_id, sum(len(c.token_ids) for c in o.outputs), bool(o.finished))
                for o in self.engine.step()]

    def has_unfinished(self) -> bool:
        return bool(self.engine.has_unfinished_requests())


def generation(engine: Any, prompt_ids: list[int], *, batch: int, gen: int, marks: Sequence[int],
               prompts: Sequence[list[int]] | None = None) -> dict[str, Any]:
    """Time one generation of ``gen`` tokens for ``batch`` copies of a prompt, step by step.

    prefill_s: from submitting to every sequence holding its first token. ``cumulative``: for each
    mark n, seconds from then until every sequence holds n tokens (the decode time of n tokens, as
    ``wall(max_tokens=n) - wall(max_tokens=1)`` measured it before). ``skew``: the most tokens one
    sequence was ahead of another when the last one got its first token (chunked prefill lets early
    sequences start decoding while later prompts are still being prefilled).
    """
    marks = sorted({m for m in marks if 1 < m <= gen} | {gen})
    t0 = time.perf_counter()
    ids = [engine.add(list(prompts[i]) if prompts else prompt_ids, gen) for i in range(batch)]
    tokens = dict.fromkeys(ids, 0)
    t_first: float | None = None
    skew = 0
    cumulative: list[tuple[int, float]] = []
    mi = 0
    while engine.has_unfinished():
        outs = engine.step()
        now = time.perf_counter()
        for rid, new, _ in outs:
            if rid in tokens:
                tokens[rid] += new
        low = min(tokens.values())
        if t_first is None and low >= 1:
            t_first = now
            skew = max(tokens.values()) - low
        while mi < len(marks) and low >= marks[mi]:
            assert t_first is not None
            cumulative.append((marks[mi], now - t_first))
            mi += 1
    if t_first is None or mi < len(marks) or any(n != gen for n in tokens.values()):
        raise RuntimeError(f"expected {batch} sequences of {gen} tokens, got {sorted(set(tokens.values()))}")
    return {"prefill_s": t_first - t0, "cumulative": cumulative, "skew": skew}


def route_probe(engine: Any, prompts: Sequence[list[int]], *, steps: int = 24) -> dict[str, Any]:
    """Experts a decode step of ``len(prompts)`` sequences actually touched, read back from the engine.

    A short untimed generation at the batch of the timed run (the same CUDA graph): after each step
    in which every sequence decodes, the expert ids of every MoE layer are read from the worker
    (:func:`read_routes`); :func:`distinct_experts` counts the distinct experts per layer and step.
    """
    batch = len(prompts)
    ids = [engine.add(list(p), steps + 2) for p in prompts]
    tokens = dict.fromkeys(ids, 0)
    seen: list[Any] = []
    while engine.has_unfinished():
        outs = engine.step()
        for rid, new, _ in outs:
            if rid in tokens:
                tokens[rid] += new
        if min(tokens.values()) >= 2 and max(tokens.values()) < steps + 2:
            seen.append(engine.routes(batch))
    out = distinct_experts(seen)
    out["probe_steps"] = len(seen)
    out["probe_batch"] = batch
    return out


def together(engine: Any, prompts: Sequence[list[int]], lengths: Sequence[int]) -> dict[str, Any]:
    """Best-of-N decoded together: one request per sample, each stopping at its own length
    (``max_tokens``, ``ignore_eos``), all submitted at once; the batch shrinks as samples finish.

    Returns the wall time from submitting to the last sample's last token (total_s), from every
    sample holding its first token to then (decode_s), each sample's finish time and the tokens
    each produced as the engine reported them."""
    t0 = time.perf_counter()
    ids = [engine.add(list(p), n) for p, n in zip(prompts, lengths, strict=True)]
    tokens = dict.fromkeys(ids, 0)
    done: dict[str, float] = {}
    t_first: float | None = None
    steps = 0
    while engine.has_unfinished():
        outs = engine.step()
        now = time.perf_counter()
        steps += 1
        for rid, new, fin in outs:
            if rid in tokens:
                tokens[rid] += new
                if fin:
                    done[rid] = now - t0
        if t_first is None and min(tokens.values()) >= 1:
            t_first = now
    t_end = time.perf_counter()
    produced = [tokens[r] for r in ids]
    if t_first is None or produced != list(lengths):
        raise RuntimeError(f"together: asked for {list(lengths)} tokens, the engine produced {produced}")
    last = max(done.values()) if done else t_end - t0
    return {"prefill_s": t_first - t0, "decode_s": t0 + last - t_first, "total_s": last,
            "finish_s": [done.get(r) for r in ids], "tokens": produced, "engine_steps": steps}


def kv_tokens_needed(batch: int, prompt: int, gen: int, block_size: int) -> int:
    """KV-cache positions ``batch`` sequences of prompt + gen tokens hold, in whole blocks."""
    return batch * -(-(prompt + gen) // block_size) * block_size


def sweep(
    spec: ModelSpec,
    writer: RecordWriter,
    *,
    engine_factory: Callable[[Offload], Any],
    offloads: Sequence[Offload],
    runs: Sequence[tuple[int, int, int]],
    checkpoints: bool = True,
    dtype: str = "bf16",
    tensor_parallel_size: int = 1,
    repeats: int = 1,
    version: str | None = None,
    device: str | None = None,
    seed: int = 0,
    log: Callable[[str], None] = print,
    together_runs: Sequence[tuple[int, Sequence[int], str]] = (),
    probe_steps: int = 24,
) -> list[dict[str, Any]]:
    """One engine per offload request, every (batch, prompt, gen) run and repeat on it, then every
    best-of-N run decoded together (``together_runs``: prompt tokens, the samples' lengths, a label
    naming where the lengths come from).

    MoE engines get a distinct random prompt per sequence, and after each timed run a short probe
    at the same batch reads back the experts each step touched (:func:`route_probe`).

    Every record states what the engine did, read back from it (:func:`probe_worker`): offload_bytes
    and layers_offloaded are the offload it took, not the one requested (offload_requested_bytes).
    A run whose KV cache would not fit the engine's capacity is refused (vLLM would preempt and
    recompute, and the time would not be a decode time).
    """
    import random

    rng = random.Random(seed)
    version = version or engine_version()
    gpu_arg = device
    weight_bytes = int(spec.params * BYTES[dtype])
    out: list[dict[str, Any]] = []
    for off in offloads:
        engine = engine_factory(off)
        gpu = gpu_arg or device_label()  # after the engine starts: CUDA stays uninitialised until then
        moe = bool(getattr(engine, "moe", False))
        facts = engine.facts()
        tp = int(facts.get("tensor_parallel_size") or 1)  # what the engine runs with, not what was asked
        device = f"{tp} x {gpu}" if tp > 1 else gpu
        layer_bytes = int(spec.layer_params * BYTES[dtype]) // tp  # one GPU's shard of a layer
        block = int(facts.get("block_size") or 16)
        capacity = int(facts["num_gpu_blocks"]) * block if facts.get("num_gpu_blocks") else None
        # the probe reads one GPU's weights: every GPU offloads its shard
        taken_gpu = int(facts.get("param_uva_bytes", 0)) + int(facts.get("prefetch_bytes", 0))
        taken = taken_gpu * tp
        requested = off.requested_bytes(spec, dtype) * (tp if off.backend == "uva" else 1)
        if facts.get("prefetch_layers"):
            k = int(facts["prefetch_layers"])
        else:
            k = min(spec.layers, taken_gpu // layer_bytes)
        if requested and not taken:
            log(f"{spec.name}: offload {off.label()} requested, but the engine kept every weight on the GPU "
                f"(offloader {facts.get('offloader')}); recorded as not offloaded")
        backends = facts.get("attention_backends") or []
        graphs = facts.get("cudagraph_mode") not in (None, "None", "CUDAGraphMode.NONE", "NONE")
        log(f"{spec.name} {off.label()}: built in {getattr(engine, 'build_s', 0):.1f}s; {facts}")
        generation(engine, [rng.randrange(1000, 150000) for _ in range(8)], batch=1, gen=4, marks=[])  # warm-up
        for b, p, gen in runs:
            need = kv_tokens_needed(b, p, gen, block)
            if capacity is not None and need > capacity:
                log(f"{spec.name} {off.label()} batch={b} prompt={p} gen={gen}: refused, its KV cache needs "
                    f"{need} tokens and the engine holds {capacity}")
                continue
            probe: dict[str, Any] | None = None
            for rep in range(repeats):
                ids = [rng.randrange(1000, 150000) for _ in range(p)]
                prompts = [[rng.randrange(1000, 150000) for _ in range(p)] for _ in range(b)] if moe else None
                marks = checkpoint_marks(gen) if checkpoints else [gen]
                t = generation(engine, ids, batch=b, gen=gen, marks=marks, prompts=prompts)
                if moe and probe is None and getattr(engine, "routers", {}).get("route_capture"):
                    try:
                        probe = route_probe(engine, [[rng.randrange(1000, 150000) for _ in range(16)]
                                                     for _ in range(b)], steps=probe_steps)
                    except Exception as exc:  # the read-back failed: the timing stands, say so in the record
                        probe = {"experts_touched": None, "error": f"{type(exc).__name__}: {exc}"}
                    log(f"{spec.name} batch={b}: experts touched per MoE layer and step {probe}")
                moe_extra = ({"experts": probe, "routers": getattr(engine, "routers", None),
                              "distinct_prompts": True} if moe else {})
                for n, dec in t["cumulative"]:
                    rec = writer.write({
                        "engine": "vllm",
                        "engine_version": version,
                        "device": device,
                        "model": spec.name,
                        "dtype": dtype,
                        "n_layers": spec.layers,
                        "n_gpu_layers": spec.layers - k,
                        "layers_offloaded": k,
                        "offload_mode": "stream" if taken else "none",
                        "offload_bytes": taken,
                        "offload_requested_bytes": requested,
                        "weight_bytes": weight_bytes,
                        "gpu_weight_bytes": int(facts.get("param_gpu_bytes", 0)) * tp or None,
                        "tensor_parallel_size": tp,
                        "batch": b,
                        "prompt_tokens": p,
                        "gen_tokens": n,
                        "generation_tokens": gen,
                        "prefill_batch": p,
                        "prefill_s": t["prefill_s"],
                        "decode_s": max(dec, 1e-9),
                        "total_s": t["prefill_s"] + dec,
                        "tokens_per_s": b * n / max(dec, 1e-9),
                        "prefill_tokens_per_s": b * p / t["prefill_s"],
                        "attention": "dense",
                        "repeat": rep,
                        "timing_source": "perf_counter at LLMEngine.step outputs (all sequences: first token -> n)",
                        "kv_cache_tokens": capacity,
                        "attention_backend": ",".join(backends) or None,
                        "cuda_graphs": graphs,
                        "extra": {"offload": off.label(), "requested_tensor_parallel_size": tensor_parallel_size,
                                  "skew_tokens": t["skew"], "build_s": getattr(engine, "build_s", None),
                                  "temperature": getattr(engine, "temperature", 0.0),
                                  "engine_kwargs": getattr(engine, "kwargs", None), "readback": facts,
                                  **moe_extra},
                    })
                    out.append(rec)
                dec = t["cumulative"][-1][1]
                log(f"{spec.name} {off.label()} batch={b} prompt={p} gen={gen}: prefill {t['prefill_s']:.3f}s "
                    f"decode {dec:.3f}s ({1000 * dec / max(gen - 1, 1):.2f} ms/step, skew {t['skew']})")
        for p, lengths, label in together_runs:
            prompts = [[rng.randrange(1000, 150000) for _ in range(p)] for _ in lengths]
            try:
                t = together(engine, prompts, lengths)
            except Exception as exc:
                log(f"{spec.name} together {label}: failed, {type(exc).__name__}: {exc}")
                continue
            n, top = len(lengths), max(lengths)
            rec = writer.write({
                "engine": "vllm", "engine_version": version, "device": device, "model": spec.name,
                "dtype": dtype, "n_layers": spec.layers, "n_gpu_layers": spec.layers - k,
                "layers_offloaded": k, "offload_mode": "stream" if taken else "none", "offload_bytes": taken,
                "offload_requested_bytes": requested, "weight_bytes": weight_bytes,
                "gpu_weight_bytes": int(facts.get("param_gpu_bytes", 0)) * tp or None,
                "tensor_parallel_size": tp, "batch": n, "prompt_tokens": p, "gen_tokens": top,
                "generation_tokens": top, "prefill_batch": p * n, "prefill_s": t["prefill_s"],
                "decode_s": t["decode_s"], "total_s": t["total_s"],
                "tokens_per_s": sum(lengths) / max(t["decode_s"], 1e-9),
                "prefill_tokens_per_s": p * n / t["prefill_s"], "attention": "dense", "repeat": 0,
                "timing_source": "perf_counter: submit -> every sample's last token (LLMEngine.step outputs)",
                "kv_cache_tokens": capacity, "attention_backend": ",".join(backends) or None, "cuda_graphs": graphs,
                "extra": {"schedule": "together", "lengths": list(lengths), "lengths_from": label,
                          "finish_s": t["finish_s"], "tokens": t["tokens"], "engine_steps": t["engine_steps"],
                          "temperature": getattr(engine, "temperature", 0.0), "offload": off.label(),
                          "engine_kwargs": getattr(engine, "kwargs", None), "readback": facts,
                          **({"routers": getattr(engine, "routers", None)} if moe else {})},
            })
            out.append(rec)
            log(f"{spec.name} together {label} lengths={list(lengths)}: {t['total_s']:.3f}s wall "
                f"(prefill {t['prefill_s']:.3f}s, {t['engine_steps']} engine steps)")
        del engine
    return out


# -- traces ------------------------------------------------------------------------------------


def read_problems(path: Path) -> list[dict[str, Any]]:
    """Problems of a JSONL file: question (or problem / query) and answer (or gold / solution)."""
    out: list[dict[str, Any]] = []
    for i, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        q = row.get("question") or row.get("problem") or row.get("query")
        a = row.get("answer") or row.get("gold") or row.get("solution")
        if q is None or a is None:
            raise ValueError(f"{path}:{i}: a problem needs 'question' and 'answer'")
        out.append({"id": row.get("id", row.get("problem_id", len(out))), "question": q, "answer": str(a)})
    return out


def sampling_params(*, n: int, max_tokens: int, temperature: float = 0.6, seed: int | None = None) -> Any:
    from vllm import SamplingParams

    return SamplingParams(n=n, max_tokens=max_tokens, temperature=temperature, top_p=1.0, seed=seed)


def traces(
    llm: Any,
    problems: Iterable[dict[str, Any]],
    out_path: Path,
    *,
    n: int,
    max_tokens: int,
    temperature: float = 0.6,
    params_fn: Callable[..., Any] = sampling_params,
    metadata: dict[str, Any] | None = None,
) -> int:
    """Sample n traces per problem and write Kinetics JSONL (raw predictions: ``kinetics-sql ingest``
    scores them with the boxed-answer judge); returns the number of problems written.

    Prompts are the Kinetics chat prompt as text, tokenized by the engine with the model's tokenizer.
    """
    problems = list(problems)
    prompts = [chat_prompt(p["question"]) for p in problems]
    params = params_fn(n=n, max_tokens=max_tokens, temperature=temperature)
    outs = list(llm.generate(prompts, params, use_tqdm=False))
    meta = {"attn_local": None, "attn_topk": None, "attn_block_size": None, "attn_block_topk": None,
            "n": n, "max_tokens": max_tokens, "temperature": temperature, "engine": "vllm"}
    meta.update(metadata or {})
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("w") as f:
        f.write(json.dumps(meta) + "\n")
        for prob, o in zip(problems, outs, strict=True):
            f.write(json.dumps({"query_id": prob["id"], "query": prob["question"], "choices": [prob["answer"]],
                                "prediction": [c.text for c in o.outputs]}) + "\n")
    return len(problems)


def parse_together(text: str) -> tuple[int, list[int], str]:
    """``128:1270,4623,...@math500/52`` -> (prompt tokens, sample lengths, label)."""
    body, _, label = text.partition("@")
    p, sep, lens = body.partition(":")
    try:
        lengths = cliargs.ints(lens)
        prompt = int(p)
    except ValueError:
        raise ValueError(f"--together {text!r}: expected P:L1,L2,...[@LABEL] with whole numbers") from None
    if not sep or not lengths or prompt < 1 or min(lengths) < 1:
        raise ValueError(f"--together {text!r}: expected P:L1,L2,...[@LABEL], a prompt and lengths of at least 1")
    return prompt, lengths, label or "command line"


def main(argv: list[str] | None = None) -> None:
    ap = cliargs.parser("vllmrun", __doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("sweep", "traces"):
        p = sub.add_parser(name)
        p.add_argument("--model", required=True, help="catalog name (Qwen3-8B)")
        p.add_argument("--hf-dir", help="model folder (traces: a real checkpoint with its tokenizer); sweep "
                       "default: config.json only, random weights drawn by vLLM (load_format dummy)")
        p.add_argument("--dtype", default="bf16", choices=["bf16", "f16", "f32"])
        p.add_argument("--tp", type=int, default=1, help="tensor_parallel_size (GPUs)")
        p.add_argument("--max-model-len", type=int, default=0, help="default: the longest run's prompt + gen")
        p.add_argument("--gpu-memory-utilization", type=float, default=0.9)
        p.add_argument("--out", required=True)
    s = sub.choices["sweep"]
    s.add_argument("--offload", default="0",
                   help="comma-separated offload requests: 0 (none), uva:GB (cpu_offload_gb), prefetch:LAYERS")
    s.add_argument("--runs", default="",
                   help="BxPxG,... (batch x prompt x gen); default the --batch/--prompt/--gen grid")
    s.add_argument("--batch", default="1", help="comma-separated n (samples decoded together)")
    s.add_argument("--prompt", default="128")
    s.add_argument("--gen", default="64,256")
    s.add_argument("--no-checkpoints", action="store_true",
                   help="record only the whole generation, not also its first 128, 256, ... tokens")
    s.add_argument("--repeats", type=int, default=1)
    s.add_argument("--temperature", type=float, default=None,
                   help="sampling temperature of the timed runs (default 0, greedy; MoE models 1.0: random-weight "
                        "greedy decoding can settle every sequence on one token and so on one set of experts)")
    s.add_argument("--together", action="append", default=[], metavar="P:L1,L2,...[@LABEL]",
                   help="a best-of-N run decoded together after the sweep: prompt tokens P and one sample per "
                        "length (repeatable)")
    s.add_argument("--probe-steps", type=int, default=24, help="MoE: decode steps read back per batch")
    t = sub.choices["traces"]
    t.add_argument("--problems", required=True, help="JSONL with question and answer per line")
    t.add_argument("--n", type=int, default=8)
    t.add_argument("--max-tokens", type=int, default=32768)
    t.add_argument("--temperature", type=float, default=0.6)
    args = ap.parse_args(argv)
    spec = checkpoints.resolve_spec(args.model)
    if args.cmd == "sweep":
        runs = cliargs.runs(args.runs) or [(b, p, g) for b in cliargs.ints(args.batch)
                                           for p in cliargs.ints(args.prompt) for g in cliargs.ints(args.gen)]
        hf_dir = args.hf_dir or str(checkpoints.write_hf_config(spec, Path("/tmp/kinetics-hf") / spec.name.lower(),
                                                                 dtype=args.dtype))
        together_runs = [parse_together(x) for x in args.together]
        temperature = args.temperature if args.temperature is not None else (1.0 if spec.experts else 0.0)
        longest = [p + g for _, p, g in runs] + [p + max(ls) for p, ls, _ in together_runs]
        max_len = args.max_model_len or max(longest) + 16
        sizes = sorted({b for b, _, _ in runs} | {1, 2, 4, 8, 16, 32, 64} if max(b for b, _, _ in runs) <= 64
                       else {b for b, _, _ in runs})

        def factory(off: Offload) -> Any:
            return VllmEngine(hf_dir, spec, dtype=args.dtype, offload=off, tensor_parallel_size=args.tp,
                              max_model_len=max_len, gpu_memory_utilization=args.gpu_memory_utilization,
                              load_format="auto" if args.hf_dir else "dummy", capture_sizes=sizes,
                              max_num_seqs=max(sizes), temperature=temperature)

        writer = RecordWriter(args.out, command=command_line("kinetics_sql.runners.vllmrun", argv))
        sweep(spec, writer, engine_factory=factory, offloads=parse_offloads(args.offload), runs=runs,
              checkpoints=not args.no_checkpoints, dtype=args.dtype, tensor_parallel_size=args.tp,
              repeats=args.repeats, together_runs=together_runs, probe_steps=args.probe_steps)
    else:
        if not args.hf_dir:
            raise SystemExit("traces needs --hf-dir: a real checkpoint (random weights write no reasoning)")
        from vllm import LLM

        llm = LLM(model=args.hf_dir, dtype=_VLLM_DTYPE[args.dtype], tensor_parallel_size=args.tp,
                  max_model_len=args.max_model_len or 40960, gpu_memory_utilization=args.gpu_memory_utilization)
        n = traces(llm, read_problems(Path(args.problems)), Path(args.out), n=args.n,
                   max_tokens=args.max_tokens, temperature=args.temperature,
                   metadata={"model": spec.name, "hf_dir": args.hf_dir})
        print(f"wrote {n} problems to {args.out}")


if __name__ == "__main__":
    main()

