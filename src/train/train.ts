/**
 * The trainer: one trial of the seed CNN. A custom loop (optimizer.minimize, no per-batch readback),
 * seeded shuffling and augmentation, a per-epoch LR schedule (train/lr-schedule.ts), optional label
 * smoothing of the training loss and optional reduce-on-plateau, BatchNorm
 * recalibration before every validation (see batchnorm.ts), best-epoch weights kept. `onEpochEnd`
 * returning true stops training: that is how the sweep prunes.
 *
 * Checkpoints (`checkpoint`, a file; storage/checkpoint.ts): after every epoch, before it is reported,
 * the trainer saves the weights (BatchNorm statistics included), Adam's state (step and both moments),
 * the LR schedule (plateau scale and counter), the best epoch's weights and validation predictions, and
 * the RNG position. A run that finds a checkpoint restores all of it, reports the saved epochs again
 * (the driver answers them from its record) and trains on from the next epoch: the same stream as an
 * uninterrupted run, because every random draw comes from a counter-based seed (shuffle and
 * augmentation: mixSeed(seed, epoch); dropout: mixSeed(seed, step, layer), set on each Dropout layer
 * before every step, where `step` is Adam's step count).
 *
 * Without a validation set (a refit trial: data.val is empty, see data/dataset.ts withoutHoldOut) the
 * trainer validates nothing: every epoch's valLoss and valAcc are NaN, the kept model is the last
 * epoch's, reduce-on-plateau is off (it has nothing to watch) and no eval.json is written.
 */
import * as tf from '@tensorflow/tfjs';
import { IMAGE_SIZE, NUM_CLASSES, type Dataset, type ImageSet } from '../data/types.js';
import { createRng, mixSeed, permutation } from '../core/random.js';
import { scheduledLr } from './lr-schedule.js';
import { improves } from '../core/objective.js';
import type { EpochMetrics, Objective, TrainParams, TrialEvaluation } from '../core/types.js';
import { augmentBatch } from './augment.js';
import { initBackend, type BackendInit, type BackendName } from './backend.js';
import { calibrateBatchNorm } from './batchnorm.js';
import { FusedAdamOptimizer } from './ops/index.js';
import { buildModel, regularizationLosses } from './model.js';
import { saveModel } from './model-io.js';
import { readCheckpointFile, writeCheckpointFile, type Checkpoint, type CheckpointArray } from '../storage/checkpoint.js';

/** The trainer's defaults (the seed notebook's settings), declared with the params in core/train-params.ts. */
export { DEFAULT_TRAIN_PARAMS } from '../core/train-params.js';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  seed: number;
  backend?: BackendName;
  /** wasm: threads of the backend (initBackend's `threads`; default 1). */
  threads?: number;
  /** Called after every epoch; returning true stops training (the trial is pruned). */
  onEpochEnd?: (metrics: EpochMetrics) => boolean | void | Promise<boolean | void>;
  /** Called after every training batch (1-based) of epoch `epoch`, for progress bars. */
  onBatchEnd?: (batch: number, batches: number, epoch: number) => void;
  /** Where to save the best-epoch model and eval.json when training ran to its end. */
  saveDir?: string;
  /** Which epoch is best (kept, saved, `bestEpoch`): the trial's objective. Default: highest valAcc. */
  objective?: Objective;
  /** Clean training images used to re-estimate BatchNorm statistics before validation (0 = Keras' moving averages). */
  bnCalibrationImages?: number;
  /** Checkpoint file: resume from it if it exists; rewritten after every epoch (see the top of this file). */
  checkpoint?: string;
}

export interface TrainResult {
  history: EpochMetrics[];
  /** True when onEpochEnd stopped training. */
  stopped: boolean;
  bestEpoch: number;
  backend: BackendInit;
  /** Validation confusion matrix and mistakes of the best epoch. */
  evaluation: TrialEvaluation | null;
  /** The first epoch this run trained (1, or the epoch after a resumed checkpoint's). */
  resumedAt: number;
}

const EVAL_BATCH = 512;
/** An epoch's "validation" when there is no validation set. */
const NOT_VALIDATED = { loss: NaN, accuracy: NaN, predicted: new Uint8Array(0), probability: new Float32Array(0) };
const MAX_MISTAKES = 100;

