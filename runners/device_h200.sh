#!/usr/bin/env bash
# The H200 sweeps of issue 10, run on the device machine from a copy of the repository:
#   bash runners/device_h200.sh PART OUTDIR
# Parts (each fits one 10-minute device call; every run appends to OUTDIR/*.jsonl as it goes):
#   torch      torch runner, live-context decode (Triton kernel, CUDA graphs), Qwen3-8B: dense vs block top-k
#              (budget 1024, blocks of 32) at 16K and 32K context, batch 4 and 16 (synthetic prompt KV);
#              dense generations of 4K-16K tokens timed at every power-of-two checkpoint
#   tests      the GPU tests, then the torch runner's Qwen3-1.7B and 14B generations
#   vllm-a     vLLM 0.26.0 (staged by a vllm-stage.sh script kept outside this repository in /tmp/vsite): Qwen3-8B and 0.6B
#   fused      issue 22: GPU tests, per-kernel step profiles (runners/profile_step.py), torch vs fused kernels:
#              block top-k at 16K/32K, batch 4/16, and dense generations at vLLM's shapes
#   fused-sweep issue 22: the fused step, dense vs block top-k, Qwen3-8B/14B, budgets 512-2048, blocks 16-64,
#              batch 1-64, contexts 8K-64K (synthetic prompt KV), and batch 24 at 32K (the H200's fixed-VRAM limit)
#   vllm-b     vLLM: Qwen3-32B, 1.7B, and Qwen3-8B with 8 GiB of weights offloaded (cpu_offload_gb, V1 runner)
set -u
PART=$1
OUTDIR=$2
mkdir -p "$OUTDIR"
source runners/device_env.sh || exit 1
nvidia-smi --query-gpu=name,memory.total,clocks.sm,clocks.mem --format=csv > "$OUTDIR/gpu-$PART.txt" 2>&1
TD="python3 -m kinetics_sql.runners.torchdecode --offload 0 --attn live"
vllm() {  # one model per process, so that each engine's memory is returned
  PYTHONPATH=/tmp/vsite:$PYTHONPATH VLLM_USE_FLASHINFER_SAMPLER=0 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
    VLLM_NO_USAGE_STATS=1 timeout "$1" python3 -m kinetics_sql.runners.vllmrun sweep "${@:2}" \
    --out "$OUTDIR/vllm-h200.jsonl" 2>&1 | grep -v -E "it/s|Capturing CUDA graphs|Processed prompts" ;
}
case $PART in
  torch)
    $TD --model Qwen3-8B --method dense,blocktopk --budget 1024 --block-size 32 --synthetic-prefill \
      --runs 4x16384x256,16x16384x256,4x32768x256,16x32768x256 --out "$OUTDIR/torch-blocktopk-h200.jsonl" 2>&1
    $TD --model Qwen3-8B --checkpoints --runs 1x128x16384,16x1024x8192,64x128x4096,4x4096x2048 \
      --out "$OUTDIR/torch-h200.jsonl" 2>&1 ;;
  tests)
    python3 -m pytest --noconftest -q -m gpu tests/test_gpu.py -p no:cacheprovider 2>&1 | tail -25
    $TD --model Qwen3-1.7B --checkpoints --runs 1x128x16384,16x1024x8192,64x128x4096 \
      --out "$OUTDIR/torch-h200.jsonl" 2>&1 ;;
  fused)  # issue 22: GPU tests, torch vs fused kernels at 16K/32K, the step profiles, the dense step at vLLM's shapes
    python3 -m pytest --noconftest -q -m gpu tests/test_gpu.py -p no:cacheprovider 2>&1 | tail -40
    $TD --model Qwen3-8B --kernels torch,fused --method dense,blocktopk --budget 1024 --block-size 32 \
      --synthetic-prefill --runs 16x32768x256,4x32768x256,16x16384x256,4x16384x256 \
      --out "$OUTDIR/torch-fused-h200.jsonl" 2>&1
    python3 -m kinetics_sql.runners.profile_step --model Qwen3-8B --runs 16x32768,4x32768,16x16384,4x16384 \
      --method dense,blocktopk --kernels torch,fused --budget 1024 --block-size 32 --out "$OUTDIR/profile-h200.json" 2>&1
    $TD --model Qwen3-8B --kernels fused --checkpoints --runs 1x128x4096,16x1024x4096 \
      --out "$OUTDIR/torch-fused-h200.jsonl" 2>&1 ;;
  fused-sweep)  # issue 22: the fused step over models, budgets, block sizes, batches and contexts
    F="$TD --kernels fused --method dense,blocktopk --synthetic-prefill --out $OUTDIR/torch-fused-sweep-h200.jsonl"
    # fixed VRAM: the largest batch whose whole 32K cache fits beside the weights (dense and block top-k alike)
    $F --model Qwen3-8B --budget 1024 --block-size 32 --runs 24x32768x128 2>&1
    $F --model Qwen3-8B --budget 1024 --block-size 32 \
      --runs 1x8192x128,1x32768x128,1x65536x128,4x8192x128,4x65536x128,8x65536x128,16x8192x128,32x16384x128,64x8192x128 2>&1
    for bud in 512 2048; do $F --model Qwen3-8B --budget $bud --block-size 32 --runs 4x32768x128,16x32768x128 2>&1; done
    for bs in 16 64; do $F --model Qwen3-8B --budget 1024 --block-size $bs --runs 4x32768x128,16x32768x128 2>&1; done
    $F --model Qwen3-14B --budget 1024 --block-size 32 --runs 4x32768x128,16x16384x128 2>&1 ;;
  vllm-a)  # after `bash .vstage/w/setup.sh` (from the checkout root, where .vstage is carried)
    vllm 330 --model Qwen3-8B --runs 1x128x16384,16x1024x8192,64x128x4096,4x4096x4096,64x4096x1024,32x2048x2048
    vllm 200 --model Qwen3-0.6B --runs 1x128x32768,16x1024x8192,64x128x4096,4x4096x4096,64x4096x1024 ;;
  vllm-b)
    vllm 230 --model Qwen3-32B --runs 1x128x4096,16x1024x2048,64x128x1024,4x4096x1024
    vllm 160 --model Qwen3-1.7B --runs 1x128x16384,16x1024x8192,64x128x4096,64x4096x1024
    vllm 150 --model Qwen3-8B --offload uva:8 --runs 1x128x128,16x128x128 ;;
esac
ls -la "$OUTDIR"
