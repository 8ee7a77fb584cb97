/**
 * Label smoothing (TrainParams.labelSmoothing): the training step's loss is the cross-entropy against
 * y * (1 - a) + a / 10 (Keras' categorical_crossentropy(label_smoothing=a)), checked on the cpu backend
 * against a hand computation from the model's own probabilities.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/random.js';
import { createOptimizer, trainStep } from '../../src/train/train.js';

const N = 4;

function batch() {
  const rng = createRng(7);
  const x = new Float32Array(N * 784);
  for (let i = 0; i < x.length; i++) x[i] = rng.next();
  return { x, y: Int32Array.from([3, 0, 9, 3]) };
}

/** Sum over the batch of -sum_c t_c log p_c, t = y (1 - a) + a / 10, p clipped as TF.js does (1e-7). */
function handLoss(probs: Float32Array, y: Int32Array, a: number): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    for (let c = 0; c < 10; c++) {
      const t = (c === y[i] ? 1 : 0) * (1 - a) + a / 10;
      const p = Math.min(Math.max(probs[i * 10 + c]!, 1e-7), 1 - 1e-7);
      sum -= t * Math.log(p);
    }
  }
  return sum;
}

/** The training step's returned loss for smoothing `a`, and the hand computation from the same model's probabilities. */
async function stepLoss(a: number): Promise<{ step: number; hand: number }> {
  const { x, y } = batch();
  // A one-layer softmax model keeps the test fast on the cpu backend; trainStep's loss does not depend on the architecture.
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.randomNormal({ stddev: 0.05, seed: 11 }) }),
    ],
  });
  const optimizer = createOptimizer(1e-3);
  try {
    // Before the step changes the weights.
    const probs = tf.tidy(() => model.apply(tf.tensor4d(x, [N, 28, 28, 1]), { training: true }) as tf.Tensor);
    const hand = handLoss((await probs.data()) as Float32Array, y, a);
    probs.dispose();
    const [loss, correct] = trainStep(model, optimizer, x, y, a);
    const step = (await loss.data())[0]!;
    tf.dispose([loss, correct]);
    return { step, hand };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

describe('label smoothing (cpu backend)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('the training loss uses y (1 - a) + a/10 targets: equal to the hand computation, and not the unsmoothed loss', async () => {
    const smoothed = await stepLoss(0.1);
    expect(smoothed.step).toBeCloseTo(smoothed.hand, 4);
    const plain = await stepLoss(0);
    expect(plain.step).toBeCloseTo(plain.hand, 4);
    // Same weights and batch: smoothing changes the loss.
    expect(Math.abs(smoothed.step - plain.step)).toBeGreaterThan(1e-3);
  });
});
