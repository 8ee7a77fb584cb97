/**
 * Ctrl-C (SIGINT) of a sweep: the first stops starting trials, lets running trials stop at their next
 * epoch end (suspended: left running, with their checkpoints), writes the store and the leaderboard and
 * exits 130; a second one exits at once with 130. Either way the same command resumes the study to
 * completion, continuing the suspended trials (same numbers, recorded epochs unchanged).
 * The two cases are separate studies (runs/once, runs/twice) and mostly wait on scripted epochs: they
 * run at once.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FrozenTrial } from '../../src/core/types.js';
import { cli, onLines, readStudyFile, tempDir, writeSpace } from './helpers.js';

const TRIALS = 6;
const EPOCHS = 4;

describe('Ctrl-C of a sweep', () => {
  const dir = tempDir();
  const space = writeSpace(dir, 'ctrlc.yaml', { trials: TRIALS, epochs: EPOCHS, workers: 2 });
  const args = (study: string) => ['sweep', space, '--trainer', 'scripted', '--study', study, '--runs', join(dir, 'runs'), '--reports', join(dir, 'reports')];

  async function resumeToEnd(study: string, interrupted: FrozenTrial[]): Promise<void> {
    const r = await cli(args(study), { cwd: dir, env: { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '10' } });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/resuming: \d+ trial\(s\) already in the study/);
    const s = readStudyFile(join(dir, 'runs', study));
    for (const before of interrupted) {
      expect(r.out).toContain(`trial ${before.number} resumed (${before.epochs.length} epoch(s) recorded)`);
      const t = s.trials.find((x) => x.number === before.number)!;
      expect(t.state).toBe('complete');
      expect(t.params).toEqual(before.params);
      expect(t.epochs.slice(0, before.epochs.length)).toEqual(before.epochs);
      expect(t.epochs).toHaveLength(EPOCHS);
    }
    expect(s.trials.filter((t) => t.state === 'running')).toEqual([]);
    expect(s.trials).toHaveLength(TRIALS);
    expect(s.trials.filter((t) => t.state === 'complete')).toHaveLength(TRIALS);
  }

  it.concurrent('first Ctrl-C: no new trial, running ones stop at the next epoch end, reports written, exit 130', async () => {
    const started: number[] = [];
    let startedAfterStop = 0;
    let sent = false;
    const r = await cli(args('once'), {
      cwd: dir,
      env: { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '1000' }, // 3 epochs left after the signal: the stop lands mid-trial even on a loaded machine
      onStart: (child) =>
        onLines(child, (line) => {
          const m = /^trial (\d+) started/.exec(line);
          if (m) {
            started.push(Number(m[1]));
            if (sent) startedAfterStop++;
          }
          if (!sent && /^trial 1 epoch 1:/.test(line)) {
            sent = true;
            child.kill('SIGINT');
          }
        }),
    });
    expect(r.code, r.err).toBe(130);
    expect(r.err).toContain('Ctrl-C: no new trials');
    expect(startedAfterStop).toBe(0);
    expect(r.out).toContain('sweep ended: stopped by the user');
    const study = readStudyFile(join(dir, 'runs', 'once'));
    expect(study.trials.map((t) => t.number)).toEqual(started);
    expect(study.trials.filter((t) => t.state === 'fail')).toEqual([]);
    const interrupted = study.trials.filter((t) => t.state === 'running');
    expect(interrupted.length).toBeGreaterThan(0);
    for (const t of interrupted) {
      expect(r.out).toContain(`trial ${t.number} suspended after epoch ${t.epochs.length}`);
      expect(t.epochs.length).toBeGreaterThan(0); // it ended at an epoch end, with its epochs recorded
      expect(t.epochs.length).toBeLessThan(EPOCHS);
      expect(existsSync(join(dir, 'runs', 'once', 'checkpoints', `trial-${t.number}.ckpt`))).toBe(true);
    }
    const board = readFileSync(join(dir, 'reports', 'once', 'leaderboard.md'), 'utf8');
    for (const t of study.trials) expect(board).toContain(`| ${t.number} `);
    await resumeToEnd('once', interrupted);
    expect(readdirSync(join(dir, 'runs', 'once', 'checkpoints'))).toEqual([]);
  });

  it.concurrent('second Ctrl-C exits at once with 130; the study resumes', async () => {
    let sentAt = 0;
    let first = false;
    const r = await cli(args('twice'), {
      cwd: dir,
      env: { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '60000' }, // epochs far longer than "at once", even on a loaded machine
      onStart: (child) => {
        onLines(child, (line) => {
          if (!first && /^trial 1 started/.test(line)) {
            first = true;
            child.kill('SIGINT');
          }
        });
        let err = '';
        child.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
          if (!sentAt && err.includes('Ctrl-C: no new trials')) {
            sentAt = Date.now();
            child.kill('SIGINT');
          }
        });
      },
    });
    const exitMs = Date.now() - sentAt;
    expect(r.code, r.err).toBe(130);
    expect(r.err).toContain('second Ctrl-C: exiting now');
    expect(exitMs).toBeLessThan(20_000); // a third of the running epoch: it did not wait for the epoch to end
    const study = readStudyFile(join(dir, 'runs', 'twice'));
    const running = study.trials.filter((t) => t.state === 'running');
    expect(running.length).toBeGreaterThan(0); // left as they were; the next run continues them
    await resumeToEnd('twice', running);
  });
});
