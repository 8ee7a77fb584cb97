/**
 * budget.maxConsecutiveFailures failed trials in a row stop the sweep with a clear message (stdout and
 * stderr) and exit code 1, instead of burning the rest of the budget.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, readStudyFile, tempDir, writeSpace } from './helpers.js';

describe('consecutive failures stop the sweep', () => {
  it('3 failures in a row of a 20-trial budget: stops after 3 (+ the ones already running), exit 1', async () => {
    const dir = tempDir();
    const space = writeSpace(dir, 'broken.yaml', { trials: 20, epochs: 3, workers: 2, budget: 'maxConsecutiveFailures: 3' });
    const r = await cli(['sweep', space, '--trainer', 'scripted', '--study', 'broken', '--runs', join(dir, 'runs'), '--reports', join(dir, 'reports'), '--skip-reports'], {
      cwd: dir,
      env: { DIGIT_SWEEP_SCRIPTED_FAULT: 'throw@1' },
    });
    expect(r.code).toBe(1);
    const why = '3 trials failed in a row (last: scripted fault: training failed at epoch 1); stopping the sweep';
    expect(r.out).toContain(`sweep ended: ${why}`);
    expect(r.err.trim().split('\n')).toEqual([`digit-sweep: sweep stopped: ${why}; see the errors with: digit-sweep status broken`]);
    const trials = readStudyFile(join(dir, 'runs', 'broken')).trials;
    expect(trials.length).toBeGreaterThanOrEqual(3);
    expect(trials.length).toBeLessThanOrEqual(4); // at most one more was already running
    for (const t of trials) {
      expect(t.state).toBe('fail');
      expect(t.error).toBe('scripted fault: training failed at epoch 1');
    }
  });
});
