"""vLLM decode latency and Kinetics-format reasoning traces, through vLLM's offline API.

UNVERIFIED ON A GPU HERE: vLLM cannot be installed on the lent machines (it pins another torch),
so this module is tested below the engine boundary only (tests inject a fake engine with the same
``generate`` interface). The engine is built as

    LLM(model=DIR, dtype=..., cpu_offload_gb=G, tensor_parallel_size=T, max_model_len=...,
        enable_prefix_caching=False, seed=0)

and driven with token-id prompts (``{"prompt_token_ids": [...]}``) and
``SamplingParams(n=N, max_tokens=GEN, ignore_eos=True, ...)``, so every sample is exactly GEN tokens.

Latency (``sweep``): for each (cpu_offload_gb, batch n, prompt, gen) it times one request with
``max_tokens=1`` (prefill and the first token) and one with ``max_tokens=gen``; decode_s is the
difference. ``cpu_offload_gb`` makes vLLM keep that many GB of weights in pinned host memory and
stream them to the GPU every forward pass (the 'stream' offload mode); layers_offloaded is the
number of whole layers those GB hold (vLLM offloads parameters in module order).

Traces (``traces``): samples N completions per problem of a JSONL problem file
(``{"question": ..., "answer": ...}`` per line) with the Kinetics math prompt and writes the
Kinetics JSONL format: a metadata line, then ``{"query", "choices", "prediction", "score"}`` rows
(score 100 when the boxed answer verifies against the gold, else 0).

    python -m kinetics_sql.runners.vllmrun sweep --model Qwen3-8B --offload-gb 0,8,16 --batch 1,8 \\
        --gen 64,256 --out warehouse/measurements/vllm-h100.jsonl
    python -m kinetics_sql.runners.vllmrun traces --model Qwen3-8B --hf-dir /models/Qwen3-8B \\
        --problems aime24.jsonl --n 8 --max-tokens 32768 --out aime24_qwen3-8b_dense.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from kinetics_sql.catalog import ModelSpec
from kinetics_sql.runners import checkpoints
from kinetics_sql.runners.records import RecordWriter, command_line

BYTES = {"bf16": 2, "f16": 2, "f32": 4}
_VLLM_DTYPE = {"bf16": "bfloat16", "f16": "float16", "f32": "float32"}


def layers_offloaded(spec: ModelSpec, offload_gb: float, dtype: str = "bf16", tensor_parallel_size: int = 1) -> int:
    """Whole layers that ``cpu_offload_gb`` (vLLM counts GiB, per GPU) of weights hold; with tensor
    parallelism each GPU offloads its 1/T shard of those layers."""
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


def make_engine(model_dir: str, *, dtype: str = "bf16", cpu_offload_gb: float = 0.0, tensor_parallel_size: int = 1,
                max_model_len: int = 4096, gpu_memory_utilization: float = 0.9, enforce_eager: bool = False,
                seed: int = 0) -> Any:
    """A vLLM offline engine for a model folder (e.g. one written by checkpoints.write_hf)."""
    from vllm import LLM

    return LLM(model=model_dir, tokenizer=model_dir, dtype=_VLLM_DTYPE[dtype], cpu_offload_gb=cpu_offload_gb,
               tensor_parallel_size=tensor_parallel_size, max_model_len=max_model_len,
               gpu_memory_utilization=gpu_memory_utilization, enforce_eager=enforce_eager,
               enable_prefix_caching=False, seed=seed)


def sampling_params(*, n: int, max_tokens: int, temperature: float = 0.0, seed: int | None = 0,
                    ignore_eos: bool = True) -> Any:
    from vllm import SamplingParams

    return SamplingParams(n=n, max_tokens=max_tokens, ignore_eos=ignore_eos,
                          temperature=temperature if n == 1 else max(temperature, 0.6), top_p=1.0, seed=seed)


def timed_generate(llm: Any, prompt_ids: list[int], params: Any) -> tuple[float, list[Any]]:
    """Wall time of one blocking ``generate`` call and its outputs."""
    t0 = time.perf_counter()
    outs = llm.generate([{"prompt_token_ids": prompt_ids}], params, use_tqdm=False)
    return time.perf_counter() - t0, list(outs)


def measure(llm: Any, prompt_ids: list[int], *, n: int, gen: int,
            params_fn: Callable[..., Any] = sampling_params) -> dict[str, float]:
    """prefill_s (max_tokens=1) and decode_s (max_tokens=gen minus that) for n samples of one prompt."""
    t_first, _ = timed_generate(llm, prompt_ids, params_fn(n=n, max_tokens=1))
    t_all, outs = timed_generate(llm, prompt_ids, params_fn(n=n, max_tokens=gen))
    lengths = [len(c.token_ids) for o in outs for c in o.outputs]
    if len(lengths) != n or any(x != gen for x in lengths):
        raise RuntimeError(f"expected {n} samples of {gen} tokens, got lengths {lengths}")
    return {"prefill_s": t_first, "decode_s": max(t_all - t_first, 1e-9), "total_s": t_all}


def sweep(
    spec: ModelSpec,
    writer: RecordWriter,
    *,
    engine_factory: Callable[[float], Any],
    offloads_gb: Sequence[float],
    batches: Sequence[int],
    prompts: Sequence[int],
    gens: Sequence[int],
    dtype: str = "bf16",
    tensor_parallel_size: int = 1,
    repeats: int = 1,
    version: str | None = None,
    device: str | None = None,
    params_fn: Callable[..., Any] = sampling_params,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """One engine per cpu_offload_gb (``engine_factory(gb)``), every (batch, prompt, gen, repeat) on it."""
    import random

    rng = random.Random(seed)
    version = version or engine_version()
    gpu = device or device_label()
    out: list[dict[str, Any]] = []
    for gb in offloads_gb:
        llm = engine_factory(gb)
        tp = engine_tensor_parallel_size(llm)  # what the engine runs with, not what was asked
        device = f"{tp} x {gpu}" if tp > 1 else gpu
        k = layers_offloaded(spec, gb, dtype, tp)
        measure(llm, [rng.randrange(1000, 150000) for _ in range(8)], n=1, gen=2, params_fn=params_fn)  # warm-up
        for b in batches:
            for p in prompts:
                for gen in gens:
                    for rep in range(repeats):
                        ids = [rng.randrange(1000, 150000) for _ in range(p)]
                        t = measure(llm, ids, n=b, gen=gen, params_fn=params_fn)
                        rec = writer.write({
                            "engine": "vllm",
                            "engine_version": version,
                            "device": device,
                            "model": spec.name,
                            "dtype": dtype,
                            "n_layers": spec.layers,
                            "n_gpu_layers": spec.layers - k,
                            "layers_offloaded": k,
                            "offload_mode": "stream" if gb > 0 else "none",
                            "offload_bytes": int(tp * gb * (1 << 30)),  # all GPUs' host-resident weights
                            "weight_bytes": int(spec.params * BYTES[dtype]),
                            "batch": b,
                            "prompt_tokens": p,
                            "gen_tokens": gen,
                            "prefill_batch": p,
                            "prefill_s": t["prefill_s"],
                            "decode_s": t["decode_s"],
                            "total_s": t["total_s"],
                            "tokens_per_s": b * gen / t["decode_s"],
                            "prefill_tokens_per_s": p / t["prefill_s"],
                            "attention": "dense",
                            "repeat": rep,
                            "timing_source": "wall(generate max_tokens=gen) - wall(max_tokens=1)",
                            "extra": {"cpu_offload_gb": gb, "requested_tensor_parallel_size": tensor_parallel_size},
                            "tensor_parallel_size": tp,
                        })
                        out.append(rec)
        del llm
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


def default_scorer(text: str, golds: Sequence[str]) -> int:
    from kinetics_sql.ingest.scoring import judge_text

    return 100 if judge_text(text, list(golds)) else 0


def default_encoder() -> Callable[[str], list[int]]:
    from kinetics_sql.ingest.prompt import chat_prompt, load_tokenizer

    tok = load_tokenizer()
    return lambda question: tok.encode(chat_prompt(question)).ids


def traces(
    llm: Any,
    problems: Iterable[dict[str, Any]],
    out_path: Path,
    *,
    n: int,
    max_tokens: int,
    temperature: float = 0.6,
    encode: Callable[[str], list[int]] | None = None,
    score: Callable[[str, Sequence[str]], int] = default_scorer,
    params_fn: Callable[..., Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> int:
    """Sample n traces per problem and write Kinetics JSONL; returns the number of problems written."""
    encode = encode or default_encoder()
    if params_fn is None:
        def params_fn(**kw: Any) -> Any:
            return sampling_params(ignore_eos=False, seed=None, **kw)
    problems = list(problems)
    prompts = [{"prompt_token_ids": encode(p["question"])} for p in problems]
    params = params_fn(n=n, max_tokens=max_tokens, temperature=temperature)
    outs = list(llm.generate(prompts, params, use_tqdm=False))
    meta = {"attn_local": None, "attn_topk": None, "attn_block_size": None, "attn_block_topk": None,
            "n": n, "max_tokens": max_tokens, "temperature": temperature, "engine": "vllm"}
    meta.update(metadata or {})
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("w") as f:
        f.write(json.dumps(meta) + "\n")
        for prob, o in zip(problems, outs, strict=True):
            texts = [c.text for c in o.outputs]
            f.write(json.dumps({"query_id": prob["id"], "query": prob["question"], "choices": [prob["answer"]],
                                "prediction": texts, "score": [score(t, [prob["answer"]]) for t in texts]}) + "\n")
    return len(problems)


def _floats(s: str) -> list[float]:
    return [float(x) for x in s.split(",") if x.strip()]


def _ints(s: str) -> list[int]:
    return [int(x) for x in s.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m kinetics_sql.runners.vllmrun", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("sweep", "traces"):
        p = sub.add_parser(name)
        p.add_argument("--model", required=True, help="catalog name (Qwen3-8B)")
        p.add_argument("--hf-dir", help="model folder; default: random weights written by checkpoints.write_hf")
        p.add_argument("--dtype", default="bf16", choices=["bf16", "f16", "f32"])
        p.add_argument("--tp", type=int, default=1, help="tensor_parallel_size (GPUs)")
        p.add_argument("--max-model-len", type=int, default=4096)
        p.add_argument("--out", required=True)
    s = sub.choices["sweep"]
    s.add_argument("--offload-gb", default="0", help="comma-separated cpu_offload_gb values")
    s.add_argument("--batch", default="1", help="comma-separated n (samples decoded together)")
    s.add_argument("--prompt", default="128")
    s.add_argument("--gen", default="64,256")
    s.add_argument("--repeats", type=int, default=1)
    t = sub.choices["traces"]
    t.add_argument("--problems", required=True, help="JSONL with question and answer per line")
    t.add_argument("--n", type=int, default=8)
    t.add_argument("--max-tokens", type=int, default=32768)
    t.add_argument("--temperature", type=float, default=0.6)
    t.add_argument("--offload-gb", type=float, default=0.0)
    args = ap.parse_args(argv)
    spec = checkpoints.resolve_spec(args.model)
    hf_dir = args.hf_dir
    if hf_dir is None:
        hf_dir = str(Path("/tmp/kinetics-hf") / spec.name.lower())
        if not (Path(hf_dir) / "model.safetensors").exists():
            checkpoints.write_hf(spec, hf_dir, dtype=args.dtype)

    def factory(gb: float) -> Any:
        return make_engine(hf_dir, dtype=args.dtype, cpu_offload_gb=gb, tensor_parallel_size=args.tp,
                           max_model_len=args.max_model_len)

    if args.cmd == "sweep":
        writer = RecordWriter(args.out, command=command_line("kinetics_sql.runners.vllmrun", argv))
        sweep(spec, writer, engine_factory=factory, offloads_gb=_floats(args.offload_gb),
              batches=_ints(args.batch), prompts=_ints(args.prompt), gens=_ints(args.gen), dtype=args.dtype,
              tensor_parallel_size=args.tp, repeats=args.repeats)
    else:
        n = traces(factory(args.offload_gb), read_problems(Path(args.problems)), Path(args.out), n=args.n,
                   max_tokens=args.max_tokens, temperature=args.temperature,
                   metadata={"model": spec.name, "hf_dir": hf_dir})
        print(f"wrote {n} problems to {args.out}")


if __name__ == "__main__":
    main()

