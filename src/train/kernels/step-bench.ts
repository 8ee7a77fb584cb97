/**
 * Milliseconds per training step on the wasm backend: optimizer.minimize (Adam, categorical
 * crossentropy) on the seed notebook's CNN, after 3 warm-up steps; the median over the timed steps.
 *
 *   node dist/bench/wasm-step.js [--batch 64] [--steps 10] [--kernels Tile,BatchMatMul] [--stock]
 *
 * --kernels picks which training kernels to install (default all; Conv2DBackpropFilter is always
 * installed, since without it wasm cannot train); --stock also times the stock kernels (plus
 * Conv2DBackpropFilter) in the same process.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  registerWasmTrainingKernels,
  restoreStockWasmKernels,
  WASM_TRAINING_KERNELS,
  type WasmTrainingKernel,
} from './index.js';

export interface WasmStepOptions {
  batchSize: number;
  steps: number;
  /** Training kernels to install; default all. */
  kernels?: readonly WasmTrainingKernel[];
  /** Also time the stock wasm kernels (with only Conv2DBackpropFilter added). */
  compareStock?: boolean;
}

export interface WasmStepResult {
  msPerStep: number;
  imgPerSec: number;
  /** CPU time (user + system) per step: steadier than wall time when the machine is shared. */
  cpuMsPerStep: number;
  stockMsPerStep?: number;
  /** Engine tensors that survived the timed steps (0 when nothing leaks). */
  leakedTensors: number;
}

const WARMUP_STEPS = 3;

/** The seed notebook's Keras CNN (459,210 parameters). */
export function buildBenchModel(): tf.Sequential {
  const m = tf.sequential();
  const conv = (filters: number, kernelSize: number, extra: Partial<Parameters<typeof tf.layers.conv2d>[0]> = {}) =>
    tf.layers.conv2d({ filters, kernelSize, activation: 'relu', ...extra });
  m.add(conv(32, 3, { inputShape: [28, 28, 1] }));
  m.add(tf.layers.batchNormalization());
  m.add(conv(32, 3));
  m.add(tf.layers.batchNormalization());
  m.add(conv(32, 5, { strides: 2, padding: 'same' }));
  m.add(tf.layers.batchNormalization());
  m.add(tf.layers.dropout({ rate: 0.4 }));
  m.add(conv(64, 3));
  m.add(tf.layers.batchNormalization());
  m.add(conv(64, 3));
  m.add(tf.layers.batchNormalization());
  m.add(conv(64, 5, { strides: 2, padding: 'same' }));
  m.add(tf.layers.batchNormalization());
  m.add(tf.layers.dropout({ rate: 0.4 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 256, activation: 'relu' }));
  m.add(tf.layers.dropout({ rate: 0.4 }));
  m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  return m;
}

async function useWasm(): Promise<void> {
  if (tf.getBackend() === 'wasm') return;
  if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed: the wasm backend did not initialise');
  await tf.ready();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Times `steps` training steps after the warm-up. Returns the median wall and CPU ms of one step
 * (the median shrugs off steps stalled by other processes on a shared machine) and the tensor drift.
 */
function timeSteps(model: tf.Sequential, batchSize: number, steps: number): { ms: number; cpuMs: number; leaked: number } {
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomNormal([batchSize, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform([batchSize], 0, 10, 'int32') as tf.Tensor1D, 10);
  const step = (): void => {
    const loss = optimizer.minimize(() => {
      const pred = model.apply(x, { training: true }) as tf.Tensor;
      return tf.metrics.categoricalCrossentropy(y, pred).mean() as tf.Scalar;
    }, true);
    loss?.dataSync();
    loss?.dispose();
  };
  for (let i = 0; i < WARMUP_STEPS; i++) step();
  const before = tf.memory().numTensors;
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    step();
    const used = process.cpuUsage(cpu0);
    wall.push(performance.now() - t0);
    cpu.push((used.user + used.system) / 1000);
  }
  const leaked = tf.memory().numTensors - before;
  tf.dispose([x, y]);
  optimizer.dispose();
  return { ms: median(wall), cpuMs: median(cpu), leaked };
}

export async function benchWasmStep(options: WasmStepOptions): Promise<WasmStepResult> {
  const { batchSize, steps } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a positive integer, got ${steps}`);
  const kernels = new Set<WasmTrainingKernel>(['Conv2DBackpropFilter', ...(options.kernels ?? WASM_TRAINING_KERNELS)]);
  restoreStockWasmKernels();
  registerWasmTrainingKernels({ kernels: [...kernels] });
  await useWasm();
  const model = buildBenchModel();
  try {
    const fast = timeSteps(model, batchSize, steps);
    const result: WasmStepResult = {
      msPerStep: fast.ms,
      imgPerSec: (1000 * batchSize) / fast.ms,
      cpuMsPerStep: fast.cpuMs,
      leakedTensors: fast.leaked,
    };
    if (options.compareStock) {
      restoreStockWasmKernels();
      registerWasmTrainingKernels({ kernels: ['Conv2DBackpropFilter'] });
      result.stockMsPerStep = timeSteps(model, batchSize, Math.min(steps, 3)).ms;
      restoreStockWasmKernels();
      registerWasmTrainingKernels();
    }
    return result;
  } finally {
    model.dispose();
  }
}

export function parseArgs(argv: string[]): WasmStepOptions {
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
  return opts;
}

