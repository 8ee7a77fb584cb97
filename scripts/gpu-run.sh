#!/usr/bin/env bash
# All GPU measurements of issue 5 in ONE call on the GPU machine (no node, no network there):
#   here:           bash scripts/prepare-gpu.sh          (fills .gpu-carry/: node, loaders, MNIST, Dawn, bundle)
#   on the device:  bash scripts/gpu-run.sh              (run tool: carry [".gpu-carry"], timeout_s 600)
# It sources .gpu-carry/on-device.sh itself, then writes JSON lines to $OUT/results.jsonl (and stdout),
# each step's log to $OUT/<step>.log and its files under $OUT/<step>/. Steps, most valuable first:
#   probe          1-epoch train on 300 images with --backend webgpu (adapter, flags, first error)
#   kernels        the fused training kernels on $GPU_BACKEND against cpu (bundle's kernel-check.js; exit 1 over 1e-4)
#   bench          the bench (bundle's bench.js) on $GPU_BACKEND at batch 64,128,256 (TF.js flags as in backend.ts)
#   torch          PyTorch reference (.gpu-carry/torch_seed_cnn.py) at batch 64,128,256 on $TORCH_DEVICE
#   train-full     1 epoch on all 37,800 training images, --backend $GPU_BACKEND, batch $TRAIN_BATCH
#   parallel-P     P train processes at once on one GPU (P in $PARALLEL): aggregate img/s
#   sweep-thread / sweep-process   2 trials at once in worker threads vs child processes (Dawn in threads)
#   bench-stock    the bench with TF.js's stock webgpu flags (submit every 15 dispatches, CPU forward on)
# Each step is time-boxed; once less than its minimum is left before $DEADLINE seconds, it is skipped.
# A failing step records its exit code and the end of its log, and the script goes on.
# Local dry run (no GPU, no setup, wasm instead of webgpu, small data):
#   SKIP_SETUP=1 GPU_BACKEND=wasm LIMIT=300 STEPS=2 PARALLEL="1 2" OUT=/tmp/gpu-run bash scripts/gpu-run.sh
# (test/bundle/bundle.test.ts runs it so with BATCHES=64 STOCK_BATCHES=64 INFER_IMAGES=100 KEEP_MODELS=1 TRAIN_THREADS=2
# PAR_THREADS=1 SWEEP_LIMIT=200: every step, the smallest work, train-full on the threaded wasm build.)
set -uo pipefail

cd "$(dirname "$0")/.."
: "${OUT:?set OUT to the results folder (the run tool sets it on the device)}"
GPU_BACKEND=${GPU_BACKEND:-webgpu}
BATCHES=${BATCHES:-64,128,256}
STOCK_BATCHES=${STOCK_BATCHES:-64,256}   # bench-stock's batch sizes
KEEP_MODELS=${KEEP_MODELS:-0}            # models the two-trial sweeps keep (the dry run keeps 1, to check the saving)
STEPS=${STEPS:-10}
INFER_IMAGES=${INFER_IMAGES:-}    # the benches' inference images (empty: the bench's default)
LIMIT=${LIMIT:-}                 # empty: full data for train-full; else images for every step
TRAIN_BATCH=${TRAIN_BATCH:-64}
TRAIN_THREADS=${TRAIN_THREADS:-}  # --threads of train-full (wasm only; empty: the CLI's default, from the cores)
PAR_THREADS=${PAR_THREADS:-}      # --threads of each parallel-P process (the same)
PARALLEL=${PARALLEL:-1 2 4}
PAR_LIMIT=${PAR_LIMIT:-${LIMIT:-3000}}
SWEEP_LIMIT=${SWEEP_LIMIT:-$PAR_LIMIT}  # images of the two-trial sweeps
TORCH_DEVICE=${TORCH_DEVICE:-cuda}
DEADLINE=${DEADLINE:-560}        # seconds for the whole script (the run tool allows 600 per command)
STEP_TIMEOUT=${STEP_TIMEOUT:-300}
mkdir -p "$OUT"
RES="$OUT/results.jsonl"
T0=$(date +%s)

if [ "${SKIP_SETUP:-0}" != 1 ]; then
  # shellcheck disable=SC1091
  . .gpu-carry/on-device.sh > "$OUT/setup.log" 2>&1 || { echo "on-device.sh failed:"; cat "$OUT/setup.log"; }
fi
command -v node >/dev/null || { echo '{"step":"setup","error":"node not on PATH (.gpu-carry/on-device.sh)"}' | tee -a "$RES"; exit 1; }

