/**
 * The dashboard of a Redis study while its sweep runs: real redis-server, a `digit-sweep worker`
 * child, the scripted trainer; the `digit-sweep dashboard … --redis URL` command the sweep prints, run
 * as printed, read through the store in Redis; a trial that ends appears in
 * the open page (headless chromium) without a reload.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cli, tempDir, writeSpace } from '../faults/helpers.js';
import { REDIS_TOOL, startRedis, type TestRedis } from '../helpers/redis.js';
import { describeWithTool } from '../helpers/tools.js';
import { CHROMIUM } from '../report/helpers/browser.js';
import { closeHeld, expectLiveDashboard, lineOf, PRINTED_COMMAND, type Held } from '../report/helpers/dashboard.js';
import { startWorker, type WorkerProc } from './helpers.js';

const TRIALS = 4;

describeWithTool(REDIS_TOOL, 'dashboard of a Redis study', () => {
  describeWithTool(CHROMIUM, 'in headless chromium', () => {
    const dir = tempDir('digit-sweep-dashboard-redis-');
    let redis: TestRedis;
    let worker: WorkerProc | null = null;
    const held: Held = {};
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(async () => {
      await closeHeld(held);
      await worker?.stop();
      await redis?.stop();
    });

    it('shows a trial that ends while the sweep runs, read from Redis, without a reload', async () => {
      const space = writeSpace(dir, 'dash-redis.yaml', { trials: TRIALS, epochs: 3, workers: 2 });
      let child: ChildProcess | null = null;
      // No worker yet: the study exists in Redis, its trials wait in the queue.
      const sweep = cli(['sweep', space, '--trainer', 'scripted', '--redis', redis.url, '--runs', join(dir, 'runs'), '--reports', join(dir, 'reports')], {
        cwd: dir,
        timeoutMs: 240_000,
        onStart: (c) => (child = c),
      });
      const command = (await lineOf(child!, PRINTED_COMMAND, 'the sweep'))[1]!;
      expect(command).toBe(`digit-sweep dashboard dash-redis --runs ${join(dir, 'runs')} --redis ${redis.url}`);
      // The page is open before the first worker starts.
      const run = () => {
        worker = startWorker(redis.url, ['--workers', '2'], { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '500' });
        return sweep;
      };
      await expectLiveDashboard({ command, dir, trials: TRIALS, held, run });
    }, 300_000);
  });
});
