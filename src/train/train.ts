/**
 * The trainer: one trial of the seed CNN. A custom loop (optimizer.minimize, no per-batch readback),
 * seeded shuffling and augmentation, per-epoch LR decay and optional reduce-on-plateau, BatchNorm
 * recalibration before every validation (see batchnorm.ts), best-epoch weights kept. `onEpochEnd`
 * returning true stops training: that is how the sweep prunes.
 */
import * as tf from '@tensorflow/tfjs';
import { IMAGE_SIZE, NUM_CLASSES, type Dataset, type ImageSet } from '../data/types.js';
import { createRng, mixSeed, permutation } from '../random.js';
import { fixedSchema } from '../search-space/schema.js';
import { improves } from '../study/objective.js';
import type { EpochMetrics, Objective, TrainParams, TrialEvaluation } from '../study/types.js';
import { augmentBatch } from './augment.js';
import { initBackend, type BackendInit, type BackendName } from './backend.js';
import { calibrateBatchNorm } from './batchnorm.js';
import { FusedAdamOptimizer } from './fused/index.js';
import { buildModel, regularizationLosses } from './model.js';
import { saveModel } from './model-io.js';

/** The trainer's defaults: the search space's `fixed` defaults (the seed notebook's settings). */
const { epochs: _epochs, batchSize: _batchSize, ...fixedDefaults } = fixedSchema.parse({});
export const DEFAULT_TRAIN_PARAMS: TrainParams = fixedDefaults;

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  seed: number;
  backend?: BackendName;
  /** Called after every epoch; returning true stops training (the trial is pruned). */
  onEpochEnd?: (metrics: EpochMetrics) => boolean | void | Promise<boolean | void>;
  /** Called after every training batch (1-based), for progress bars. */
  onBatchEnd?: (batch: number, batches: number) => void;
  /** Where to save the best-epoch model and eval.json when training ran to its end. */
  saveDir?: string;
  /** Which epoch is best (kept, saved, `bestEpoch`): the trial's objective. Default: highest valAcc. */
  objective?: Objective;
  /** Clean training images used to re-estimate BatchNorm statistics before validation (0 = Keras' moving averages). */
  bnCalibrationImages?: number;
}

export interface TrainResult {
  history: EpochMetrics[];
  /** True when onEpochEnd stopped training. */
  stopped: boolean;
  bestEpoch: number;
  backend: BackendInit;
  /** Validation confusion matrix and mistakes of the best epoch. */
  evaluation: TrialEvaluation | null;
}

const EVAL_BATCH = 512;
const MAX_MISTAKES = 100;

