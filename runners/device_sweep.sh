# The H100 sweeps, run on the device machine: bash runners/device_sweep.sh PART OUTDIR
#   torch: torch decode (CUDA-graph decode step) for Qwen3-1.7B/4B/8B/14B, k = 0, L/4, L/2 streamed layers, batch 1 and 16
#   llama-small: llama.cpp for Qwen3-1.7B/4B/8B, 5 n_gpu_layers depths, gen 32/64/128
#   llama-14b:   llama.cpp for Qwen3-14B, same grid
#   attention:   the attention kernel grid (Qwen3-8B shapes)
#   fused:       issue 22: GPU tests, step profiles and torch vs fused kernels at the sizes an H100 holds
#   torch-context, llama-context: longer prompts (KV-cache term), batch up to 64 for torch
set -u
case $1 in llama*) source runners/device_env.sh build || exit 1 ;; *) source runners/device_env.sh || exit 1 ;; esac
OUTDIR=$2
export OPENBLAS_NUM_THREADS=1
case $1 in
  torch)
    for m in Qwen3-1.7B Qwen3-4B Qwen3-8B Qwen3-14B; do
      python3 -m kinetics_sql.runners.torchdecode --attn span --model $m --batch 1,16 --prompt 128 --gen 16,64 \
        --out "$OUTDIR/torch-h100.jsonl" 2>&1
    done ;;
  llama-small|llama-14b)
    [ "$1" = llama-small ] && models="Qwen3-1.7B Qwen3-4B Qwen3-8B" || models="Qwen3-14B"
    for m in $models; do
      python3 -m kinetics_sql.runners.llamacpp --model $m --gguf-dir /tmp/gguf --delete-gguf --prompt 128 \
        --gen 32,64,128 --out "$OUTDIR/llamacpp-h100.jsonl" 2>&1
      rm -f /tmp/gguf/*.gguf
    done ;;
  torch-context)  # longer prompts and batch 64: the KV-cache term
    for m in Qwen3-1.7B Qwen3-8B; do
      python3 -m kinetics_sql.runners.torchdecode --attn span --model $m --batch 1,16,64 --prompt 1024 --gen 32 \
        --out "$OUTDIR/torch-context-h100.jsonl" 2>&1
      python3 -m kinetics_sql.runners.torchdecode --attn span --model $m --batch 1,16 --prompt 4096 --gen 32 \
        --out "$OUTDIR/torch-context-h100.jsonl" 2>&1
    done ;;
  llama-context)  # Qwen3-8B, prompts 512 and 2048
    python3 -m kinetics_sql.runners.llamacpp --model Qwen3-8B --gguf-dir /tmp/gguf --delete-gguf --ngl 9,28,37 \
      --prompt 512,2048 --gen 32,128 --out "$OUTDIR/llamacpp-context-h100.jsonl" 2>&1 ;;
  attention)
    python3 -m kinetics_sql.runners.attention --out "$OUTDIR/attention-h100.jsonl" ;;
  fused)  # issue 22 on the H100 (80 GB: no batch 16 at 32K): GPU tests, step profiles, torch vs fused kernels
    nvidia-smi --query-gpu=name,memory.total,clocks.sm,clocks.mem --format=csv > "$OUTDIR/gpu-fused.txt" 2>&1
    python3 -m pytest --noconftest -q -m gpu tests/test_gpu.py -p no:cacheprovider 2>&1 | tail -40
    python3 -m kinetics_sql.runners.profile_step --model Qwen3-8B --runs 4x32768,16x16384 --method dense,blocktopk \
      --kernels torch,fused --budget 1024 --block-size 32 --out "$OUTDIR/profile-h100.json" 2>&1
    python3 -m kinetics_sql.runners.torchdecode --offload 0 --attn live --model Qwen3-8B --kernels torch,fused \
      --method dense,blocktopk --budget 1024 --block-size 32 --synthetic-prefill --runs 4x32768x256,16x16384x256 \
      --out "$OUTDIR/torch-fused-h100.jsonl" 2>&1 ;;
  fused-b)  # issue 22 on the H100, second round: 8x32K (the largest 32K batch pair that fits twice), sweep, fixed VRAM
    python3 -m pytest --noconftest -q -m gpu tests/test_gpu.py -p no:cacheprovider 2>&1 | tail -15
    TD="python3 -m kinetics_sql.runners.torchdecode --offload 0 --attn live --model Qwen3-8B --synthetic-prefill"
    $TD --kernels torch,fused --method dense,blocktopk --budget 1024 --block-size 32 \
      --runs 8x32768x256,4x32768x256,16x16384x256,4x16384x256 --out "$OUTDIR/torch-fused-h100.jsonl" 2>&1
    python3 -m kinetics_sql.runners.profile_step --model Qwen3-8B --runs 4x32768,16x16384 --method dense,blocktopk \
      --kernels torch,fused --budget 1024 --block-size 32 --out "$OUTDIR/profile-h100.json" 2>&1
    F="$TD --kernels fused --method dense,blocktopk --out $OUTDIR/torch-fused-sweep-h100.jsonl"
    $F --budget 1024 --block-size 32 --runs 12x32768x128,1x32768x128,1x65536x128,4x65536x128,16x8192x128,32x8192x128 2>&1
    for bud in 512 2048; do $F --budget $bud --block-size 32 --runs 4x32768x128 2>&1; done
    for bs in 16 64; do $F --budget 1024 --block-size $bs --runs 4x32768x128 2>&1; done ;;
esac
