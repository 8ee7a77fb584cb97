/**
 * The dashboard of a running sweep in a real browser (issue 21): a scripted sweep runs as a child
 * process; the `digit-sweep dashboard …` command it prints is run as printed; Debian's headless
 * chromium opens the page while trials run. Trials that end appear in the page without a reload (a
 * value set on the page's window survives), and once the sweep has ended the page shows every trial
 * complete. Every wait is for an event (a line of a child, a DOM change); the timeouts only bound a
 * hung run. In CI a missing chromium fails the test.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, expect, it } from 'vitest';
import { cli, tempDir, writeSpace } from '../faults/helpers.js';
import { describeWithTool } from '../helpers/tools.js';
import { CHROMIUM, launchBrowser, watchedPage } from './helpers/browser.js';
import { lineOf, runDashboard, type DashboardProc } from './helpers/dashboard.js';

const TRIALS = 6;
const COMPLETE_ROWS = `document.querySelectorAll('#lb-table tbody .state.complete').length`;

describeWithTool(CHROMIUM, 'dashboard of a running sweep (headless chromium)', () => {
  const dir = tempDir('digit-sweep-dashboard-');
  let browser: Browser | null = null;
  let dash: DashboardProc | null = null;
  afterAll(async () => {
    await dash?.stop();
    await browser?.close();
  });

  it('shows trials that end while the page is open, without a reload', async () => {
    const space = writeSpace(dir, 'dash.yaml', { trials: TRIALS, epochs: 3, workers: 2 });
    let child: ChildProcess | null = null;
    const sweep = cli(['sweep', space, '--trainer', 'scripted', '--runs', join(dir, 'runs'), '--reports', join(dir, 'reports')], {
      cwd: dir,
      env: { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '1500' },
      timeoutMs: 300_000,
      onStart: (c) => (child = c),
    });
    const printed = await lineOf(child!, /^dashboard \(.*\): (digit-sweep dashboard .*)$/, 'the sweep');
    expect(printed[1]).toBe(`digit-sweep dashboard dash --runs ${join(dir, 'runs')}`);
    [dash, browser] = await Promise.all([runDashboard(printed[1]!, dir), launchBrowser()]);
    const p = await watchedPage(browser);
    await p.goto(dash.url);
    await p.page.evaluate('window.samePage = "yes"');
    const before = (await p.page.evaluate(COMPLETE_ROWS)) as number;
    expect(before).toBeLessThan(TRIALS);

    // A trial ends: its row turns complete in the open page.
    await p.page.waitForFunction(`${COMPLETE_ROWS} > ${before}`, { timeout: 120_000 });
    expect(await p.page.evaluate('window.samePage')).toBe('yes');

    const r = await sweep;
    expect(r.code, r.err).toBe(0);
    await p.page.waitForFunction(`document.getElementById('summary').textContent.includes('${TRIALS}: ${TRIALS} complete')`, { timeout: 120_000 });
    expect(await p.page.evaluate(COMPLETE_ROWS)).toBe(TRIALS);
    expect(await p.page.evaluate('window.samePage')).toBe('yes');
    expect(Number(await p.page.evaluate('document.documentElement.dataset.version'))).toBeGreaterThan(1);
    expect(p.problems).toEqual([]);
    const stopped = await dash.stop();
    dash = null;
    expect(stopped.code, stopped.err).toBe(0);
  }, 360_000);
});
