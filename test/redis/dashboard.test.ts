/**
 * The dashboard of a Redis study while its sweep runs: real redis-server, a `digit-sweep worker`
 * child, the scripted trainer; the `digit-sweep dashboard … --redis URL` command the sweep prints, run
 * as printed, read through the store in Redis; a trial that ends appears in
 * the open page (headless chromium) without a reload.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cli, tempDir, writeSpace } from '../faults/helpers.js';
import { REDIS_TOOL, startRedis, type TestRedis } from '../helpers/redis.js';
import { describeWithTool } from '../helpers/tools.js';
import { CHROMIUM, launchBrowser, watchedPage } from '../report/helpers/browser.js';
import { lineOf, runDashboard, type DashboardProc } from '../report/helpers/dashboard.js';
import { startWorker, type WorkerProc } from './helpers.js';

const TRIALS = 4;
const COMPLETE_ROWS = `document.querySelectorAll('#lb-table tbody .state.complete').length`;

describeWithTool(REDIS_TOOL, 'dashboard of a Redis study', () => {
  describeWithTool(CHROMIUM, 'in headless chromium', () => {
    const dir = tempDir('digit-sweep-dashboard-redis-');
    let redis: TestRedis;
    let worker: WorkerProc | null = null;
    let browser: Browser | null = null;
    let dash: DashboardProc | null = null;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(async () => {
      await dash?.stop();
      await browser?.close();
      await worker?.stop();
      await redis?.stop();
    });

    it('shows a trial that ends while the sweep runs, read from Redis, without a reload', async () => {
      const space = writeSpace(dir, 'dash-redis.yaml', { trials: TRIALS, epochs: 3, workers: 2 });
      worker = startWorker(redis.url, ['--workers', '2'], { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '1500' });
      let child: ChildProcess | null = null;
      const sweep = cli(['sweep', space, '--trainer', 'scripted', '--redis', redis.url, '--runs', join(dir, 'runs'), '--reports', join(dir, 'reports')], {
        cwd: dir,
        timeoutMs: 240_000,
        onStart: (c) => (child = c),
      });
      const printed = await lineOf(child!, /^dashboard \(.*\): (digit-sweep dashboard .*)$/, 'the sweep');
      expect(printed[1]).toBe(`digit-sweep dashboard dash-redis --runs ${join(dir, 'runs')} --redis ${redis.url}`);
      [dash, browser] = await Promise.all([runDashboard(printed[1]!, dir), launchBrowser()]);
      const p = await watchedPage(browser);
      await p.goto(dash.url);
      await p.page.evaluate('window.samePage = "yes"');
      const before = (await p.page.evaluate(COMPLETE_ROWS)) as number;
      expect(before).toBeLessThan(TRIALS);
      await p.page.waitForFunction(`${COMPLETE_ROWS} > ${before}`, { timeout: 120_000 });
      expect(await p.page.evaluate('window.samePage')).toBe('yes');
      const r = await sweep;
      expect(r.code, r.err).toBe(0);
      await p.page.waitForFunction(`document.getElementById('summary').textContent.includes('${TRIALS}: ${TRIALS} complete')`, { timeout: 120_000 });
      expect(p.problems).toEqual([]);
    }, 300_000);
  });
});
