/**
 * Inference for `export` and `predict`: softmax probabilities of one model or the mean of several
 * (an ensemble), optionally averaged over fixed test-time augmentation views (tta.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { IMAGE_SIZE, NUM_CLASSES, type ImageSet } from '../data/types.js';
import { UserError } from '../core/errors.js';
import { loadModel } from './model-io.js';
import { CLEAN_VIEW, TTA_VIEWS, viewImages, type TtaView } from './tta.js';

export interface PredictOptions {
  /** Average each model's softmax over the TTA views (clean image + fixed shifts and rotations). */
  tta?: boolean;
  batchSize?: number;
  /** Called once every model is loaded (and so checked), before the first prediction. */
  onReady?: () => void;
  /** Called after every batch with the batches done and the total (all models and views). */
  onProgress?: (done: number, total: number) => void;
}

export interface EnsemblePrediction {
  /** Mean of the models' probabilities: [count * 10], row i = image i. */
  probabilities: Float32Array;
  /** Each model's probabilities (TTA-averaged when asked), in the order of `modelDirs`. */
  perModel: Float32Array[];
  /** The views each model saw (1 without TTA). */
  views: readonly TtaView[];
}

const DEFAULT_BATCH = 256;

/**
 * Loads a TF.js layers model for inference and checks it maps 28x28x1 images to 10 probabilities; a
 * missing, corrupt or foreign model is a one-line UserError.
 */
export async function loadClassifier(dir: string): Promise<tf.LayersModel> {
  const model = await loadModel(dir);
  const input = model.inputs[0]?.shape ?? [];
  const output = model.outputs[0]?.shape ?? [];
  const same = (a: readonly (number | null)[], b: readonly (number | null)[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  if (model.inputs.length !== 1 || !same(input.slice(1), [28, 28, 1]) || model.outputs.length !== 1 || !same(output.slice(1), [NUM_CLASSES])) {
    model.dispose();
    throw new UserError(`${dir}: not a digit classifier (input ${JSON.stringify(input)}, output ${JSON.stringify(output)}; expected [null,28,28,1] -> [null,10])`);
  }
  return model;
}

/**
 * Probabilities of the models in `modelDirs` on `images`, each model's and their mean. Every model is
 * loaded (and so validated) before any prediction starts.
 */
export async function predictEnsemble(modelDirs: readonly string[], images: ImageSet, opts: PredictOptions = {}): Promise<EnsemblePrediction> {
  if (modelDirs.length === 0) throw new Error('predictEnsemble: no model');
  const views = opts.tta ? TTA_VIEWS : [CLEAN_VIEW];
  const batchSize = opts.batchSize ?? DEFAULT_BATCH;
  const models: tf.LayersModel[] = [];
  try {
    for (const dir of modelDirs) models.push(await loadClassifier(dir));
    opts.onReady?.();
    const batches = Math.ceil(images.count / batchSize);
    const total = models.length * views.length * batches;
    let done = 0;
    const buf = new Float32Array(batchSize * IMAGE_SIZE);
    const perModel: Float32Array[] = [];
    for (const model of models) {
      const sum = new Float32Array(images.count * NUM_CLASSES);
      for (const view of views) {
        for (let first = 0; first < images.count; first += batchSize) {
          const n = Math.min(batchSize, images.count - first);
          viewImages(images.images, first, n, view, buf);
          const probs = tf.tidy(() => model.predict(tf.tensor4d(buf.subarray(0, n * IMAGE_SIZE), [n, 28, 28, 1])) as tf.Tensor);
          const values = (await probs.data()) as Float32Array;
          probs.dispose();
          const offset = first * NUM_CLASSES;
          for (let i = 0; i < values.length; i++) sum[offset + i]! += values[i]!;
          opts.onProgress?.(++done, total);
        }
      }
      if (views.length > 1) for (let i = 0; i < sum.length; i++) sum[i]! /= views.length;
      perModel.push(sum);
    }
    return { probabilities: meanOfModels(perModel), perModel, views };
  } finally {
    for (const m of models) m.dispose();
  }
}

/** The mean of the models' probabilities (summed in model order, then divided); the first one alone as is. */
export function meanOfModels(arrays: Float32Array[]): Float32Array {
  if (arrays.length === 1) return arrays[0]!;
  const out = new Float32Array(arrays[0]!.length);
  for (const a of arrays) for (let i = 0; i < out.length; i++) out[i]! += a[i]!;
  for (let i = 0; i < out.length; i++) out[i]! /= arrays.length;
  return out;
}
