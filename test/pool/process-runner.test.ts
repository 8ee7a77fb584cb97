/**
 * ProcessRunner: trials in forked child processes (the built dist/pool/worker.js), with the scripted
 * trainer (epochs, prune decisions, NaN through IPC, a dying child, abort) and with real wasm training.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessRunner } from '../../src/pool/process-runner.js';
import type { TrialTask } from '../../src/pool/protocol.js';
import type { EpochMetrics } from '../../src/core/types.js';
import { SCRIPTED_DATA } from '../../src/data/space-data.js';
import { trainParams } from '../helpers/trial-task.js';


const PARAMS: TrialTask['params'] = trainParams({
  lr: 2e-3,
  dropout: 0.35,
  l2: 0,
  noise: 0,
  lrDecay: 0.95,
  rotation: 0,
  zoom: 0,
  shift: 0,
  plateauPatience: 0,
  plateauFactor: 0.5,
});

function task(number: number, over: Partial<TrialTask> = {}): TrialTask {
  return { number, params: PARAMS, epochs: 4, batchSize: 32, seed: number, backend: 'scripted', saveDir: null, objective: { metric: 'valAcc', direction: 'maximize' }, trainer: 'scripted', checkpoint: null, ...over };
}

let runner: ProcessRunner | null = null;
afterEach(async () => {
  await runner?.close();
  runner = null;
  delete process.env.DIGIT_SWEEP_SCRIPTED_FAULT;
});

describe('ProcessRunner (scripted trainer)', () => {
  it('runs trials in child processes, reports every epoch and obeys the prune decision', async () => {
    runner = new ProcessRunner({ data: SCRIPTED_DATA, workers: 2 });
    expect(runner.concurrency).toBe(2);
    const seen = new Map<number, EpochMetrics[]>();
    const onEpoch = (n: number, pruneAt: number) => async (m: EpochMetrics) => {
      seen.set(n, [...(seen.get(n) ?? []), m]);
      return m.epoch >= pruneAt;
    };
    // Three trials on two processes: the third waits for a free slot.
    const [a, b, c] = await Promise.all([
      runner.run(task(1), onEpoch(1, 99)),
      runner.run(task(2), onEpoch(2, 2)),
      runner.run(task(3), onEpoch(3, 99)),
    ]);
    expect(a.history).toHaveLength(4);
    expect(a.stopped).toBe(false);
    expect(a.backend).toBe('scripted');
    expect(b.history).toHaveLength(2);
    expect(b.stopped).toBe(true);
    expect(c.history).toHaveLength(4);
    expect(seen.get(1)!.map((m) => m.epoch)).toEqual([1, 2, 3, 4]);
    expect(seen.get(2)!.map((m) => m.epoch)).toEqual([1, 2]);
  });

  it('keeps NaN metrics NaN across the IPC channel', async () => {
    process.env.DIGIT_SWEEP_SCRIPTED_FAULT = 'nan@2';
    runner = new ProcessRunner({ data: SCRIPTED_DATA, workers: 1 });
    const values: number[] = [];
    const out = await runner.run(task(1), async (m) => {
      values.push(m.valAcc);
      return !Number.isFinite(m.valAcc);
    });
    expect(Number.isNaN(values[1])).toBe(true);
    expect(out.stopped).toBe(true);
  });

  it('fails the trial whose process dies or throws, and runs the next trial in a fresh process', async () => {
    process.env.DIGIT_SWEEP_SCRIPTED_FAULT = 'exit@2';
    runner = new ProcessRunner({ data: SCRIPTED_DATA, workers: 1 });
    await expect(runner.run(task(1), async () => false)).rejects.toThrow(/exited during trial 1 \(code 3\)/);
    process.env.DIGIT_SWEEP_SCRIPTED_FAULT = 'throw@1';
    // The environment is read when a child is forked: this one throws in epoch 1...
    await expect(runner.run(task(2), async () => false)).rejects.toThrow(/.+/);
    delete process.env.DIGIT_SWEEP_SCRIPTED_FAULT;
    await runner.close();
    // ...and a runner forked without the fault completes.
    runner = new ProcessRunner({ data: SCRIPTED_DATA, workers: 1 });
    const ok = await runner.run(task(3), async () => false);
    expect(ok.history).toHaveLength(4);
  });

  it('kills the process of an aborted trial (hung trainer) and rejects with the reason', async () => {
    process.env.DIGIT_SWEEP_SCRIPTED_FAULT = 'spin@1';
    runner = new ProcessRunner({ data: SCRIPTED_DATA, workers: 1 });
    const started = Date.now();
    await expect(runner.run(task(1), async () => false, AbortSignal.timeout(1500))).rejects.toThrow(/timeout|aborted/i);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

describe('ProcessRunner (real training)', () => {
  it('trains on wasm in a child process from a dataset file written once', async () => {
    const { loadDataset } = await import('../../src/data/index.js');
    const data = await loadDataset({ source: 'mnist', limit: 200, valFraction: 0.2, seed: 1 });
    runner = new ProcessRunner({ data, workers: 1 });
    const { DEFAULT_TRAIN_PARAMS } = await import('../../src/train/index.js');
    const epochs: EpochMetrics[] = [];
    const out = await runner.run(
      task(1, { params: DEFAULT_TRAIN_PARAMS, epochs: 1, batchSize: 32, backend: 'wasm', trainer: 'tfjs' }),
      async (m) => {
        epochs.push(m);
        return false;
      },
    );
    expect(out.backend).toBe('wasm');
    expect(out.history).toHaveLength(1);
    expect(epochs[0]!.valAcc).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(epochs[0]!.trainLoss)).toBe(true);
  });
});
