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

import argparse
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kinetics_sql.catalog import ModelSpec
from kinetics_sql.facts.dtypes import BYTES_PER_ELEMENT
from kinetics_sql.facts.prompt import chat_prompt
from kinetics_sql.runners import checkpoints
from kinetics_sql.runners.records import RecordWriter, command_line

BYTES = BYTES_PER_ELEMENT
_VLLM_DTYPE = {"bf16": "bfloat16", "f16": "float16", "f32": "float32"}


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
                 capture_sizes: Sequence[int] = (), max_num_seqs: int | None = None) -> None:
        import os

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

    def facts(self) -> dict[str, Any]:
        facts = dict(self.llm.collective_rpc(probe_worker)[0])  # worker 0: one GPU's share
        facts["tensor_parallel_size"] = engine_tensor_parallel_size(self.llm)
        return facts

    def add(self, prompt_ids: list[int], max_tokens: int) -> str:
        from vllm import SamplingParams
        from vllm.sampling_params import RequestOutputKind

        params = SamplingParams(n=1, max_tokens=max_tokens, ignore_eos=True,
                                temperature=0.0, detokenize=False, output_kind=RequestOutputKind.DELTA)
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


def generation(engine: Any, prompt_ids: list[int], *, batch: int, gen: int, marks: Sequence[int]) -> dict[str, Any]:
    """Time one generation of ``gen`` tokens for ``batch`` copies of a prompt, step by step.

    prefill_s: from submitting to every sequence holding its first token. ``cumulative``: for each
    mark n, seconds from then until every sequence holds n tokens (the decode time of n tokens, as
    ``wall(max_tokens=n) - wall(max_tokens=1)`` measured it before). ``skew``: the most tokens one
    sequence was ahead of another when the last one got its first token (chunked prefill lets early
    sequences start decoding while later prompts are still being prefilled).
    """
    marks = sorted({m for m in marks if 1 < m <= gen} | {gen})
    t0 = time.perf_counter()
    ids = [engine.add(prompt_ids, gen) for _ in range(batch)]
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
) -> list[dict[str, Any]]:
    """One engine per offload request, every (batch, prompt, gen) run and repeat on it.

    Every record states what the engine did, read back from it (:func:`probe_worker`): offload_bytes
    and layers_offloaded are the offload it took, not the one requested (offload_requested_bytes).
    A run whose KV cache would not fit the engine's capacity is refused (vLLM would preempt and
    recompute, and the time would not be a decode time).
    """
    import random

    rng = random.Random(seed)
    version = version or engine_version()
    gpu = device or device_label()
    weight_bytes = int(spec.params * BYTES[dtype])
    out: list[dict[str, Any]] = []
    for off in offloads:
        engine = engine_factory(off)
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
            for rep in range(repeats):
                ids = [rng.randrange(1000, 150000) for _ in range(p)]
                marks = _default_marks(gen) if checkpoints else [gen]
                t = generation(engine, ids, batch=b, gen=gen, marks=marks)
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
                                  "engine_kwargs": getattr(engine, "kwargs", None), "readback": facts},
                    })
                    out.append(rec)
                dec = t["cumulative"][-1][1]
                log(f"{spec.name} {off.label()} batch={b} prompt={p} gen={gen}: prefill {t['prefill_s']:.3f}s "
                    f"decode {dec:.3f}s ({1000 * dec / max(gen - 1, 1):.2f} ms/step, skew {t['skew']})")
        del engine
    return out


def _default_marks(gen: int, first: int = 128) -> list[int]:
    out, c = [], first
    while c < gen:
        out.append(c)
        c *= 2
    return [*out, gen]


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


def _ints(s: str) -> list[int]:
    return [int(x) for x in s.split(",") if x.strip()]


def _runs(s: str) -> list[tuple[int, int, int]]:
    out = []
    for part in s.split(","):
        if part.strip():
            b, p, g = (int(x) for x in part.lower().split("x"))
            out.append((b, p, g))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m kinetics_sql.runners.vllmrun", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
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
    t = sub.choices["traces"]
    t.add_argument("--problems", required=True, help="JSONL with question and answer per line")
    t.add_argument("--n", type=int, default=8)
    t.add_argument("--max-tokens", type=int, default=32768)
    t.add_argument("--temperature", type=float, default=0.6)
    args = ap.parse_args(argv)
    spec = checkpoints.resolve_spec(args.model)
    if args.cmd == "sweep":
        runs = _runs(args.runs) or [(b, p, g) for b in _ints(args.batch) for p in _ints(args.prompt)
                                    for g in _ints(args.gen)]
        hf_dir = args.hf_dir or str(checkpoints.write_hf_config(spec, Path("/tmp/kinetics-hf") / spec.name.lower(),
                                                                 dtype=args.dtype))
        max_len = args.max_model_len or max(p + g for _, p, g in runs) + 16
        sizes = sorted({b for b, _, _ in runs} | {1, 2, 4, 8, 16, 32, 64} if max(b for b, _, _ in runs) <= 64
                       else {b for b, _, _ in runs})

        def factory(off: Offload) -> Any:
            return VllmEngine(hf_dir, spec, dtype=args.dtype, offload=off, tensor_parallel_size=args.tp,
                              max_model_len=max_len, gpu_memory_utilization=args.gpu_memory_utilization,
                              load_format="auto" if args.hf_dir else "dummy", capture_sizes=sizes,
                              max_num_seqs=max(sizes))

        writer = RecordWriter(args.out, command=command_line("kinetics_sql.runners.vllmrun", argv))
        sweep(spec, writer, engine_factory=factory, offloads=parse_offloads(args.offload), runs=runs,
              checkpoints=not args.no_checkpoints, dtype=args.dtype, tensor_parallel_size=args.tp,
              repeats=args.repeats)
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

