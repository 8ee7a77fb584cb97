/**
 * The seed notebook's Keras CNN, exactly: 459,210 parameters (458,634 trainable).
 * `buildModel(params)` makes a fresh model per trial; nothing is built at import time.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainParams } from '../core/types.js';
import { batchNormalization, conv2d, dropout } from './ops/index.js';

export const MODEL_PARAMS = 459_210;
export const MODEL_TRAINABLE_PARAMS = 458_634;

export type ModelParams = Pick<TrainParams, 'dropout' | 'l2'>;

/**
 * Which layer classes build the CNN: `fused` (training runs the fused ops of ops/ where the backend
 * has them), or `stock`, TF.js's own Keras layers (the benchmarks' baseline, probe.ts). Same model either way.
 */
export type LayerKind = 'fused' | 'stock';
const LAYERS = {
  fused: { conv2d, batchNormalization, dropout },
  stock: { conv2d: tf.layers.conv2d, batchNormalization: tf.layers.batchNormalization, dropout: tf.layers.dropout },
} as const;

export function buildModel(params: ModelParams, seed = 0, layers: LayerKind = 'fused'): tf.Sequential {
  const { conv2d, batchNormalization, dropout } = LAYERS[layers];
  const reg = () => (params.l2 > 0 ? tf.regularizers.l2({ l2: params.l2 }) : undefined);
  // Glorot-uniform kernels seeded per layer, so a trial is reproducible from its seed.
  let layerSeed = seed * 101;
  const init = () => tf.initializers.glorotUniform({ seed: ++layerSeed });
  const conv = (filters: number, kernelSize: number, strides = 1, padding: 'valid' | 'same' = 'valid', input = false) =>
    // Keras' Conv2D; in training conv + bias + ReLU run fused where the backend has the kernels.
    conv2d({
      filters,
      kernelSize,
      strides,
      padding,
      activation: 'relu',
      kernelInitializer: init(),
      kernelRegularizer: reg(),
      ...(input ? { inputShape: [28, 28, 1] } : {}),
    });
  // Keras' BatchNormalization; in training its step runs as fused kernels where the backend has them.
  const bn = () => batchNormalization({ momentum: 0.99, epsilon: 1e-3 });
  // No seed on Dropout: a seeded tf.dropout draws the same mask at every step.
  // In training one kernel each way where the backend has them (src/train/ops/dropout.ts).
  const drop = () => dropout({ rate: params.dropout });

  const model = tf.sequential({ name: 'digit_cnn' });
  model.add(conv(32, 3, 1, 'valid', true));
  model.add(bn());
  model.add(conv(32, 3));
  model.add(bn());
  model.add(conv(32, 5, 2, 'same'));
  model.add(bn());
  model.add(drop());
  model.add(conv(64, 3));
  model.add(bn());
  model.add(conv(64, 3));
  model.add(bn());
  model.add(conv(64, 5, 2, 'same'));
  model.add(bn());
  model.add(drop());
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 256, activation: 'relu', kernelInitializer: init(), kernelRegularizer: reg() }));
  model.add(drop());
  model.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(), kernelRegularizer: reg() }));
  return model;
}

/** Total and trainable parameter counts, as Keras' summary prints them. */
export function countParams(model: tf.LayersModel): { total: number; trainable: number } {
  const size = (ws: tf.LayerVariable[]) => ws.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
  return { total: size(model.weights), trainable: size(model.trainableWeights) };
}

/** The L2 penalties of every regularized layer (Sequential.calculateLosses() misses them in TF.js 4.22). */
export function regularizationLosses(model: tf.LayersModel): tf.Scalar[] {
  return model.layers.flatMap((l) => l.calculateLosses());
}
