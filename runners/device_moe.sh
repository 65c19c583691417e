#!/usr/bin/env bash
# Issue 20 on the device machine (vLLM 0.26.0 staged in /tmp/vsite by a vllm-stage.sh script kept outside this repository):
#   bash runners/device_moe.sh OUTDIR
# Qwen3-30B-A3B shapes (Qwen3MoeForCausalLM, random weights, routers re-drawn) at batch 1, 16, 64 and 4,
# 4,096 generated tokens each (checkpoint records every power of two), the experts each step touched
# read back after every batch; then two best-of-N runs of 8 samples decoded together, their lengths the
# first 8 samples of one problem of the bundled Best-of-Infinity tables of this model:
# MATH500 problem 52 (1,270-4,623 tokens) and AIME 2024 problem 12 (4,256-5,740 tokens).
set -u
OUTDIR=$1
mkdir -p "$OUTDIR"
source runners/device_env.sh || exit 1
nvidia-smi --query-gpu=name,memory.total,clocks.sm,clocks.mem --format=csv > "$OUTDIR/gpu-moe.txt" 2>&1
export PYTHONPATH=/tmp/vsite:$PYTHONPATH VLLM_USE_FLASHINFER_SAMPLER=0 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
  VLLM_NO_USAGE_STATS=1
DEV=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | grep -o -i 'h[0-9]\+' | tr 'A-Z' 'a-z')
OUTF="$OUTDIR/vllm-moe-${DEV:-gpu}.jsonl"
moe() {
  timeout "${T:-480}" python3 -m kinetics_sql.runners.vllmrun sweep --model Qwen3-30B-A3B-Thinking-2507 \
    --runs 1x128x4096,16x128x4096,64x128x4096,4x128x4096 \
    --together 128:4135,1270,1305,3967,4623,1438,3905,1308@boinf/math500/Qwen3-30B-A3B-Thinking-2507/problem52/samples0-7 \
    --together 128:4256,5166,5509,5559,5710,4682,5740,5032@boinf/aime2024/Qwen3-30B-A3B-Thinking-2507/problem12/samples0-7 \
    --out "$OUTF" 2>&1 | grep -v -E "it/s|Capturing CUDA graphs|Processed prompts" | tee -a "$OUTDIR/moe-log.txt"
}
moe
if [ ! -s "$OUTF" ]; then  # the route read-back broke the engine: time without it
  echo "no records: again without reading routes back" | tee -a "$OUTDIR/moe-log.txt"
  KINETICS_ROUTE_CAPTURE=0 T=400 moe
fi
ls -la "$OUTDIR"
