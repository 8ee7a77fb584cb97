/**
 * Pool scaling: the real worker pool (ThreadRunner, real trainer on wasm) training the same two trials
 * with 1 worker (one after the other) and with 2 workers (side by side). Throughput = training images of
 * both trials / wall time, so it includes what a sweep pays: thread start, TF.js init, validation.
 */
import { loadDataset } from '../data/index.js';
import { ThreadRunner } from '../pool/runner.js';
import type { TrialTask } from '../pool/protocol.js';
import { DEFAULT_TRAIN_PARAMS } from '../core/train-params.js';

export async function measurePoolScaling(opts: { images: number; backend?: string }) {
  const data = await loadDataset({ source: 'mnist', limit: opts.images });
  const task = (n: number): TrialTask => ({
    number: n,
    params: { ...DEFAULT_TRAIN_PARAMS, noise: 0.05 },
    epochs: 1,
    batchSize: 64,
    seed: n + 1,
    backend: opts.backend ?? 'wasm',
    saveDir: null,
    objective: { metric: 'valAcc', direction: 'maximize' },
    trainer: 'tfjs',
    checkpoint: null,
  });
  const measure = async (workers: number) => {
    const runner = new ThreadRunner({ data, workers });
    try {
      const t0 = performance.now();
      const outcomes = await Promise.all([0, 1].map((n) => runner.run(task(n), async () => false)));
      const seconds = (performance.now() - t0) / 1000;
      return {
        workers,
        trials: 2,
        seconds: Math.round(seconds * 10) / 10,
        trainImgPerSec: Math.round((2 * data.train.count) / seconds),
        valAcc: outcomes.map((o) => o.history.at(-1)!.valAcc),
      };
    } finally {
      await runner.close();
    }
  };
  const one = await measure(1);
  const two = await measure(2);
  return { backend: opts.backend ?? 'wasm', trainImagesPerTrial: data.train.count, one, two, speedup: Math.round((two.trainImgPerSec / one.trainImgPerSec) * 100) / 100 };
}
