/**
 * train() on wasm with the bundled split's first 300 labeled images (270 train, 30 validation): the
 * epoch reports, tensor bookkeeping, stop on onEpochEnd, and the saved best epoch's model predicting
 * exactly the validation accuracy the trainer recorded. None of these depends on the data's size.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import type { Dataset } from '../../src/data/types.js';
import { DEFAULT_TRAIN_PARAMS, initBackend, loadModel, predictProbabilities, train } from '../../src/train/index.js';

describe('train() on wasm', () => {
  let data: Dataset;
  beforeAll(async () => {
    await initBackend('wasm');
    data = await loadDataset({ source: 'mnist', limit: 300 });
  });

  it('reports every epoch, leaks no tensor across epochs, and stops when onEpochEnd says so', async () => {
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const perEpoch: number[] = [];
    const result = await train({ ...DEFAULT_TRAIN_PARAMS, noise: 0.05, l2: 1e-5 }, data, {
      epochs: 3,
      batchSize: 32,
      seed: 3,
      backend: 'wasm',
      onEpochEnd: (m) => {
        seen.push(m.epoch);
        perEpoch.push(tf.memory().numTensors);
        for (const v of [m.trainLoss, m.trainAcc, m.valLoss, m.valAcc, m.lr, m.seconds]) expect(Number.isFinite(v)).toBe(true);
        return m.epoch === 2; // stop (prune) after epoch 2
      },
    });
    expect(seen).toEqual([1, 2]);
    expect(result.stopped).toBe(true);
    expect(result.history.map((m) => m.lr)).toEqual([1e-3, 1e-3 * 0.95]);
    // Between epochs the live tensors are the model, the optimizer's slots and the best weights: constant.
    expect(perEpoch[1]).toBe(perEpoch[0]);
    // After train() returns, everything it made is gone.
    expect(tf.memory().numTensors).toBe(before);
  });

  it('saves the epoch that earns the objective (here the lowest valLoss); the saved model predicts what the trainer validated', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ds-trainer-')), 'm');
    const objective = { metric: 'valLoss', direction: 'minimize' } as const;
    const result = await train(DEFAULT_TRAIN_PARAMS, data, { epochs: 2, batchSize: 32, seed: 5, backend: 'wasm', saveDir: dir, objective });
    expect(result.stopped).toBe(false);
    const losses = result.history.map((m) => m.valLoss);
    expect(result.bestEpoch).toBe(losses.indexOf(Math.min(...losses)) + 1);
    const model = await loadModel(dir);
    const probs = predictProbabilities(model, data.val);
    let ok = 0;
    for (let i = 0; i < data.val.count; i++) {
      const row = Array.from(probs.subarray(i * 10, i * 10 + 10));
      if (row.indexOf(Math.max(...row)) === data.val.labels![i]) ok++;
    }
    const best = result.history[result.bestEpoch - 1]!;
    expect(ok / data.val.count).toBeCloseTo(best.valAcc, 5);
    expect(result.evaluation!.valAcc).toBe(best.valAcc);
    const confusionTotal = result.evaluation!.confusion.flat().reduce((a, b) => a + b, 0);
    expect(confusionTotal).toBe(data.val.count);
    model.dispose();
  });
});