export async function train(params: TrainParams, data: Dataset, opts: TrainOptions): Promise<TrainResult> {
  if (data.train.count === 0 || data.val.count === 0) throw new Error('train: empty training or validation set');
  if (!data.train.labels || !data.val.labels) throw new Error('train: training and validation sets need labels');
  const backend = await initBackend(opts.backend ?? 'auto');
  const model = buildModel(params, opts.seed);
  const optimizer = createOptimizer(params.lr);
  const augment = { rotation: params.rotation, zoom: params.zoom, shift: params.shift, noise: params.noise };
  const calibration = Math.min(opts.bnCalibrationImages ?? 1024, data.train.count);
  // A fixed random subset of clean training images for BatchNorm recalibration.
  const calibrationIndices = calibration > 0 ? permutation(data.train.count, createRng(mixSeed(opts.seed, 0xb7))).subarray(0, calibration) : null;
  const history: EpochMetrics[] = [];
  const batches = Math.ceil(data.train.count / opts.batchSize);
  const xBuf = new Float32Array(opts.batchSize * IMAGE_SIZE);
  const yBuf = new Int32Array(opts.batchSize);
  const objective: Objective = opts.objective ?? { metric: 'valAcc', direction: 'maximize' };
  // The kept epoch: the one that earns the trial's value (optimize.ts bestValue: first best finite value).
  let best: { epoch: number; value: number; valAcc: number; weights: tf.Tensor[]; predicted: Uint8Array; probability: Float32Array } | null = null;
  let bestValAcc = -Infinity; // reduce-on-plateau watches validation accuracy
  let plateauScale = 1;
  let sincePlateauBest = 0;
  let stopped = false;

  try {
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      const started = performance.now();
      const lr = params.lr * params.lrDecay ** (epoch - 1) * plateauScale;
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      const rng = createRng(mixSeed(opts.seed, epoch));
      const order = permutation(data.train.count, rng);
      let lossSum: tf.Scalar = tf.scalar(0);
      let correctSum: tf.Scalar = tf.scalar(0);
      for (let b = 0; b < batches; b++) {
        const idx = order.subarray(b * opts.batchSize, Math.min((b + 1) * opts.batchSize, data.train.count));
        const n = idx.length;
        augmentBatch(data.train.images, idx, xBuf, augment, rng);
        for (let k = 0; k < n; k++) yBuf[k] = data.train.labels[idx[k]!]!;
        const [batchLoss, batchCorrect] = trainStep(model, optimizer, xBuf.subarray(0, n * IMAGE_SIZE), yBuf.subarray(0, n));
        const nextLoss = tf.add(lossSum, batchLoss) as tf.Scalar;
        const nextCorrect = tf.add(correctSum, batchCorrect) as tf.Scalar;
        tf.dispose([lossSum, correctSum, batchLoss, batchCorrect]);
        lossSum = nextLoss;
        correctSum = nextCorrect;
        opts.onBatchEnd?.(b + 1, batches);
        if (b % 16 === 15) await tf.nextFrame(); // let the event loop breathe (ports, signals)
      }
      const trainLoss = (await lossSum.data())[0]! / data.train.count;
      const trainAcc = (await correctSum.data())[0]! / data.train.count;
      tf.dispose([lossSum, correctSum]);

      if (calibration > 0) calibrateBatchNorm(model, tensorBatches(data.train, calibrationIndices!, EVAL_BATCH));
      const val = evaluate(model, data.val);
      const metrics: EpochMetrics = {
        epoch,
        trainLoss,
        trainAcc,
        valLoss: val.loss,
        valAcc: val.accuracy,
        lr,
        seconds: (performance.now() - started) / 1000,
      };
      history.push(metrics);
      const value = objective.metric === 'valAcc' ? val.accuracy : val.loss;
      if (improves(value, best ? best.value : null, objective)) {
        if (best) tf.dispose(best.weights);
        best = { epoch, value, valAcc: val.accuracy, weights: model.getWeights().map((w) => w.clone()), predicted: val.predicted, probability: val.probability };
      }
      if (val.accuracy > bestValAcc) {
        bestValAcc = val.accuracy;
        sincePlateauBest = 0;
      } else if (params.plateauPatience > 0 && ++sincePlateauBest >= params.plateauPatience) {
        plateauScale *= params.plateauFactor;
        sincePlateauBest = 0;
      }
      if (!Number.isFinite(trainLoss) || (await opts.onEpochEnd?.(metrics)) === true) {
        stopped = true;
        break;
      }
    }
    if (!best) throw new Error('train: no epoch ran');
    model.setWeights(best.weights);
    const evaluation = buildEvaluation(data.val, best.predicted, best.probability, best.valAcc);
    if (opts.saveDir && !stopped) {
      await saveModel(model, opts.saveDir, { 'eval.json': JSON.stringify(evaluation) });
    }
    return { history, stopped, bestEpoch: best.epoch, backend, evaluation };
  } finally {
    if (best) tf.dispose(best.weights);
    optimizer.dispose();
    model.dispose();
  }
}

/**
 * The trainer's optimizer: tf.train.adam's arithmetic as one fused update of every variable where the
 * backend has the kernel. Its state (iterations, first and second moments, as tf.AdamOptimizer) is read
 * with `await optimizer.getWeights()` and restored with `await optimizer.setWeights(saved)`.
 */
export function createOptimizer(lr: number): FusedAdamOptimizer {
  return new FusedAdamOptimizer(lr);
}

