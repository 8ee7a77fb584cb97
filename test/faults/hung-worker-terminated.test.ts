/**
 * A trial stuck in a busy loop (like a stuck native kernel) is aborted by its AbortSignal: piscina
 * terminates the thread (the CPU goes quiet), the task rejects, and the next trial gets a fresh worker.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SCRIPTED_DATA } from '../../src/data/space-data.js';
import { ThreadRunner } from '../../src/pool/runner.js';
import type { TrialTask } from '../../src/pool/protocol.js';
import { trainParams } from '../helpers/trial-task.js';


const task = (number: number, dropout: number): TrialTask => ({
  number,
  params: trainParams({ lr: 1e-3, dropout, l2: 0, noise: 0, lrDecay: 0.95, rotation: 0, zoom: 0, shift: 0, plateauPatience: 0, plateauFactor: 0.5 }),
  epochs: 3,
  batchSize: 64,
  seed: 1,
  backend: 'scripted',
  saveDir: null,
  objective: { metric: 'valAcc', direction: 'maximize' },
  trainer: 'scripted',
  checkpoint: null,
});

/** CPU milliseconds this process (all its threads) uses during `ms` of wall time. */
async function cpuDuring(ms: number): Promise<number> {
  const before = process.cpuUsage();
  await new Promise((r) => setTimeout(r, ms));
  const d = process.cpuUsage(before);
  return (d.user + d.system) / 1000;
}

describe('a spinning worker thread is terminated when its trial is aborted', () => {
  let runner: ThreadRunner | null = null;
  afterEach(async () => {
    delete process.env.DIGIT_SWEEP_SCRIPTED_FAULT;
    await runner?.close();
  });

  it('aborts, goes quiet, and the next trial runs on a new thread', async () => {
    // Read by each thread when it starts (the replacement too): only trials with dropout < 0.3 spin.
    process.env.DIGIT_SWEEP_SCRIPTED_FAULT = 'spin@2:dropout<0.3';
    runner = new ThreadRunner({ data: SCRIPTED_DATA, workers: 1 });
    const epochs: number[] = [];
    // Abort once the thread is spinning in epoch 2 (an event, not a time since the start: a loaded
    // machine may take seconds to start the thread).
    const abort = new AbortController();
    let abortedAt = 0;
    const onEpoch = async (m: { epoch: number }) => {
      epochs.push(m.epoch);
      setTimeout(() => ((abortedAt = Date.now()), abort.abort(new Error('trial timed out'))), 300);
      return false;
    };
    await expect(runner.run(task(0, 0.2), onEpoch, abort.signal)).rejects.toThrow();
    // Terminating a spinning thread does not wait for it to yield (it never would).
    expect(Date.now() - abortedAt).toBeLessThan(30_000);
    expect(epochs).toEqual([1]);
    // A thread still spinning would burn ~1 s of CPU per second.
    expect(await cpuDuring(1_000)).toBeLessThan(400);
    const outcome = await runner.run(task(1, 0.4), async () => false, AbortSignal.timeout(120_000)); // a hang guard only
    expect(outcome.history).toHaveLength(3);
    expect(outcome.stopped).toBe(false);
  });
});