# The bundle: .gpu-carry/bundle, or .gpu-carry/bundle.tar.xz unpacked, or BUNDLE=dir (local runs).
if [ -n "${BUNDLE:-}" ]; then B=$BUNDLE
elif [ -f .gpu-carry/bundle/cli.js ]; then B=.gpu-carry/bundle
elif [ -f .gpu-carry/bundle.tar.xz ]; then B=/tmp/gc/bundle; mkdir -p "$B" && tar xJf .gpu-carry/bundle.tar.xz -C "$B"
else echo '{"step":"setup","error":"no bundle: run scripts/prepare-gpu.sh before shipping .gpu-carry"}' | tee -a "$RES"; exit 1
fi
B=$(cd "$B" && pwd)
REF=.gpu-carry/torch_seed_cnn.py
[ -f "$REF" ] || REF=../shared/reference/torch_seed_cnn.py

# One JSON line from key=value pairs (values that parse as JSON stay JSON, others become strings).
jline() {
  node -e '
    const o = {};
    for (const kv of process.argv.slice(1)) {
      const i = kv.indexOf("="); const k = kv.slice(0, i); const v = kv.slice(i + 1);
      try { o[k] = JSON.parse(v); } catch { o[k] = v; }
    }
    console.log(JSON.stringify(o));' "$@" | tee -a "$RES"
}
# A JSON file as one line under a step name.
jfile() { node -e 'const fs=require("fs");const o=JSON.parse(fs.readFileSync(process.argv[2],"utf8"));console.log(JSON.stringify({step:process.argv[1],...(Array.isArray(o)?{items:o}:o)}))' "$1" "$2" | tee -a "$RES"; }
left() { echo $(( DEADLINE - ($(date +%s) - T0) )); }
# Seconds since a `date +%s.%N` time, to 0.1 s.
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", b - a }'; }
# step NAME MIN_SECONDS CMD...: runs CMD under a timeout, records rc, seconds and the log's last lines.
step() {
  local name=$1 min=$2; shift 2
  local rem; rem=$(left)
  if [ "$rem" -lt "$min" ]; then jline step="$name" skipped="only ${rem}s left (needs ${min}s)"; return 1; fi
  local limit=$(( rem < STEP_TIMEOUT ? rem : STEP_TIMEOUT ))
  local s; s=$(date +%s.%N)
  timeout -k 5 "$limit" "$@" > "$OUT/$name.log" 2>&1
  local rc=$?
  local secs; secs=$(since "$s")
  jline step="$name" rc="$rc" seconds="$secs" timeout="$limit" tail="$(grep -v '^Warning: \|^    at \|^$' "$OUT/$name.log" | tail -n 4)"
  return "$rc"
}

jline step=env date="$(date -u +%FT%TZ)" node="$(node --version)" backend="$GPU_BACKEND" bundle="$B" \
  commit="$(cat .gpu-carry/commit.txt 2>/dev/null || echo unknown)" gpu="$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo none)" \
  cpus="$(nproc)" mnist="${MNIST_DIR:-unset}" dawn="${DAWN_NODE:-bundle node_modules/webgpu}" limit="${LIMIT:-full}"

limit_arg=(); [ -n "$LIMIT" ] && limit_arg=(--limit "$LIMIT")
threads_arg=(); [ -n "$TRAIN_THREADS" ] && threads_arg=(--threads "$TRAIN_THREADS")

# 1. Does webgpu start (adapter, flags)? Always webgpu, whatever GPU_BACKEND is.
if step probe 30 node "$B/cli.js" train --backend webgpu --limit 300 --epochs 1 --out "$OUT/probe"; then
  jfile probe "$OUT/probe/history.json"
fi

# 1b. The fused training kernels (WGSL on webgpu) against cpu: never run on a GPU before this script.
if [ -f "$B/kernel-check.js" ]; then
  step kernels 30 node "$B/kernel-check.js" --backend "$GPU_BACKEND" --out "$OUT/kernels.json"
  [ -f "$OUT/kernels.json" ] && jfile kernels "$OUT/kernels.json"
else
  jline step=kernels skipped="no kernel-check.js in the bundle (src/bench/kernel-check.ts missing when it was built)"
fi

# 2. The bench on the GPU backend (flags as set by backend.ts).
if [ -f "$B/bench.js" ]; then
  step bench 60 node "$B/bench.js" --backends "$GPU_BACKEND" --batches "$BATCHES" --steps "$STEPS" ${INFER_IMAGES:+--infer-images "$INFER_IMAGES"} --no-pool --no-torch --out "$OUT/bench.json" \
    && jfile bench "$OUT/bench.json"
else
  jline step=bench skipped="no bench.js in the bundle (src/bench/main.ts missing when it was built)"
fi

