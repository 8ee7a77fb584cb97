/**
 * A live report that cannot be written (here: the reports folder is a file) is neither silent nor a
 * trial outcome: one warning line on stderr, every trial still completes and is saved, and the final
 * write at the end fails the command (exit 1) with the error.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, readStudyFile, tempDir, writeSpace } from '../faults/helpers.js';

describe('live report write errors', () => {
  const dir = tempDir('digit-sweep-live-err-');

  it('warn once, the sweep goes on, the final write fails loudly', async () => {
    const space = writeSpace(dir, 'live-err.yaml', { trials: 4, epochs: 3, workers: 2 });
    const reports = join(dir, 'not-a-folder');
    writeFileSync(reports, 'a file where the reports folder should be\n');
    // Live writes due every second (--live-report-ms; the default is 5 s) during 6 s of epochs: 5 s for
    // the render thread to start and the first write to fail (12 s of epochs with writes due from 5 s on gave 7).
    const r = await cli(['sweep', space, '--trainer', 'scripted', '--runs', join(dir, 'runs'), '--reports', reports, '--live-report-ms', '1000'], {
      cwd: dir,
      timeoutMs: 120_000,
      env: { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '1000' },
    });
    const warnings = r.err.split('\n').filter((l) => l.startsWith('warning: live report not written'));
    expect(warnings, r.err).toHaveLength(1);
    expect(warnings[0]).toMatch(/ENOTDIR|EEXIST/);
    expect(warnings[0]).toContain('the sweep goes on');
    // The trials are untouched by the report problem.
    const study = readStudyFile(join(dir, 'runs', 'live-err'));
    expect(study.trials.map((t) => t.state)).toEqual(['complete', 'complete', 'complete', 'complete']);
    expect(r.out).toContain('sweep ended: budget of 4 trials reached');
    // The final write is the command's error (as before live reports: exit 1, the error printed).
    expect(r.code).toBe(1);
    expect(r.err.split('\n').filter((l) => !l.startsWith('warning:')).join('\n')).toMatch(/Error: (ENOTDIR|EEXIST)/);
  });
});
