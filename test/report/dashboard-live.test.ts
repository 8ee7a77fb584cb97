/**
 * The dashboard of a running sweep in a real browser (issue 21): a scripted sweep of one trial makes
 * the study and prints its `digit-sweep dashboard …` command, which runs as printed; Debian's headless
 * chromium opens the page; then the sweep is resumed for the other trials. Trials that end appear in
 * the page without a reload (a value set on the page's window survives), and once the sweep has ended
 * the page shows every trial complete. Every wait is for an event (a line of a child, a DOM change); the timeouts only bound a
 * hung run. In CI a missing chromium fails the test.
 */
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cli, tempDir, writeSpace } from '../faults/helpers.js';
import { describeWithTool } from '../helpers/tools.js';
import { CHROMIUM } from './helpers/browser.js';
import { closeHeld, expectLiveDashboard, PRINTED_COMMAND, type Held } from './helpers/dashboard.js';

const TRIALS = 6;

describeWithTool(CHROMIUM, 'dashboard of a running sweep (headless chromium)', () => {
  const dir = tempDir('digit-sweep-dashboard-');
  const held: Held = {};
  afterAll(() => closeHeld(held));

  it('shows trials that end while the page is open, without a reload', async () => {
    const space = writeSpace(dir, 'dash.yaml', { trials: TRIALS, epochs: 3, workers: 2 });
    const args = ['sweep', space, '--trainer', 'scripted', '--runs', join(dir, 'runs'), '--reports', join(dir, 'reports')];
    // One trial first: the study exists, the sweep has printed its dashboard command.
    const first = await cli([...args, '--trials', '1'], { cwd: dir, env: { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '0' } });
    expect(first.code, first.err).toBe(0);
    const command = PRINTED_COMMAND.exec(first.out)?.[1];
    expect(command).toBe(`digit-sweep dashboard dash --runs ${join(dir, 'runs')}`);
    // The page is open before the resumed sweep runs the other trials.
    const run = () => cli(args, { cwd: dir, env: { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '500' }, timeoutMs: 300_000 });
    const p = await expectLiveDashboard({ command: command!, dir, trials: TRIALS, held, run });
    expect(Number(await p.page.evaluate('document.documentElement.dataset.version'))).toBeGreaterThan(1);
    const stopped = await held.dash!.stop();
    held.dash = null;
    expect(stopped.code, stopped.err).toBe(0);
  }, 360_000);
});
