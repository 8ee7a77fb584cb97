/**
 * The BullMQ runner's handler-error path on a real Redis: when the driver cannot handle a trial's epoch
 * (a store write fails, a pruner throws), run() rejects with that error, the worker's attempt stops at
 * that epoch, and optimize() records the trial as failed with the reason, never as pruned; the next
 * trial runs. A real redis-server (started here), the BullMQ runner and a remote worker with the
 * scripted trainer, in this process.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { EpochMetrics } from '../../src/core/types.js';
import { SCRIPTED_DATA } from '../../src/data/space-data.js';
import { BullmqRunner } from '../../src/pool/bullmq-runner.js';
import { RemoteWorker } from '../../src/pool/remote-worker.js';
import { createPruner, type Pruner } from '../../src/pruners/index.js';
import { createSampler } from '../../src/samplers/index.js';
import { optimize } from '../../src/study/optimize.js';
import { REDIS_TOOL, startRedis, type TestRedis } from '../helpers/redis.js';
import { describeWithTool } from '../helpers/tools.js';
import { scriptedTask } from '../helpers/trial-task.js';
import { createScriptedStudy, scriptedSpace } from './scripted-study.js';

const space = scriptedSpace('epoch-error.yaml', { epochs: 4, trials: 2 });

describeWithTool(REDIS_TOOL, 'BullMQ runner: an error while handling an epoch fails the trial', () => {
  let server: TestRedis;
  let n = 0;
  const closers: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(async () => {
    for (const close of closers.reverse()) await close();
    closers.length = 0;
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** A study in Redis with its driver lease, the BullMQ runner and one remote worker serving it. */
  async function open() {
    const study = `epoch-error-${n++}`;
    const { store, lease, close } = await createScriptedStudy(server.url, study, space);
    closers.push(close);
    const runner = await BullmqRunner.open({ url: server.url, study, concurrency: 1, runId: lease.runId, pollMs: 200 });
    closers.push(() => runner.close());
    const worker = new RemoteWorker({ url: server.url, study, workers: 1, trainer: 'scripted', lockMs: 5000, loadData: async () => SCRIPTED_DATA });
    const serving = worker.serve();
    closers.push(async () => {
      await worker.close();
      await serving;
    });
    return { study, store, runner };
  }

  it('run() rejects with the handler error (not a pruned outcome); the attempt stops at that epoch; the next trial runs', async () => {
    const { runner } = await open();
    const seen: number[] = [];
    const onEpoch = async (m: EpochMetrics) => {
      seen.push(m.epoch);
      if (m.epoch === 2) throw new Error('ENOSPC: no space left on device');
      return false;
    };
    await expect(runner.run(scriptedTask(0, { epochs: 4 }), onEpoch)).rejects.toThrow('ENOSPC: no space left on device');
    expect(seen).toEqual([1, 2]);
    const next = await runner.run(scriptedTask(1, { epochs: 4 }), async () => false);
    expect(next.history.map((m) => m.epoch)).toEqual([1, 2, 3, 4]);
    expect(next.stopped).toBe(false);
  });

  it('optimize() on the BullMQ runner records the trial as failed with the reason, never pruned, and the sweep goes on', async () => {
    const { store, runner } = await open();
    const none = createPruner(space.pruner);
    // A pruner that throws at trial 0's epoch 2 (a pruner bug), and asks nothing else.
    const pruner: Pruner = {
      name: 'throws-once',
      prune: (view, trial, direction) => {
        if (trial.number === 0 && trial.intermediateValues.length === 2) throw new Error('pruner bug: rung table corrupt');
        return none.prune(view, trial, direction);
      },
    };
    const summary = await optimize({
      store,
      space,
      sampler: createSampler(space.sampler),
      pruner,
      runner,
      studyDir: join(tmpdir(), 'digit-sweep-epoch-error-keeps-no-models'), // keepModels 0: nothing is written there
      trainer: 'scripted',
      backend: 'scripted',
    });
    expect(summary.failed).toBe(false);
    const [t0, t1] = summary.trials;
    expect(t0!.state).toBe('fail');
    expect(t0!.error).toBe('handling epoch 2 failed: pruner bug: rung table corrupt');
    expect(t0!.epochs.map((m) => m.epoch)).toEqual([1, 2]);
    expect(t1!.state).toBe('complete');
    expect(t1!.epochs).toHaveLength(4);
    // What Redis holds says the same.
    expect((await store.getTrial(0))!.state).toBe('fail');
  });
});
