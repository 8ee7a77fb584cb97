/**
 * Milliseconds per training step on the wasm backend, with all or some of our training kernels:
 * optimizer.minimize (Adam, categorical crossentropy) on the seed notebook's CNN from stock Keras layers,
 * after 3 warm-up steps; the median over the timed steps. The TF.js side (model, step) is
 * src/train/probe.ts's openStockWasmStep: only src/train imports TF.js.
 *
 *   node dist/bench/wasm-step.js [--batch 64] [--steps 10] [--kernels Tile,BatchMatMul|none] [--stock]
 *
 * --kernels picks which training kernels to install (default all; Conv2DBackpropFilter is always
 * installed, since without it wasm cannot train); --stock also times the stock kernels (plus
 * Conv2DBackpropFilter) in the same process.
 */
import { openStockWasmStep, WASM_TRAINING_KERNELS, type WasmTrainingKernel } from '../train/index.js';

interface WasmStepOptions {
  batchSize: number;
  steps: number;
  /** Training kernels to install; default all. */
  kernels?: readonly WasmTrainingKernel[];
  /** Also time the stock wasm kernels (with only Conv2DBackpropFilter added). */
  compareStock?: boolean;
}

const WARMUP_STEPS = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Times `steps` training steps after the warm-up. Returns the median wall and CPU ms of one step
 * (the median shrugs off steps stalled by other processes on a shared machine) and the tensor drift.
 */
async function timeSteps(batchSize: number, steps: number, kernels: readonly WasmTrainingKernel[]): Promise<{ ms: number; cpuMs: number; leaked: number }> {
  const s = await openStockWasmStep({ batchSize, kernels });
  try {
    for (let i = 0; i < WARMUP_STEPS; i++) s.step();
    const before = s.liveTensors();
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      s.step();
      const used = process.cpuUsage(cpu0);
      wall.push(performance.now() - t0);
      cpu.push((used.user + used.system) / 1000);
    }
    return { ms: median(wall), cpuMs: median(cpu), leaked: s.liveTensors() - before };
  } finally {
    s.dispose();
  }
}

function parseArgs(argv: string[]): WasmStepOptions {
  const opts: WasmStepOptions = { batchSize: 64, steps: 10 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--batch') opts.batchSize = Number(next());
    else if (arg === '--steps') opts.steps = Number(next());
    else if (arg === '--stock') opts.compareStock = true;
    else if (arg === '--kernels') {
      const v = next();
      opts.kernels = v === '' || v === 'none' ? [] : (v.split(',') as WasmTrainingKernel[]);
    } else throw new Error(`unknown argument ${arg}`);
  }
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new Error(`--batch must be a positive integer, got ${opts.batchSize}`);
  if (!Number.isInteger(opts.steps) || opts.steps < 1) throw new Error(`--steps must be a positive integer, got ${opts.steps}`);
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const fast = await timeSteps(opts.batchSize, opts.steps, opts.kernels ?? WASM_TRAINING_KERNELS);
const stockMs = opts.compareStock ? (await timeSteps(opts.batchSize, Math.min(opts.steps, 3), [])).ms : undefined;
const kernels = opts.kernels === undefined ? 'all' : ['Conv2DBackpropFilter', ...opts.kernels].join(',');
console.log(
  `wasm train step, batch ${opts.batchSize}, kernels ${kernels}: ${fast.ms.toFixed(0)} ms/step, ` +
    `${((1000 * opts.batchSize) / fast.ms).toFixed(1)} img/s (cpu ${fast.cpuMs.toFixed(0)} ms/step), leaked tensors ${fast.leaked}` +
    (stockMs === undefined ? '' : `; stock ${stockMs.toFixed(0)} ms/step (${((1000 * opts.batchSize) / stockMs).toFixed(1)} img/s)`),
);
