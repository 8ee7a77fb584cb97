/**
 * Throughput measurements of the trainer's own step (the same trainStep the trainer runs, with real
 * MNIST batches and augmentation), for `npm run bench`. Timing lives here because it needs TF.js.
 */
import * as tf from '@tensorflow/tfjs';
import { IMAGE_SIZE, type ImageSet } from '../data/types.js';
import { createRng, permutation } from '../random.js';
import { augmentBatch } from './augment.js';
import { initBackend, type BackendName } from './backend.js';
import { buildModel } from './model.js';
import { predictProbabilities, trainStep } from './train.js';

export interface TrainingThroughput {
  backend: string;
  batchSize: number;
  steps: number;
  msPerStep: number;
  trainImgPerSec: number;
  /** Augmentation (rotation/zoom/shift + noise, in JS) per batch, and its share of a step. */
  augmentMsPerBatch: number;
  augmentShare: number;
  /** Tensors alive after the timed steps minus before (0 = no leak). */
  tensorLeak: number;
}

/** Times `steps` training steps (after `warmup`) on real images; median step time. */
export async function measureTraining(
  set: ImageSet,
  opts: { backend: BackendName; batchSize: number; steps: number; warmup?: number; seed?: number },
): Promise<TrainingThroughput> {
  const init = await initBackend(opts.backend);
  const model = buildModel({ dropout: 0.4, l2: 1e-5 }, opts.seed ?? 1);
  const optimizer = tf.train.adam(1e-3);
  const rng = createRng(opts.seed ?? 1);
  const order = permutation(set.count, rng);
  const x = new Float32Array(opts.batchSize * IMAGE_SIZE);
  const y = new Int32Array(opts.batchSize);
  const aug = { rotation: 10, zoom: 0.1, shift: 0.1, noise: 0.05 };
  const stepTimes: number[] = [];
  const augTimes: number[] = [];
  const warmup = opts.warmup ?? 3;
  let before = 0;
  try {
    for (let s = 0; s < warmup + opts.steps; s++) {
      if (s === warmup) before = tf.memory().numTensors;
      const start = (s * opts.batchSize) % Math.max(1, set.count - opts.batchSize);
      const idx = order.subarray(start, start + opts.batchSize);
      const t0 = performance.now();
      augmentBatch(set.images, idx, x, aug, rng);
      for (let k = 0; k < idx.length; k++) y[k] = set.labels![idx[k]!]!;
      const t1 = performance.now();
      const [loss, correct] = trainStep(model, optimizer, x.subarray(0, idx.length * IMAGE_SIZE), y.subarray(0, idx.length));
      await loss.data(); // wait for the step to finish (GPU backends run asynchronously)
      tf.dispose([loss, correct]);
      const t2 = performance.now();
      if (s >= warmup) {
        stepTimes.push(t2 - t0);
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
      trainImgPerSec: round((opts.batchSize * 1000) / ms),
      augmentMsPerBatch: round(augMs),
      augmentShare: round(augMs / ms, 4),
      tensorLeak: leak,
    };
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
