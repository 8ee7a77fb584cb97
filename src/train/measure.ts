/**
 * Throughput measurements of the trainer's own step (the same trainStep the trainer runs, with real
 * MNIST batches and augmentation), for `npm run bench`. Timing lives here because it needs TF.js.
 */
import * as tf from '@tensorflow/tfjs';
import { IMAGE_SIZE, type ImageSet } from '../data/types.js';
import { createRng, permutation } from '../random.js';
import { augmentBatch } from './augment.js';
import { initBackend, type BackendName } from './backend.js';
import { countDispatches, type DispatchCount } from './dispatches.js';
import { buildModel } from './model.js';
import { createOptimizer, predictProbabilities, trainStep } from './train.js';

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
  const init = await initBackend(opts.backend);
  const model = buildModel({ dropout: 0.4, l2: 0 }, opts.seed ?? 1); // the trainer's defaults
  const optimizer = createOptimizer(1e-3);
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
  let dispatches: { result: [tf.Scalar, tf.Scalar]; count: DispatchCount } | null = null;
  try {
    for (let s = 0; s < warmup + opts.steps; s++) {
      if (s === warmup) before = tf.memory().numTensors;
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
      const [loss, correct] =
        s === warmup - 1 || (warmup === 0 && s === 0)
          ? ((dispatches = countDispatches(() => trainStep(model, optimizer, xs, ys))), dispatches.result)
          : trainStep(model, optimizer, xs, ys);
      await loss.data(); // wait for the step to finish (GPU backends run asynchronously)
      tf.dispose([loss, correct]);
      const t2 = performance.now();
      const cpu = process.cpuUsage(cpu0);
      if (s >= warmup) {
        stepTimes.push(t2 - t0);
        cpuTimes.push((cpu.user + cpu.system) / 1000);
        augTimes.push(t1 - t0);
      }
    }
    const leak = tf.memory().numTensors - before;
    const ms = median(stepTimes);
    const augMs = median(augTimes);
    return {
      backend: init.name,
      batchSize: opts.batchSize,
      steps: opts.steps,
      msPerStep: round(ms),
      cpuMsPerStep: round(median(cpuTimes)),
      trainImgPerSec: round((opts.batchSize * 1000) / ms),
      augmentMsPerBatch: round(augMs),
      augmentShare: round(augMs / ms, 4),
      tensorLeak: leak,
      dispatchesPerStep: dispatches!.count.total,
      ...(dispatches!.count.gpuDispatches === undefined ? {} : { gpuDispatchesPerStep: dispatches!.count.gpuDispatches }),
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/**
 * Kernel dispatches of one training step of the trainer's model (the step the trainer runs), after one
 * warm-up step (the first step also creates the optimizer's slots). Random images: the count does not
 * depend on the pixels.
 */
export async function countStepDispatches(opts: { backend: BackendName; batchSize: number; seed?: number; l2?: number }): Promise<DispatchCount> {
  await initBackend(opts.backend);
  const model = buildModel({ dropout: 0.4, l2: opts.l2 ?? 0 }, opts.seed ?? 1);
  const optimizer = createOptimizer(1e-3);
  const rng = createRng(opts.seed ?? 1);
  const x = Float32Array.from({ length: opts.batchSize * IMAGE_SIZE }, () => rng.next());
  const y = Int32Array.from({ length: opts.batchSize }, (_, i) => i % 10);
  try {
    tf.dispose(trainStep(model, optimizer, x, y));
    const { result, count } = countDispatches(() => trainStep(model, optimizer, x, y));
    tf.dispose(result);
    return count;
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/** Inference images per second of a fresh model over `set` (batches of `batchSize`). */
export async function measureInference(set: ImageSet, opts: { backend: BackendName; batchSize: number }): Promise<{ backend: string; batchSize: number; images: number; inferImgPerSec: number }> {
  const init = await initBackend(opts.backend);
  const model = buildModel({ dropout: 0.4, l2: 0 });
  try {
    predictProbabilities(model, { ...set, count: Math.min(set.count, opts.batchSize) }, opts.batchSize); // warm-up
    const t0 = performance.now();
    predictProbabilities(model, set, opts.batchSize);
    const s = (performance.now() - t0) / 1000;
    return { backend: init.name, batchSize: opts.batchSize, images: set.count, inferImgPerSec: round(set.count / s) };
  } finally {
    model.dispose();
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
  await initBackend(opts.backend);
  const { calibrateBatchNorm } = await import('./batchnorm.js');
  const model = buildModel({ dropout: 0.4, l2: 0 }, opts.seed ?? 1);
  const optimizer = createOptimizer(1e-3);
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
    let ok = 0;
    for (let i = 0; i < val.count; i += opts.batchSize) {
      const n = Math.min(opts.batchSize, val.count - i);
      const pred = tf.tidy(() => {
        let t: tf.Tensor = tf.tensor4d(Float32Array.from(val.images.subarray(i * IMAGE_SIZE, (i + n) * IMAGE_SIZE), (v) => v / 255), [n, 28, 28, 1]);
        for (const layer of model.layers) {
          if (layer.getClassName() === 'BatchNormalization') {
            const { mean, variance } = tf.moments(t, [0, 1, 2]);
            const [gamma, beta] = layer.getWeights();
            t = tf.batchNorm(t, mean, variance, beta, gamma, 1e-3);
          } else t = layer.apply(t, { training: false }) as tf.Tensor;
        }
        return tf.argMax(t, 1);
      });
      const p = pred.dataSync();
      pred.dispose();
      for (let k = 0; k < n; k++) if (p[k] === val.labels![i + k]) ok++;
    }
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
      const [loss, correct] = trainStep(model, optimizer, x, y);
      tf.dispose([loss, correct]);
      if (!opts.checkpoints.includes(step)) continue;
      const movingAverages = accuracy(predictProbabilities(model, val), val);
      const batchStatistics = batchStatsAccuracy();
      const saved = model.getWeights().map((w) => w.clone());
      const calib = permutation(train.count, createRng(7)).subarray(0, Math.min(train.count, opts.calibrationImages ?? 1024));
      calibrateBatchNorm(model, (function* () {
        for (let i = 0; i < calib.length; i += 512) {
          const n = Math.min(512, calib.length - i);
          const buf = new Float32Array(n * IMAGE_SIZE);
          for (let k = 0; k < n; k++) for (let p = 0; p < IMAGE_SIZE; p++) buf[k * IMAGE_SIZE + p] = train.images[calib[i + k]! * IMAGE_SIZE + p]! / 255;
          const t = tf.tensor4d(buf, [n, 28, 28, 1]);
          try {
            yield t;
          } finally {
            t.dispose();
          }
        }
      })());
      const recalibrated = accuracy(predictProbabilities(model, val), val);
      model.setWeights(saved);
      tf.dispose(saved);
      points.push({ step, initialShare: round(0.99 ** step, 4), movingAverages, batchStatistics, recalibrated });
    }
    return points;
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
