/**
 * A runner never turns an error of the driver's epoch handler (a store write, a pruner) into a prune
 * decision: it stops the trial and rejects with that error. Thread and process runners, scripted trainer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessRunner } from '../../src/pool/process-runner.js';
import type { TrialRunner, TrialTask } from '../../src/pool/protocol.js';
import { ThreadRunner } from '../../src/pool/runner.js';
import type { EpochMetrics } from '../../src/core/types.js';
import { SCRIPTED_DATA } from '../../src/data/space-data.js';
import { trainParams } from '../helpers/trial-task.js';


const task: TrialTask = {
  number: 0,
  params: trainParams({ lr: 2e-3, dropout: 0.35, l2: 0, noise: 0, lrDecay: 0.95, rotation: 0, zoom: 0, shift: 0, plateauPatience: 0, plateauFactor: 0.5 }),
  epochs: 5,
  batchSize: 32,
  seed: 1,
  backend: 'scripted',
  saveDir: null,
  objective: { metric: 'valAcc', direction: 'maximize' },
  trainer: 'scripted',
  checkpoint: null,
};

let runner: TrialRunner | null = null;
afterEach(async () => {
  await runner?.close();
  runner = null;
});

describe.each([
  ['ThreadRunner', () => new ThreadRunner({ data: SCRIPTED_DATA, workers: 1 })],
  ['ProcessRunner', () => new ProcessRunner({ data: SCRIPTED_DATA, workers: 1 })],
])('%s: an epoch handler that throws', (_name, make) => {
  it('stops the trial and rejects run() with the error (not a pruned outcome); the runner goes on', async () => {
    runner = make();
    const seen: number[] = [];
    const onEpoch = async (m: EpochMetrics) => {
      seen.push(m.epoch);
      if (m.epoch === 2) throw new Error('ENOSPC: no space left on device');
      return false;
    };
    await expect(runner.run(task, onEpoch)).rejects.toThrow('ENOSPC: no space left on device');
    expect(seen).toEqual([1, 2]); // the worker stopped at the failed epoch
    // The same worker runs the next trial to its end.
    const next = await runner.run({ ...task, number: 1 }, async () => false);
    expect(next.history).toHaveLength(5);
    expect(next.stopped).toBe(false);
  });
});
