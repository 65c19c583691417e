#!/usr/bin/env bash
# Issue 20 on the device machine: dense and MoE vLLM runs on ONE GPU, so a fit trained on the dense runs can be
# checked against the MoE runs without crossing devices. vLLM 0.26.0 staged in /tmp/vsite by the shared vllm-stage.sh
# script (kept outside this repository; its header says how). Modes, one call each:
#   bash runners/device_moe.sh OUTDIR dense   # Qwen3-1.7B and Qwen3-8B at batch 1, 16, 64, 2,048 tokens each
#   bash runners/device_moe.sh OUTDIR dense14 # Qwen3-14B the same, then 8 samples decoded together (their lengths:
#                                             # the first 8 samples of MATH500 problem 13 of the bundled Qwen3-14B
#                                             # Best-of-Infinity table, 1,254-5,584 tokens)
#   bash runners/device_moe.sh OUTDIR moe     # Qwen3-30B-A3B shapes (Qwen3MoeForCausalLM, random weights, routers
#                                             # re-drawn) at batch 1 and 16 x 4,096 tokens, the experts each step
#                                             # touched read back; then 8 samples decoded together twice, their lengths
#                                             # the first 8 samples of MATH500 problem 52 (1,270-4,623 tokens) and AIME
#                                             # 2024 problem 12 (4,256-5,740 tokens) of this model's bundled table
#   bash runners/device_moe.sh OUTDIR moe64   # the same at batch 64 x 2,560 tokens (its own engine at 0.95 of VRAM:
#                                             # an H100 holds no more KV beside 57 GiB of weights)
#   bash runners/device_moe.sh OUTDIR gptoss  # gpt-oss-20b shapes at batch 1, 16, 64 x 2,048 tokens, experts read back
# Run on an H100 on 2026-12-06 in that order (moe, dense, dense14, moe64), one warm machine: vllm-dense-h100.jsonl and
# vllm-moe2-h100.jsonl in warehouse/measurements (vllm-moe-h100.jsonl: an earlier day's MoE runs, another H100).
# Every checkpoint (each power of two of generated tokens) is a record; files are named by the GPU.
set -u
OUTDIR=$1; MODE=${2:-moe}
mkdir -p "$OUTDIR"
source runners/device_env.sh || exit 1
nvidia-smi --query-gpu=name,memory.total,clocks.sm,clocks.mem --format=csv > "$OUTDIR/gpu-$MODE.txt" 2>&1
export PYTHONPATH=/tmp/vsite:$PYTHONPATH VLLM_USE_FLASHINFER_SAMPLER=0 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
  VLLM_NO_USAGE_STATS=1
DEV=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | grep -o -i 'h[0-9]\+' | tr 'A-Z' 'a-z')
sweep() {  # MODEL OUTFILE TIMEOUT ARGS...
  local model=$1 outf=$2 t=$3; shift 3
  timeout "$t" python3 -m kinetics_sql.runners.vllmrun sweep --model "$model" --out "$outf" "$@" 2>&1 \
    | grep -v -E "it/s|Capturing CUDA graphs|Processed prompts" | tee -a "$OUTDIR/$MODE-log.txt"
}
case $MODE in
  dense)
    for m in Qwen3-1.7B Qwen3-8B; do
      sweep $m "$OUTDIR/vllm-dense-${DEV:-gpu}.jsonl" 250 --runs 1x128x2048,16x128x2048,64x128x2048
    done ;;
  dense14)
    sweep Qwen3-14B "$OUTDIR/vllm-dense-${DEV:-gpu}.jsonl" 480 --runs 1x128x2048,16x128x2048,64x128x2048 \
      --together 128:1350,5584,1254,1499,1980,2941,3259,1486@boinf/math500/Qwen3-14B/problem13/samples0-7 ;;
  moe)
    OUTF="$OUTDIR/vllm-moe-${DEV:-gpu}.jsonl"
    sweep Qwen3-30B-A3B-Thinking-2507 "$OUTF" 540 --runs 1x128x4096,16x128x4096 \
      --together 128:4135,1270,1305,3967,4623,1438,3905,1308@boinf/math500/Qwen3-30B-A3B-Thinking-2507/problem52/samples0-7 \
      --together 128:4256,5166,5509,5559,5710,4682,5740,5032@boinf/aime2024/Qwen3-30B-A3B-Thinking-2507/problem12/samples0-7 ;;
  moe64)  # batch 64 needs more KV than the moe engine (sized for the together runs' 5,868 tokens) holds
    sweep Qwen3-30B-A3B-Thinking-2507 "$OUTDIR/vllm-moe-${DEV:-gpu}.jsonl" 300 --gpu-memory-utilization 0.95 \
      --runs 64x128x2560 ;;
  gptoss)  # gpt-oss-20b shapes (GptOssForCausalLM, bf16 experts, routers re-drawn: their bias zeroed)
    sweep gpt-oss-20b "$OUTDIR/vllm-gptoss-${DEV:-gpu}.jsonl" 420 --runs 1x128x2048,16x128x2048,64x128x2048 ;;
  *) echo "unknown mode $MODE (dense, dense14, moe, moe64, gptoss)"; exit 2 ;;
esac
ls -la "$OUTDIR"
