/**
 * Keras' BatchNormalization layer whose training-mode call runs the two fused kernels of
 * batchnorm-kernels.ts (one dispatch forward, one backward, plus the two tensors autodiff keeps for
 * the backward pass) where the current backend has them, and TF.js's own composition elsewhere.
 * Inference, weights, config and class name are the stock layer's: a saved model is the same file and
 * loads as a stock BatchNormalization.
 */
import * as tf from '@tensorflow/tfjs';
import { BN_TRAINING, BN_TRAINING_GRAD } from './batchnorm.js';

type BatchNormArgs = Parameters<typeof tf.layers.batchNormalization>[0];
type Kwargs = Record<string, unknown>;

interface LayerVariableLike {
  read(): tf.Variable;
  write(value: tf.Tensor): unknown;
}

/** The fields of TF.js's BatchNormalization the fused call reads. */
interface BatchNormInternals extends tf.layers.Layer {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: LayerVariableLike;
  beta: LayerVariableLike;
  movingMean: LayerVariableLike;
  movingVariance: LayerVariableLike;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[];
}

/** True when the current backend has both fused kernels. */
export function fusedBatchNormAvailable(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(BN_TRAINING, backend) !== undefined && tf.getKernel(BN_TRAINING_GRAD, backend) !== undefined;
}

/**
 * Training-mode batch normalization over every axis but the last, with its gradient, and the moving
 * averages written to `movingMean` / `movingVariance` (Keras: m - (m - batch value) * (1 - momentum)).
 * `gamma` must outlive the backward pass (a variable, as in the layer).
 */
export function fusedBatchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor1D | tf.Variable,
  beta: tf.Tensor1D | tf.Variable,
  moving: { mean: LayerVariableLike; variance: LayerVariableLike },
  epsilon: number,
  momentum: number,
): tf.Tensor {
  const op = tf.customGrad((xIn, gammaIn, betaIn, save) => {
    const [y, stats, movingMean, movingVariance] = tf.engine().runKernel(
      BN_TRAINING,
      { x: xIn as tf.Tensor, gamma: gammaIn as tf.Tensor, beta: betaIn as tf.Tensor, movingMean: moving.mean.read(), movingVariance: moving.variance.read() },
      { epsilon, momentum },
    ) as tf.Tensor[];
    moving.mean.write(movingMean!);
    moving.variance.write(movingVariance!);
    (save as tf.GradSaveFunc)([xIn as tf.Tensor, stats!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xSaved, statsSaved] = saved as [tf.Tensor, tf.Tensor];
        return tf.engine().runKernel(BN_TRAINING_GRAD, { dy, x: xSaved, gamma: gammaIn as tf.Tensor, stats: statsSaved }, { epsilon }) as tf.Tensor[];
      },
    };
  });
  return op(x, gamma, beta);
}

let layerClass: (new (args: BatchNormArgs) => tf.layers.Layer) | null = null;

function fusedLayerClass(): new (args: BatchNormArgs) => tf.layers.Layer {
  if (layerClass) return layerClass;
  // TF.js exports the layer through its factory only; its class is the prototype's constructor.
  const Base = Object.getPrototypeOf(tf.layers.batchNormalization({})).constructor as new (args: BatchNormArgs) => BatchNormInternals;
  class FusedTrainingBatchNormalization extends Base {
    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const lastAxis = x !== undefined && (this.axis === -1 || this.axis === x.rank - 1);
      if (kwargs['training'] !== true || x === undefined || !lastAxis || x.rank < 2 || x.dtype !== 'float32' || !this.center || !this.scale || !fusedBatchNormAvailable()) {
        return super.call(inputs, kwargs);
      }
      return fusedBatchNormTraining(x, this.gamma.read(), this.beta.read(), { mean: this.movingMean, variance: this.movingVariance }, this.epsilon, this.momentum);
    }
  }
  layerClass = FusedTrainingBatchNormalization;
  return layerClass;
}

/** tf.layers.batchNormalization with the fused training step (same class name, config and weights). */
export function batchNormalization(args: BatchNormArgs = {}): tf.layers.Layer {
  return new (fusedLayerClass())(args);
}