/** One optimizer step; returns the batch's summed loss and correct count as scalars (no readback). */
export function trainStep(model: tf.Sequential, optimizer: tf.Optimizer, x: Float32Array, y: Int32Array): [tf.Scalar, tf.Scalar] {
  const n = y.length;
  let lossOut: tf.Scalar | null = null;
  let correctOut: tf.Scalar | null = null;
  tf.tidy(() => {
    const xs = tf.tensor4d(x, [n, 28, 28, 1]);
    const labels = tf.tensor1d(y, 'int32');
    const ys = tf.oneHot(labels, NUM_CLASSES);
    optimizer.minimize(() => {
      const probs = model.apply(xs, { training: true }) as tf.Tensor2D;
      const perExample = tf.metrics.categoricalCrossentropy(ys, probs);
      const dataLoss = tf.mean(perExample);
      lossOut = tf.keep(tf.sum(perExample) as tf.Scalar);
      correctOut = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(probs, 1), labels), 'float32')) as tf.Scalar);
      const penalties = regularizationLosses(model);
      return (penalties.length ? tf.add(dataLoss, tf.addN(penalties)) : dataLoss) as tf.Scalar;
    }, false);
  });
  return [lossOut!, correctOut!];
}

/** Clean (unaugmented) images of `set` as [n, 28, 28, 1] tensors, disposed when the consumer moves on. */
function* tensorBatches(set: ImageSet, indices: ArrayLike<number> | null, size: number): Generator<tf.Tensor4D> {
  const buf = new Float32Array(size * IMAGE_SIZE);
  const total = indices ? indices.length : set.count;
  for (let i = 0; i < total; i += size) {
    const n = Math.min(size, total - i);
    for (let k = 0; k < n; k++) {
      const src = (indices ? indices[i + k]! : i + k) * IMAGE_SIZE;
      for (let p = 0; p < IMAGE_SIZE; p++) buf[k * IMAGE_SIZE + p] = set.images[src + p]! / 255;
    }
    const t = tf.tensor4d(buf.subarray(0, n * IMAGE_SIZE), [n, 28, 28, 1]);
    try {
      yield t;
    } finally {
      t.dispose();
    }
  }
}

/** Softmax probabilities of `model` on `set`, in batches, as one [count, 10] Float32Array. */
export function predictProbabilities(model: tf.LayersModel, set: ImageSet, batchSize = EVAL_BATCH): Float32Array {
  const out = new Float32Array(set.count * NUM_CLASSES);
  let offset = 0;
  for (const batch of tensorBatches(set, null, batchSize)) {
    const probs = tf.tidy(() => model.predict(batch) as tf.Tensor);
    out.set(probs.dataSync() as Float32Array, offset);
    offset += probs.size;
    probs.dispose();
  }
  return out;
}

function evaluate(model: tf.LayersModel, set: ImageSet) {
  const probs = predictProbabilities(model, set);
  const predicted = new Uint8Array(set.count);
  const probability = new Float32Array(set.count);
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < set.count; i++) {
    let arg = 0;
    for (let c = 1; c < NUM_CLASSES; c++) if (probs[i * NUM_CLASSES + c]! > probs[i * NUM_CLASSES + arg]!) arg = c;
    predicted[i] = arg;
    probability[i] = probs[i * NUM_CLASSES + arg]!;
    const label = set.labels![i]!;
    loss -= Math.log(Math.min(Math.max(probs[i * NUM_CLASSES + label]!, 1e-7), 1 - 1e-7));
    if (arg === label) correct++;
  }
  return { loss: loss / set.count, accuracy: correct / set.count, predicted, probability };
}

function buildEvaluation(set: ImageSet, predicted: Uint8Array, probability: Float32Array, valAcc: number): TrialEvaluation {
  const confusion = Array.from({ length: NUM_CLASSES }, () => new Array<number>(NUM_CLASSES).fill(0));
  const mistakes: TrialEvaluation['mistakes'] = [];
  for (let i = 0; i < set.count; i++) {
    const label = set.labels![i]!;
    confusion[label]![predicted[i]!]!++;
    if (label !== predicted[i] && mistakes.length < MAX_MISTAKES) {
      mistakes.push({
        index: i,
        label,
        predicted: predicted[i]!,
        probability: probability[i]!,
        pixels: Array.from(set.images.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE)),
      });
    }
  }
  return { valAcc, confusion, mistakes };
}