export async function train(params: TrainParams, data: Dataset, opts: TrainOptions): Promise<TrainResult> {
  if (data.train.count === 0) throw new Error('train: empty training set');
  if (!data.train.labels || (data.val.count > 0 && !data.val.labels)) throw new Error('train: training and validation sets need labels');
  const validate = data.val.count > 0;
  const backend = await initBackend(opts.backend ?? 'auto', opts.threads !== undefined ? { threads: opts.threads } : {});
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
  let best: Best | null = null;
  let bestValAcc = -Infinity; // reduce-on-plateau watches validation accuracy
  let plateauScale = 1;
  let sincePlateauBest = 0;
  let stopped = false;
  let step = 0;
  const dropouts = model.layers.filter((l) => l.getClassName() === 'Dropout');

  try {
    const saved = opts.checkpoint ? await readCheckpointFile(opts.checkpoint) : null;
    if (saved) {
      const restored = await restoreCheckpoint(saved, model, optimizer, opts.checkpoint!);
      ({ plateauScale, sincePlateauBest, step, bestValAcc } = restored);
      best = restored.best;
    }
    const firstEpoch = (saved?.epoch ?? 0) + 1;
    for (const m of saved?.history ?? []) {
      history.push(m);
      if ((await opts.onEpochEnd?.(m)) === true) {
        stopped = true;
        break;
      }
    }
    for (let epoch = firstEpoch; epoch <= opts.epochs && !stopped; epoch++) {
      const started = performance.now();
      const lr = scheduledLr(epoch, opts.epochs, params) * plateauScale;
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
        step++;
        dropouts.forEach((l, i) => ((l as unknown as { seed?: number }).seed = mixSeed(opts.seed, 0xd0, step, i)));
        const [batchLoss, batchCorrect] = trainStep(model, optimizer, xBuf.subarray(0, n * IMAGE_SIZE), yBuf.subarray(0, n), params.labelSmoothing);
        const nextLoss = tf.add(lossSum, batchLoss) as tf.Scalar;
        const nextCorrect = tf.add(correctSum, batchCorrect) as tf.Scalar;
        tf.dispose([lossSum, correctSum, batchLoss, batchCorrect]);
        lossSum = nextLoss;
        correctSum = nextCorrect;
        opts.onBatchEnd?.(b + 1, batches, epoch);
        if (b % 16 === 15) await tf.nextFrame(); // let the event loop breathe (ports, signals)
      }
      const trainLoss = (await lossSum.data())[0]! / data.train.count;
      const trainAcc = (await correctSum.data())[0]! / data.train.count;
      tf.dispose([lossSum, correctSum]);

      if (calibration > 0) calibrateBatchNorm(model, tensorBatches(data.train, calibrationIndices!, EVAL_BATCH));
      const val = validate ? evaluate(model, data.val) : NOT_VALIDATED;
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
      // Not validated: the last epoch is the kept one.
      if (!validate || improves(value, best ? best.value : null, objective)) {
        if (best) tf.dispose(best.weights);
        best = { epoch, value, valAcc: val.accuracy, weights: model.getWeights().map((w) => w.clone()), predicted: val.predicted, probability: val.probability };
      }
      if (val.accuracy > bestValAcc) {
        bestValAcc = val.accuracy;
        sincePlateauBest = 0;
      } else if (validate && params.plateauPatience > 0 && ++sincePlateauBest >= params.plateauPatience) {
        plateauScale *= params.plateauFactor;
        sincePlateauBest = 0;
      }
      if (opts.checkpoint) {
        await writeCheckpointFile(opts.checkpoint, await makeCheckpoint(epoch, history, model, optimizer, best, { plateauScale, sincePlateauBest, step, bestValAcc }));
      }
      if (!Number.isFinite(trainLoss) || (await opts.onEpochEnd?.(metrics)) === true) {
        stopped = true;
        break;
      }
    }
    if (!best) throw new Error('train: no epoch ran');
    model.setWeights(best.weights);
    for (const l of dropouts) (l as unknown as { seed?: number }).seed = undefined; // the saved model carries no training seed
    const evaluation = validate ? buildEvaluation(data.val, best.predicted, best.probability, best.valAcc) : null;
    if (opts.saveDir && !stopped) {
      await saveModel(model, opts.saveDir, evaluation ? { 'eval.json': JSON.stringify(evaluation) } : {});
    }
    return { history, stopped, bestEpoch: best.epoch, backend, evaluation, resumedAt: (saved?.epoch ?? 0) + 1 };
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

type Best = { epoch: number; value: number; valAcc: number; weights: tf.Tensor[]; predicted: Uint8Array; probability: Float32Array };
interface LoopState {
  plateauScale: number;
  sincePlateauBest: number;
  /** Best validation accuracy so far (reduce-on-plateau). */
  bestValAcc: number;
  /** Optimizer steps done: the dropout RNG position. */
  step: number;
}

async function toArray(name: string, t: tf.Tensor): Promise<CheckpointArray> {
  return { name, shape: [...t.shape], data: Float32Array.from(await t.data()) };
}

/** Everything train() needs to continue after `epoch` (see the top of this file). */
async function makeCheckpoint(epoch: number, history: EpochMetrics[], model: tf.LayersModel, optimizer: tf.Optimizer, best: Best | null, loop: LoopState): Promise<Checkpoint> {
  const arrays: CheckpointArray[] = [];
  for (const [i, w] of model.getWeights().entries()) arrays.push(await toArray(`w/${i}`, w));
  const opt = await optimizer.getWeights(); // [iterations, first moments..., second moments...]
  try {
    for (const [i, w] of opt.entries()) arrays.push(await toArray(`opt/${i}`, w.tensor));
  } finally {
    opt[0]?.tensor.dispose(); // the iterations scalar is a new tensor; the moments are the optimizer's own variables
  }
  // The best epoch's weights, unless they are the current ones (none yet: every value was NaN).
  if (best) {
    if (best.epoch !== epoch) for (const [i, w] of best.weights.entries()) arrays.push(await toArray(`best/${i}`, w));
    arrays.push({ name: 'best-predicted', shape: [best.predicted.length], data: Float32Array.from(best.predicted) });
    arrays.push({ name: 'best-probability', shape: [best.probability.length], data: best.probability });
  }
  const bestState = best ? { bestEpoch: best.epoch, bestValue: best.value, bestEpochValAcc: best.valAcc } : { bestEpoch: 0 };
  // JSON has no -Infinity: null stands for "no accuracy yet".
  const { bestValAcc, ...rest } = loop;
  return {
    epoch,
    history: [...history],
    state: { trainer: 'tfjs', ...rest, bestValAcc: Number.isFinite(bestValAcc) ? bestValAcc : null, ...bestState, optimizerNames: opt.map((w) => w.name) },
    arrays,
  };
}

/** Puts a checkpoint's weights and optimizer state into `model` and `optimizer`; returns the loop state and the best epoch. */
async function restoreCheckpoint(cp: Checkpoint, model: tf.LayersModel, optimizer: tf.Optimizer, where: string): Promise<LoopState & { best: Best | null }> {
  const indexed = (prefix: string) =>
    cp.arrays
      .map((a) => ({ a, m: new RegExp(`^${prefix}/(\\d+)$`).exec(a.name) }))
      .filter((x) => x.m)
      .sort((x, y) => Number(x.m![1]) - Number(y.m![1]))
      .map((x) => x.a);
  const named = (name: string) => cp.arrays.find((a) => a.name === name);
  const weights = indexed('w');
  if (weights.length !== model.weights.length) throw new Error(`${where}: checkpoint has ${weights.length} weight arrays, the model ${model.weights.length}`);
  const opt = indexed('opt');
  if (opt.length !== 1 + 2 * model.trainableWeights.length) throw new Error(`${where}: checkpoint has ${opt.length} optimizer arrays, expected ${1 + 2 * model.trainableWeights.length}`);
  const predicted = named('best-predicted');
  const probability = named('best-probability');
  const st = cp.state as {
    plateauScale?: number;
    sincePlateauBest?: number;
    step?: number;
    bestValAcc?: number | null;
    bestEpoch?: number;
    bestValue?: number;
    bestEpochValAcc?: number;
    optimizerNames?: string[];
  };
  if (typeof st.bestEpoch !== 'number' || typeof st.step !== 'number') throw new Error(`${where}: checkpoint without its best epoch or step`);
  if (st.bestEpoch > 0 && (!predicted || !probability)) throw new Error(`${where}: checkpoint without its best epoch's predictions`);
  const toTensor = (a: CheckpointArray) => tf.tensor(a.data, a.shape);
  const w = weights.map(toTensor);
  model.setWeights(w);
  tf.dispose(w);
  const names = st.optimizerNames ?? [];
  const optTensors = opt.map((a, i) => ({ name: names[i] ?? `opt/${i}`, tensor: i === 0 ? tf.scalar(a.data[0]!, 'int32') : toTensor(a) }));
  await optimizer.setWeights(optTensors);
  tf.dispose(optTensors.map((x) => x.tensor)); // the optimizer made its own variables of them
  const bestArrays = indexed('best');
  const best: Best | null =
    st.bestEpoch > 0
      ? {
          epoch: st.bestEpoch,
          value: st.bestValue ?? NaN,
          valAcc: st.bestEpochValAcc ?? NaN,
          weights: bestArrays.length ? bestArrays.map(toTensor) : model.getWeights().map((x) => x.clone()),
          predicted: Uint8Array.from(predicted!.data),
          probability: Float32Array.from(probability!.data),
        }
      : null;
  return {
    plateauScale: st.plateauScale ?? 1,
    sincePlateauBest: st.sincePlateauBest ?? 0,
    bestValAcc: st.bestValAcc ?? -Infinity,
    step: st.step,
    best,
  };
}

/**
 * One optimizer step; returns the batch's summed loss and correct count as scalars (no readback). With
 * `labelSmoothing` a the loss is the cross-entropy against y * (1 - a) + a / 10 (Keras'
 * categorical_crossentropy(label_smoothing=a)), and so is the returned training loss.
 */
export function trainStep(model: tf.Sequential, optimizer: tf.Optimizer, x: Float32Array, y: Int32Array, labelSmoothing = 0): [tf.Scalar, tf.Scalar] {
  const n = y.length;
  let lossOut: tf.Scalar | null = null;
  let correctOut: tf.Scalar | null = null;
  tf.tidy(() => {
    const xs = tf.tensor4d(x, [n, 28, 28, 1]);
    const labels = tf.tensor1d(y, 'int32');
    const oneHot = tf.oneHot(labels, NUM_CLASSES);
    const ys = labelSmoothing > 0 ? tf.add(tf.mul(oneHot, 1 - labelSmoothing), labelSmoothing / NUM_CLASSES) : oneHot;
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
