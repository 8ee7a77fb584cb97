/**
 * Hooks for the benchmarks in src/bench/ (which must not import TF.js): the trainer's model and optimizer
 * driven one step at a time, and the stock-kernel wasm step. Only what needs TF.js lives here; timing,
 * warm-up, medians, data choice and output are the benchmarks' (src/bench/measure.ts, wasm-step.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { IMAGE_SIZE, type ImageSet } from '../data/types.js';
import { initBackend, type BackendName } from './backend.js';
import { calibrateBatchNorm } from './batchnorm.js';
import { countDispatches, type DispatchCount } from './dispatches.js';
import { registerWasmTrainingKernels, restoreStockWasmKernels, type WasmTrainingKernel } from './wasm-kernels/index.js';
import { buildModel } from './model.js';
import { createOptimizer, predictProbabilities, trainStep } from './train.js';

/** The trainer's model (seed CNN) and optimizer, stepped by a benchmark. */
export interface TrainingProbe {
  /** The backend it runs on. */
  readonly backend: string;
  /** One training step (the trainer's trainStep) on `x` (pixels 0-1) and `y`; resolves when the backend has finished it. */
  step(x: Float32Array, y: Int32Array): Promise<void>;
  /** The same step, counting the kernels it dispatches. */
  countedStep(x: Float32Array, y: Int32Array): Promise<DispatchCount>;
  /** Tensors alive in the engine (a leak check: compare before and after). */
  liveTensors(): number;
  /** Class probabilities of `set` (10 per image) with the BN moving averages, as `predict` does. */
  predict(set: ImageSet, batchSize?: number): Float32Array;
  /** Predicted classes of `set` with every BN normalizing by each batch's own statistics. */
  predictWithBatchStatistics(set: ImageSet, batchSize: number): Int32Array;
  /** Runs `fn` with the BN statistics re-estimated on `images` of `set` (as the trainer does), then puts the model back. */
  withRecalibratedBatchNorm<T>(set: ImageSet, images: Uint32Array | Int32Array | number[], fn: () => T): T;
  dispose(): void;
}

export interface TrainingProbeOptions {
  backend: BackendName;
  seed?: number;
  /** Model params; default the trainer's (dropout 0.4, no L2). */
  dropout?: number;
  l2?: number;
  lr?: number;
}

export async function openTrainingProbe(opts: TrainingProbeOptions): Promise<TrainingProbe> {
  const init = await initBackend(opts.backend);
  const model = buildModel({ dropout: opts.dropout ?? 0.4, l2: opts.l2 ?? 0 }, opts.seed ?? 1);
  const optimizer = createOptimizer(opts.lr ?? 1e-3);
  return {
    backend: init.name,
    async step(x, y) {
      const [loss, correct] = trainStep(model, optimizer, x, y);
      await loss.data(); // wait for the step to finish (GPU backends run asynchronously)
      tf.dispose([loss, correct]);
    },
    async countedStep(x, y) {
      const { result, count } = countDispatches(() => trainStep(model, optimizer, x, y));
      await result[0].data();
      tf.dispose(result);
      return count;
    },
    liveTensors: () => tf.memory().numTensors,
    predict: (set, batchSize) => predictProbabilities(model, set, batchSize),
    predictWithBatchStatistics(set, batchSize) {
      const out = new Int32Array(set.count);
      for (let i = 0; i < set.count; i += batchSize) {
        const n = Math.min(batchSize, set.count - i);
        const pred = tf.tidy(() => {
          let t: tf.Tensor = tf.tensor4d(Float32Array.from(set.images.subarray(i * IMAGE_SIZE, (i + n) * IMAGE_SIZE), (v) => v / 255), [n, 28, 28, 1]);
          for (const layer of model.layers) {
            if (layer.getClassName() === 'BatchNormalization') {
              const { mean, variance } = tf.moments(t, [0, 1, 2]);
              const [gamma, beta] = layer.getWeights();
              t = tf.batchNorm(t, mean, variance, beta, gamma, 1e-3);
            } else t = layer.apply(t, { training: false }) as tf.Tensor;
          }
          return tf.argMax(t, 1);
        });
        out.set(pred.dataSync(), i);
        pred.dispose();
      }
      return out;
    },
    withRecalibratedBatchNorm(set, images, fn) {
      const saved = model.getWeights().map((w) => w.clone());
      try {
        calibrateBatchNorm(
          model,
          (function* () {
            for (let i = 0; i < images.length; i += 512) {
              const n = Math.min(512, images.length - i);
              const buf = new Float32Array(n * IMAGE_SIZE);
              for (let k = 0; k < n; k++) for (let p = 0; p < IMAGE_SIZE; p++) buf[k * IMAGE_SIZE + p] = set.images[images[i + k]! * IMAGE_SIZE + p]! / 255;
              const t = tf.tensor4d(buf, [n, 28, 28, 1]);
              try {
                yield t;
              } finally {
                t.dispose();
              }
            }
          })(),
        );
        return fn();
      } finally {
        model.setWeights(saved);
        tf.dispose(saved);
      }
    },
    dispose() {
      optimizer.dispose();
      model.dispose();
    },
  };
}

/**
 * The seed notebook's CNN built from stock Keras layers (model.ts, layers `stock`: no fused kernels) and trained with
 * `optimizer.minimize` on the wasm backend, with the given kernel overrides of wasm-kernels/ installed
 * (Conv2DBackpropFilter always: without it wasm cannot train). On random inputs (the time of a step does
 * not depend on the pixels).
 */
export interface StockWasmStep {
  /** One synchronous training step. */
  step(): void;
  liveTensors(): number;
  dispose(): void;
}

export async function openStockWasmStep(opts: { batchSize: number; kernels: readonly WasmTrainingKernel[] }): Promise<StockWasmStep> {
  await import('@tensorflow/tfjs-backend-wasm'); // the stock kernels, which restoreStockWasmKernels puts back
  restoreStockWasmKernels();
  registerWasmTrainingKernels({ kernels: [...new Set<WasmTrainingKernel>(['Conv2DBackpropFilter', ...opts.kernels])] });
  if (tf.getBackend() !== 'wasm') {
    if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed: the wasm backend did not initialise');
    await tf.ready();
  }
  const model = buildModel({ dropout: 0.4, l2: 0 }, 0, 'stock');
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomNormal([opts.batchSize, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform([opts.batchSize], 0, 10, 'int32') as tf.Tensor1D, 10);
  return {
    step() {
      const loss = optimizer.minimize(() => {
        const pred = model.apply(x, { training: true }) as tf.Tensor;
        return tf.metrics.categoricalCrossentropy(y, pred).mean() as tf.Scalar;
      }, true);
      loss?.dataSync();
      loss?.dispose();
    },
    liveTensors: () => tf.memory().numTensors,
    dispose() {
      tf.dispose([x, y]);
      optimizer.dispose();
      model.dispose();
      restoreStockWasmKernels();
      registerWasmTrainingKernels();
    },
  };
}
