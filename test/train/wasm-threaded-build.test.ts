/**
 * The threaded wasm build (src/train/wasm-threaded-build.ts) against cpu on one training step of the trainer's
 * model: the loss and the Adam moments the fused optimizer wrote (so every gradient), all through our fused
 * kernels whose JS passes now run over a SharedArrayBuffer heap. This file's process keeps wasm at 2
 * threads (the count is fixed once wasm is up in a thread).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildModel, initBackend } from '../../src/train/index.js';
import { createOptimizer, trainStep } from '../../src/train/train.js';
import { pthreadWorkerCount } from '../../src/train/wasm-threaded-build.js';
import { relativeError } from './relative-error.js';

const TOLERANCE = 1e-4;
// Small: the cpu backend is slow (pure JS convolutions).
const BATCH = 4;

function batch(): { x: Float32Array; y: Int32Array } {
  let s = 12345;
  const x = Float32Array.from({ length: BATCH * 784 }, () => ((s = (s * 1103515245 + 12345) >>> 0), s / 2 ** 32));
  const y = Int32Array.from({ length: BATCH }, (_, i) => (i * 7) % 10);
  return { x, y };
}

/**
 * The trainer's step (fused layers, L2, fused Adam) from the same weights: its loss, then Adam's first and
 * second moments of every variable, which after one step are 0.1 g and 0.001 g² (g: each gradient).
 */
async function oneStep(backend: 'cpu' | 'wasm', weights: Float32Array[]): Promise<Float32Array[]> {
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  const { x, y } = batch();
  const model = buildModel({ dropout: 0, l2: 1e-4 }, 3);
  model.setWeights(weights.map((w, i) => tf.tensor(w, model.getWeights()[i]!.shape)));
  const optimizer = createOptimizer(1e-3);
  const [loss, correct] = trainStep(model, optimizer, x, y);
  const out = [loss.dataSync() as Float32Array];
  const slots = await optimizer.getWeights(); // iterations, then m and v of every variable
  for (const s of slots.slice(1)) out.push(s.tensor.dataSync() as Float32Array);
  tf.dispose([loss, correct, ...slots.map((s) => s.tensor)]);
  optimizer.dispose();
  model.dispose();
  return out;
}

describe('wasm with 2 threads (threaded SIMD build)', () => {
  it('runs the threaded build with a shared heap', async () => {
    const init = await initBackend('wasm', { threads: 2 });
    expect(init.info).toMatchObject({ threads: '2', build: 'threaded-simd' });
    const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
    expect(getThreadsCount()).toBe(2);
    const { wasm } = tf.findBackend('wasm') as unknown as { wasm: { HEAPU8: Uint8Array } & Parameters<typeof pthreadWorkerCount>[0] };
    expect(wasm.HEAPU8.buffer).toBeInstanceOf(SharedArrayBuffer);
    // The pool started 2 workers, not the glue's 8: XNNPACK's one pthread and one spare. (The next test's
    // training step runs on them, and test/e2e/train-cli.test.ts checks that such a process exits.)
    expect(pthreadWorkerCount(wasm)).toEqual({ running: 1, unused: 1 });
    expect(Object.prototype).not.toHaveProperty('PThread');
  });

  it('matches cpu on a training step: loss, Adam moments (the gradients)', async () => {
    await initBackend('wasm', { threads: 2 });
    await tf.setBackend('cpu');
    const seedModel = buildModel({ dropout: 0, l2: 1e-4 }, 3);
    const weights = seedModel.getWeights().map((w) => w.dataSync() as Float32Array);
    seedModel.dispose();
    const want = await oneStep('cpu', weights);
    const got = await oneStep('wasm', weights);
    expect(got.length).toBe(want.length);
    const worst = Math.max(...got.map((g, i) => relativeError(g, want[i]!)));
    got.forEach((g, i) => expect(relativeError(g, want[i]!), `output ${i}`).toBeLessThan(TOLERANCE));
    console.log(`threaded wasm vs cpu: worst relative error ${worst.toExponential(2)} over ${got.length} outputs`);
  });

  it('keeps its thread count: asking for another one in the same thread is an error, leaving it unset is not', async () => {
    await expect(initBackend('wasm', { threads: 1 })).rejects.toThrow(/already running with 2 thread\(s\)/);
    await expect(initBackend('wasm', { threads: 9 })).rejects.toThrow(/threads must be an integer from 1 to 8 \(got 9\)/);
    expect((await initBackend('wasm', { threads: 2 })).info.threads).toBe('2');
    expect((await initBackend('wasm')).info.threads).toBe('2'); // unset: whatever runs

  });
});
