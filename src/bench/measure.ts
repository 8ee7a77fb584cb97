/**
 * Throughput measurements of the trainer's own step (the same trainStep the trainer runs, with real
 * MNIST batches and augmentation), for `npm run bench`. The TF.js side is src/train/probe.ts (only
 * src/train imports TF.js); the timing, warm-up, medians and batches are here.
 */
import { createRng, permutation } from '../core/random.js';
import { IMAGE_SIZE, type ImageSet } from '../data/types.js';
import { augmentBatch, openTrainingProbe, type BackendName, type DispatchCount } from '../train/index.js';

export interface TrainingThroughput {
  backend: string;
  batchSize: number;
  steps: number;
  msPerStep: number;
  /** CPU time (user + system, all threads) per step: steadier than wall time on a shared machine. */
  cpuMsPerStep: number;
  trainImgPerSec: number;
  /** Augmentation (rotation/zoom/shift + noise, in JS) per batch, and its share of a step. */
  augmentMsPerBatch: number;
  augmentShare: number;
  /** Tensors alive after the timed steps minus before (0 = no leak). */
  tensorLeak: number;
  /** Kernel dispatches of one training step (src/train/dispatches.ts). */
  dispatchesPerStep: number;
  /** On webgpu: the compute-shader dispatches of that step (src/train/dispatches.ts). */
  gpuDispatchesPerStep?: number;
}

/** Times `steps` training steps (after `warmup`) on real images; median step time. */
export async function measureTraining(
  set: ImageSet,
  opts: { backend: BackendName; batchSize: number; steps: number; warmup?: number; seed?: number },
): Promise<TrainingThroughput> {
  const probe = await openTrainingProbe({ backend: opts.backend, seed: opts.seed ?? 1 }); // the trainer's defaults
  const rng = createRng(opts.seed ?? 1);
  const order = permutation(set.count, rng);
  const x = new Float32Array(opts.batchSize * IMAGE_SIZE);
  const y = new Int32Array(opts.batchSize);
  const aug = { rotation: 10, zoom: 0.1, shift: 0.1, noise: 0.05 };
  const stepTimes: number[] = [];
  const cpuTimes: number[] = [];
  const augTimes: number[] = [];
  const warmup = opts.warmup ?? 3;
  let before = 0;
  let dispatches: DispatchCount | null = null;
  try {
    for (let s = 0; s < warmup + opts.steps; s++) {
      if (s === warmup) before = probe.liveTensors();
      const start = (s * opts.batchSize) % Math.max(1, set.count - opts.batchSize);
      const idx = order.subarray(start, start + opts.batchSize);
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      augmentBatch(set.images, idx, x, aug, rng);
      for (let k = 0; k < idx.length; k++) y[k] = set.labels![idx[k]!]!;
      const t1 = performance.now();
      const xs = x.subarray(0, idx.length * IMAGE_SIZE);
      const ys = y.subarray(0, idx.length);
      // The last warm-up step is counted (counting costs a little time, so not a timed one).
      if (s === warmup - 1 || (warmup === 0 && s === 0)) dispatches = await probe.countedStep(xs, ys);
      else await probe.step(xs, ys);
      const t2 = performance.now();
      const cpu = process.cpuUsage(cpu0);
      if (s >= warmup) {
        stepTimes.push(t2 - t0);
        cpuTimes.push((cpu.user + cpu.system) / 1000);
        augTimes.push(t1 - t0);
      }
    }
    const leak = probe.liveTensors() - before;
    const ms = median(stepTimes);
    const augMs = median(augTimes);
    return {
      backend: probe.backend,
      batchSize: opts.batchSize,
      steps: opts.steps,
      msPerStep: round(ms),
      cpuMsPerStep: round(median(cpuTimes)),
      trainImgPerSec: round((opts.batchSize * 1000) / ms),
      augmentMsPerBatch: round(augMs),
      augmentShare: round(augMs / ms, 4),
      tensorLeak: leak,
      dispatchesPerStep: dispatches!.total,
      ...(dispatches!.gpuDispatches === undefined ? {} : { gpuDispatchesPerStep: dispatches!.gpuDispatches }),
    };
  } finally {
    probe.dispose();
  }
}

/**
 * Kernel dispatches of one training step of the trainer's model (the step the trainer runs), after one
 * warm-up step (the first step also creates the optimizer's slots). Random images: the count does not
 * depend on the pixels.
 */
