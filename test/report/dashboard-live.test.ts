/**
 * The dashboard of a running sweep in a real browser (issue 21), Debian's headless chromium, one browser
 * for the file and a page per test. Every wait is for an event (a line of a child, a DOM change); the
 * timeouts only bound a hung run. In CI a missing chromium (or redis-server) fails the test.
 *  - lowdb: a scripted sweep of one trial makes the study and prints its `digit-sweep dashboard …`
 *    command, which runs as printed; the page opens; then the sweep is resumed for the other trials.
 *  - Redis: real redis-server, a `digit-sweep worker` child; the command the `sweep --redis` driver
 *    prints runs as printed and reads the study through the store in Redis; the page opens before the
 *    first worker starts.
 * Trials that end appear in the page without a reload (a value set on the page's window survives), and
 * once the sweep has ended the page shows every trial complete.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cli, tempDir, writeSpace } from '../faults/helpers.js';
import { REDIS_TOOL, startRedis, type TestRedis } from '../helpers/redis.js';
import { describeWithTool } from '../helpers/tools.js';
import { startWorker, type WorkerProc } from '../redis/helpers.js';
import { CHROMIUM, launchBrowser } from './helpers/browser.js';
import { closeHeld, expectLiveDashboard, lineOf, PRINTED_COMMAND, type Held } from './helpers/dashboard.js';

const TRIALS = 3;

describeWithTool(CHROMIUM, 'dashboard of a running sweep (headless chromium)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  const dir = tempDir('digit-sweep-dashboard-');
  it('shows trials that end while the page is open, without a reload', async () => {
    const held: Held = {};
    try {
      const space = writeSpace(dir, 'dash.yaml', { trials: TRIALS, epochs: 3, workers: 2 });
      // No reports (the page is the live view here).
      const args = ['sweep', space, '--trainer', 'scripted', '--runs', join(dir, 'runs'), '--reports', join(dir, 'reports'), '--skip-reports'];
      // One trial first: the study exists, the sweep has printed its dashboard command.
      const first = await cli([...args, '--trials', '1'], { cwd: dir, env: { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '0' } });
      expect(first.code, first.err).toBe(0);
      const command = PRINTED_COMMAND.exec(first.out)?.[1];
      expect(command).toBe(`digit-sweep dashboard dash --runs ${join(dir, 'runs')}`);
      // The page is open before the resumed sweep runs the other trials.
      const run = () => cli(args, { cwd: dir, env: { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '150' }, timeoutMs: 300_000 });
      const p = await expectLiveDashboard({ command: command!, dir, trials: TRIALS, held, browser, run });
      expect(Number(await p.page.evaluate('document.documentElement.dataset.version'))).toBeGreaterThan(1);
      const stopped = await held.dash!.stop();
      held.dash = null;
      expect(stopped.code, stopped.err).toBe(0);
      await p.page.close();
    } finally {
      await closeHeld(held);
    }
  }, 360_000);

  describeWithTool(REDIS_TOOL, 'of a Redis study', () => {
    const redisDir = tempDir('digit-sweep-dashboard-redis-');
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
      const space = writeSpace(redisDir, 'dash-redis.yaml', { trials: TRIALS, epochs: 3, workers: 2 });
      let child: ChildProcess | null = null;
      // No worker yet: the study exists in Redis, its trials wait in the queue.
      const args = ['--runs', join(redisDir, 'runs'), '--reports', join(redisDir, 'reports'), '--skip-reports'];
      const sweep = cli(['sweep', space, '--trainer', 'scripted', '--redis', redis.url, ...args], {
        cwd: redisDir,
        timeoutMs: 240_000,
        onStart: (c) => (child = c),
      });
      const command = (await lineOf(child!, PRINTED_COMMAND, 'the sweep'))[1]!;
      expect(command).toBe(`digit-sweep dashboard dash-redis --runs ${join(redisDir, 'runs')} --redis ${redis.url}`);
      // The page is open before the first worker starts.
      const run = () => {
        worker = startWorker(redis.url, ['--workers', '2'], { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '150' });
        return sweep;
      };
      await expectLiveDashboard({ command, dir: redisDir, trials: TRIALS, held, browser, run });
    }, 300_000);
  });
});
