/**
 * A remote worker whose trial set-up fails fails that trial and holds on to nothing. Here the copy of the
 * trial's checkpoint cannot be written (ENOSPC in the field; here the worker's checkpoint folder turned
 * into a file, so the write fails with ENOTDIR): the trial is recorded as failed with that error (not
 * pruned, not complete), and shutdown() resolves. Before the fix the set-up ran outside process()'s
 * try/finally: the driver watch interval and the blocking connection were never given back, the trial
 * stayed in the worker's running set, and shutdown() waited for it forever (this test timed out).
 * A real redis-server (started here), the BullMQ runner, the optimize loop and a remote worker with the
 * scripted trainer, in this process.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SCRIPTED_DATA } from '../../src/data/space-data.js';
import { BullmqRunner } from '../../src/pool/bullmq-runner.js';
import { RemoteWorker } from '../../src/pool/remote-worker.js';
import { createPruner } from '../../src/pruners/index.js';
import { createSampler } from '../../src/samplers/index.js';
import { checkpointKey } from '../../src/storage/checkpoint.js';
import { studyPrefix } from '../../src/storage/redis.js';
import { optimize } from '../../src/study/optimize.js';
import { REDIS_TOOL, startRedis, type TestRedis } from '../helpers/redis.js';
import { describeWithTool } from '../helpers/tools.js';
import { createScriptedStudy, scriptedSpace } from './scripted-study.js';

const space = scriptedSpace('setup-failure.yaml', { epochs: 3, trials: 1 });

describeWithTool(REDIS_TOOL, 'remote worker: a trial whose set-up fails', () => {
  let server: TestRedis;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  // The timeout is a hang guard: before the fix shutdown() never resolved.
  it('is recorded as failed with the error, and shutdown() resolves', { timeout: 120_000 }, async () => {
    const study = 'setup-failure';
    const { redis, store, lease, close } = await createScriptedStudy(server.url, study, space);
    const runner = await BullmqRunner.open({ url: server.url, study, concurrency: 1, runId: lease.runId, pollMs: 200 });

    // The worker makes its checkpoint folder under TMPDIR when it starts serving.
    const tmp = mkdtempSync(join(tmpdir(), 'digit-sweep-setup-failure-'));
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    const lines: string[] = [];
    let serving!: () => void;
    const isServing = new Promise<void>((r) => (serving = r));
    const worker = new RemoteWorker({
      url: server.url,
      study,
      workers: 1,
      trainer: 'scripted',
      lockMs: 5000,
      loadData: async () => SCRIPTED_DATA,
      log: (line) => {
        lines.push(line);
        if (line.startsWith(`serving study ${study}`)) serving();
      },
    });
    const served = worker.serve();
    await isServing;
    // Restored, not set to the string "undefined": later files in this process (isolate: false) use tmpdir().
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    // Its checkpoint folder becomes a file: the checkpoint copy of any trial fails to be written.
    const [folder] = readdirSync(tmp);
    rmSync(join(tmp, folder!), { recursive: true });
    writeFileSync(join(tmp, folder!), '');
    // Trial 0 has a checkpoint in Redis: the worker copies it to that folder before the trial starts.
    await redis.set(checkpointKey(studyPrefix(study), 0), Buffer.from('a checkpoint'));

    const summary = await optimize({
      store,
      space,
      sampler: createSampler(space.sampler),
      pruner: createPruner(space.pruner),
      runner,
      studyDir: join(tmp, 'study'), // keepModels 0: nothing is written there
      trainer: 'scripted',
      backend: 'scripted',
    });
    const [t0] = summary.trials;
    expect(t0!.state).toBe('fail');
    expect(t0!.error).toMatch(/ENOTDIR|EEXIST/);
    expect(t0!.epochs).toEqual([]);

    // Nothing of the failed trial is left for shutdown() to wait for.
    await worker.shutdown(1000);
    await served;
    expect(lines).toContainEqual(expect.stringMatching(/^trial 0 of setup-failure: failed: .*(ENOTDIR|EEXIST)/));
    expect(lines.join('\n')).not.toMatch(/running trial\(s\)/); // shutdown found no trial still running
    await runner.close();
    await close();
    rmSync(tmp, { recursive: true, force: true });
  });
});
