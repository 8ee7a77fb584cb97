/**
 * Inference on every core (pool/predict-pool.ts, the built dist/pool/worker.js): the same probabilities,
 * bit for bit, as the one-core path (predictEnsemble in this thread), for an ensemble of real models
 * (a trained dense one and the seed CNN) with TTA on real images, the last batch short; and progress reaches the
 * total, batch by batch.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { kaggleSplit } from '../../src/data/index.js';
import type { ImageSet } from '../../src/data/types.js';
import { predictEnsembleParallel } from '../../src/pool/predict-pool.js';
import { initBackend } from '../../src/train/index.js';
import { predictEnsemble } from '../../src/train/predict.js';
import { saveSeedCnn, tempDir, trainTinyModel } from '../export/helpers.js';

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('predictEnsembleParallel', () => {
  const dir = tempDir('digit-sweep-predict-pool-');
  const models = [join(dir, 'tiny'), join(dir, 'cnn')];
  let images: ImageSet;

  beforeAll(async () => {
    await trainTinyModel(models[0]!, { images: 1000, epochs: 2, seed: 1 });
    await saveSeedCnn(models[1]!, 3);
    const { test } = await kaggleSplit();
    // 300 images in batches of 64: 5 batches, the last one short (44), one slice each over 2 workers.
    images = { count: 300, images: test.images.subarray(0, 300 * 784), labels: null };
    await initBackend('wasm');
  }, 300_000);

  it('gives the one-core probabilities bit for bit (ensemble of 2, TTA, 2 workers)', async () => {
    const one = await predictEnsemble(models, images, { tta: true, batchSize: 64 });
    const progress: Array<[number, number]> = [];
    let ready = 0;
    const many = await predictEnsembleParallel(models, images, {
      tta: true,
      batchSize: 64,
      backend: 'wasm',
      workers: 2,
      onReady: () => ready++,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(ready).toBe(1);
    expect(many.views.map((v) => v.name)).toEqual(one.views.map((v) => v.name));
    expect(many.perModel).toHaveLength(2);
    for (let m = 0; m < 2; m++) expect(bytes(many.perModel[m]!).equals(bytes(one.perModel[m]!))).toBe(true);
    expect(bytes(many.probabilities).equals(bytes(one.probabilities))).toBe(true);
    // 2 models x 5 views x 5 batches, counted up to the total.
    const total = 2 * 5 * 5;
    expect(progress.every(([, t]) => t === total)).toBe(true);
    expect(progress.at(-1)).toEqual([total, total]);
    expect(progress.length).toBeGreaterThanOrEqual(total - 5); // at most one in-flight message lost per slice
  }, 300_000);

  it('one worker is the in-thread path', async () => {
    const one = await predictEnsemble(models.slice(0, 1), images, { batchSize: 128 });
    const same = await predictEnsembleParallel(models.slice(0, 1), images, { batchSize: 128, backend: 'wasm', workers: 1 });
    expect(bytes(same.probabilities).equals(bytes(one.probabilities))).toBe(true);
  }, 120_000);

  it('a bad model is the one-line error before any slice runs', async () => {
    await expect(predictEnsembleParallel([join(dir, 'missing')], images, { backend: 'wasm', workers: 2 })).rejects.toThrow(/missing/);
  });
});