# 3. PyTorch reference, same CNN, same split, same card.
if command -v python3 >/dev/null; then
  for b in ${BATCHES//,/ }; do
    step "torch-$b" 20 python3 "$REF" "${MNIST_DIR:-}" --device "$TORCH_DEVICE" --batch "$b" --epochs 1 --bench-only ${LIMIT:+--limit "$LIMIT"} \
      && node -e 'const ls=require("fs").readFileSync(process.argv[1],"utf8").split("\n").filter(l=>l.startsWith("{")).map(l=>JSON.parse(l));console.log(JSON.stringify({step:"torch",batchSize:+process.argv[2],...Object.assign({},...ls)}))' "$OUT/torch-$b.log" "$b" | tee -a "$RES"
  done
else
  jline step=torch skipped="no python3"
fi

# 4. One full epoch on the GPU backend (the number a user sees).
step train-full 60 node "$B/cli.js" train --backend "$GPU_BACKEND" --epochs 1 --batch-size "$TRAIN_BATCH" "${limit_arg[@]}" "${threads_arg[@]}" --out "$OUT/train-full" \
  && jfile train-full "$OUT/train-full/history.json"

# 5. Several trials on one GPU, one process each: aggregate training img/s.
par() {
  local p=$1 pids=() i
  for i in $(seq 1 "$p"); do
    node "$B/cli.js" train --backend "$GPU_BACKEND" --epochs 1 --limit "$PAR_LIMIT" --seed "$i" ${PAR_THREADS:+--threads "$PAR_THREADS"} --out "$OUT/parallel-$p/$i" > "$OUT/parallel-$p/$i.log" 2>&1 &
    pids+=($!)
  done
  local rc=0; for i in "${pids[@]}"; do wait "$i" || rc=1; done
  return $rc
}
for p in $PARALLEL; do
  mkdir -p "$OUT/parallel-$p"
  s=$(date +%s.%N)
  if step "parallel-$p" 40 bash -c "$(declare -f par); B='$B' OUT='$OUT' GPU_BACKEND='$GPU_BACKEND' PAR_LIMIT='$PAR_LIMIT' PAR_THREADS='$PAR_THREADS' par $p"; then
    node -e '
      const fs = require("fs"); const [dir, p, wall] = [process.argv[1], +process.argv[2], +process.argv[3]];
      const h = Array.from({ length: p }, (_, i) => JSON.parse(fs.readFileSync(`${dir}/${i + 1}/history.json`, "utf8")));
      const imgs = h.reduce((s, x) => s + x.data.train, 0);
      const epochS = Math.max(...h.map((x) => x.epochs[0].seconds));
      console.log(JSON.stringify({ step: "parallel", processes: p, trainImages: imgs, maxEpochSeconds: epochS, wallSeconds: wall,
        aggregateImgPerSecEpoch: +(imgs / epochS).toFixed(1), aggregateImgPerSecWall: +(imgs / wall).toFixed(1), backend: h[0].backend }));' \
      "$OUT/parallel-$p" "$p" "$(since "$s")" | tee -a "$RES"
  fi
done

# 6. Two trials at once in worker threads (Dawn loaded in 2 threads of one process) vs 2 child processes.
cat > "$OUT/two-trials.yaml" <<YAML
params:
  lr: { type: float, low: 1.0e-3, high: 2.0e-3, log: true }
fixed: { epochs: 1, batchSize: 64 }
budget: { trials: 2, workers: 2 }
sampler: { type: random }
pruner: { type: none }
seed: 1
data: { source: mnist, limit: ${SWEEP_LIMIT} }
keepModels: ${KEEP_MODELS:-0}
YAML
for iso in thread process; do
  step "sweep-$iso" 40 node "$B/cli.js" sweep "$OUT/two-trials.yaml" --study "two-$iso" --isolation "$iso" --workers 2 --backend "$GPU_BACKEND" \
    --runs "$OUT/sweep-runs" --reports "$OUT/sweep-reports" \
    && node -e '
      const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const trials = (s.trials ?? []).map((t) => ({ number: t.number, state: t.state, value: t.value, error: t.error ?? null, backend: t.backend ?? null,
        seconds: (t.epochs ?? []).map((e) => e.seconds) }));
      console.log(JSON.stringify({ step: "sweep", isolation: process.argv[2], trials }));' "$OUT/sweep-runs/two-$iso/study.json" "$iso" | tee -a "$RES"
done

# 7. Stock TF.js webgpu flags, for the difference the tuned ones make.
if [ -f "$B/bench.js" ]; then
  step bench-stock 60 env WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=15 WEBGPU_CPU_FORWARD=true node "$B/bench.js" --backends "$GPU_BACKEND" --batches "$STOCK_BATCHES" --steps "$STEPS" ${INFER_IMAGES:+--infer-images "$INFER_IMAGES"} --no-pool --no-torch --out "$OUT/bench-stock.json" \
    && jfile bench-stock "$OUT/bench-stock.json"
fi

jline step=end seconds="$(( $(date +%s) - T0 ))"
