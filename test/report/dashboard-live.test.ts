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
import { afterAll, expect, it } from 'vitest';
import { cli, tempDir, writeSpace } from '../faults/helpers.js';
import { describeWithTool } from '../helpers/tools.js';
import { CHROMIUM } from './helpers/browser.js';
import { closeHeld, expectLiveDashboard, type Held } from './helpers/dashboard.js';

const TRIALS = 6;

describeWithTool(CHROMIUM, 'dashboard of a running sweep (headless chromium)', () => {
  const dir = tempDir('digit-sweep-dashboard-');
  const held: Held = {};
  afterAll(() => closeHeld(held));

  it('shows trials that end while the page is open, without a reload', async () => {
    const space = writeSpace(dir, 'dash.yaml', { trials: TRIALS, epochs: 3, workers: 2 });
    let child: ChildProcess | null = null;
    const sweep = cli(['sweep', space, '--trainer', 'scripted', '--runs', join(dir, 'runs'), '--reports', join(dir, 'reports')], {
      cwd: dir,
      env: { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '1500' },
      timeoutMs: 300_000,
      onStart: (c) => (child = c),
    });
    const p = await expectLiveDashboard(child!, sweep, { expected: `digit-sweep dashboard dash --runs ${join(dir, 'runs')}`, dir, trials: TRIALS, held });
    expect(Number(await p.page.evaluate('document.documentElement.dataset.version'))).toBeGreaterThan(1);
    const stopped = await held.dash!.stop();
    held.dash = null;
    expect(stopped.code, stopped.err).toBe(0);
  }, 360_000);
});
