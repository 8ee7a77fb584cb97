/**
 * Kernel dispatches of one training step (batch 64, wasm): the count that bounds the step's overhead on
 * every backend (src/train/dispatches.ts). The bound is issue 10's target; test/train/webgpu.test.ts
 * holds webgpu to it.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { countStepDispatches } from '../../src/bench/measure.js';
import { countDispatches, initBackend } from '../../src/train/index.js';
import { MAX_STEP_DISPATCHES } from './dispatch-bound.js';

describe('dispatch counting', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('counts each kernel the engine runs, by name', () => {
    const a = tf.tensor1d([1, 2, 3]);
    const { result, count } = countDispatches(() => tf.tidy(() => tf.relu(tf.add(tf.mul(a, 2), a))));
    // Multiply, Add, Relu; the scalar 2 is a tensor upload, not a kernel.
    expect(count.byKernel).toEqual({ Multiply: 1, Add: 1, Relu: 1 });
    expect(count.total).toBe(3);
    expect(Array.from(result.dataSync())).toEqual([3, 6, 9]);
    tf.dispose([a, result]);
  });

  it('restores the engine when the counted work throws', () => {
    expect(() => countDispatches(() => { throw new Error('boom'); })).toThrow('boom');
    const { count } = countDispatches(() => tf.tidy(() => tf.neg(tf.scalar(1))));
    expect(count.total).toBe(1);
  });

  it(`one training step at batch 64 on wasm stays within ${MAX_STEP_DISPATCHES} dispatches`, async () => {
    const count = await countStepDispatches({ backend: 'wasm', batchSize: 64 });
    expect(count.total, JSON.stringify(count.byKernel)).toBeLessThanOrEqual(MAX_STEP_DISPATCHES);
    expect(count.byKernel['Conv2DReluTraining'] ?? count.byKernel['Conv2D']).toBe(6); // it did run the model's six convolutions
  });
});