export async function countStepDispatches(opts: { backend: BackendName; batchSize: number; seed?: number; l2?: number }): Promise<DispatchCount> {
  const probe = await openTrainingProbe({ backend: opts.backend, seed: opts.seed ?? 1, l2: opts.l2 ?? 0 });
  const rng = createRng(opts.seed ?? 1);
  const x = Float32Array.from({ length: opts.batchSize * IMAGE_SIZE }, () => rng.next());
  const y = Int32Array.from({ length: opts.batchSize }, (_, i) => i % 10);
  try {
    await probe.step(x, y);
    return await probe.countedStep(x, y);
  } finally {
    probe.dispose();
  }
}

/** Inference images per second of a fresh model over `set` (batches of `batchSize`). */
export async function measureInference(set: ImageSet, opts: { backend: BackendName; batchSize: number }): Promise<{ backend: string; batchSize: number; images: number; inferImgPerSec: number }> {
  const probe = await openTrainingProbe({ backend: opts.backend, seed: 0 });
  try {
    probe.predict({ ...set, count: Math.min(set.count, opts.batchSize) }, opts.batchSize); // warm-up
    const t0 = performance.now();
    probe.predict(set, opts.batchSize);
    const s = (performance.now() - t0) / 1000;
    return { backend: probe.backend, batchSize: opts.batchSize, images: set.count, inferImgPerSec: round(set.count / s) };
  } finally {
    probe.dispose();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export interface BatchNormLagPoint {
  step: number;
  /** Share of the moving averages' initial value (mean 0, variance 1) still in them: 0.99^step. */
  initialShare: number;
  /** Validation accuracy with Keras' moving averages (plain `predict`). */
  movingAverages: number;
  /** ... with each BN normalizing by the validation batch's own statistics (batches of the training size). */
  batchStatistics: number;
  /** ... after re-estimating the statistics on clean training images (what the trainer does). */
  recalibrated: number;
}

/**
 * Why `predict` lags after a few hundred steps: trains plain steps (no recalibration in between) and at
 * each checkpoint scores the validation set three ways. Recalibration is undone after each checkpoint
 * so training sees exactly Keras' behaviour.
 */
export async function measureBatchNormLag(
  train: ImageSet,
  val: ImageSet,
  opts: { backend: BackendName; batchSize: number; checkpoints: number[]; calibrationImages?: number; seed?: number },
): Promise<BatchNormLagPoint[]> {
  const probe = await openTrainingProbe({ backend: opts.backend, seed: opts.seed ?? 1 });
  const rng = createRng(opts.seed ?? 1);
  const x = new Float32Array(opts.batchSize * IMAGE_SIZE);
  const y = new Int32Array(opts.batchSize);
  const aug = { rotation: 10, zoom: 0.1, shift: 0.1, noise: 0 };
  const accuracy = (probs: Float32Array, set: ImageSet) => {
    let ok = 0;
    for (let i = 0; i < set.count; i++) {
      let arg = 0;
      for (let c = 1; c < 10; c++) if (probs[i * 10 + c]! > probs[i * 10 + arg]!) arg = c;
      if (arg === set.labels![i]) ok++;
    }
    return ok / set.count;
  };
  const batchStatsAccuracy = () => {
    const p = probe.predictWithBatchStatistics(val, opts.batchSize);
    let ok = 0;
    for (let i = 0; i < val.count; i++) if (p[i] === val.labels![i]) ok++;
    return ok / val.count;
  };
  const points: BatchNormLagPoint[] = [];
  const last = Math.max(...opts.checkpoints);
  let order = permutation(train.count, rng);
  let pos = 0;
  try {
    for (let step = 1; step <= last; step++) {
      if (pos + opts.batchSize > train.count) {
        order = permutation(train.count, rng);
        pos = 0;
      }
      const idx = order.subarray(pos, pos + opts.batchSize);
      pos += opts.batchSize;
      augmentBatch(train.images, idx, x, aug, rng);
      for (let k = 0; k < idx.length; k++) y[k] = train.labels![idx[k]!]!;
      await probe.step(x, y);
      if (!opts.checkpoints.includes(step)) continue;
      const movingAverages = accuracy(probe.predict(val), val);
      const batchStatistics = batchStatsAccuracy();
      const calib = permutation(train.count, createRng(7)).subarray(0, Math.min(train.count, opts.calibrationImages ?? 1024));
      const recalibrated = probe.withRecalibratedBatchNorm(train, calib, () => accuracy(probe.predict(val), val));
      points.push({ step, initialShare: round(0.99 ** step, 4), movingAverages, batchStatistics, recalibrated });
    }
    return points;
  } finally {
    probe.dispose();
  }
}
