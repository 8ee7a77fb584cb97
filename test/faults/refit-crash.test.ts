/**
 * Refit trials survive a SIGKILL of the driver like search trials do (the pattern of driver-crash.test.ts:
 * kills triggered by the driver's events, never by wall time). A scripted sweep with a `refit:` section
 * is killed during its refit (at a refit epoch line, then at a refit checkpoint write), rerun with
 * `sweep` and then with `refit`: the refit trials left running continue from their checkpoints with the
 * same number, params, seed and recorded epochs; nothing finished changes; the refit completes with
 * exactly `top` refit trials; a further `refit` redoes nothing; status and the leaderboard show them apart.
 * The two tests use separate folders and run at once.
 */
import { type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, watch, writeFileSync, existsSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FrozenTrial } from '../../src/core/types.js';
import { cli, onLines, readStudyFile, tempDir } from './helpers.js';

const SEARCH_TRIALS = 4;
const REFIT_EPOCHS = 4;

describe('SIGKILL of the driver during the refit', () => {
  it.concurrent('resumes the refit trials from their checkpoints (sweep and refit alike), never redoes a finished one', async () => {
    const dir = tempDir();
    const space = join(dir, 'rc.yaml');
    writeFileSync(
      space,
      [
        'params:',
        '  lr: { type: float, low: 1.0e-4, high: 1.0e-2, log: true }',
        '  dropout: { type: float, low: 0.1, high: 0.6 }',
        'fixed: { epochs: 2, batchSize: 64 }',
        `budget: { trials: ${SEARCH_TRIALS}, workers: 2 }`,
        'sampler: { type: random }',
        'pruner: { type: none }',
        'lag: 1',
        'seed: 9',
        'keepModels: 0',
        `refit: { top: 2, epochs: ${REFIT_EPOCHS} }`,
        '',
      ].join('\n'),
    );
    const runs = join(dir, 'runs');
    const studyDir = join(runs, 'rc');
    const ckptDir = join(studyDir, 'checkpoints');
    mkdirSync(ckptDir, { recursive: true });
    const epochLog = join(dir, 'epochs.log');
    const common = ['--trainer', 'scripted', '--runs', runs, '--reports', join(dir, 'reports')];
    const sweep = ['sweep', space, '--study', 'rc', ...common];
    const refit = ['refit', 'rc', ...common];
    const env = { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '40', DIGIT_SWEEP_SCRIPTED_EPOCH_LOG: epochLog };

    const finished = new Map<number, FrozenTrial>();
    const leftRunning = new Map<number, FrozenTrial>();
    let runningAtKills = 0;
    const check = (label: string) => {
      const study = readStudyFile(studyDir);
      const now = new Map(study.trials.map((t) => [t.number, t]));
      for (const [n, t] of finished) expect(now.get(n), `${label}: finished trial ${n} changed`).toEqual(t);
      for (const [n, t] of leftRunning) {
        const after = now.get(n)!;
        expect(after.kind, label).toBe('refit');
        expect([after.params, after.seed, after.refit], `${label}: trial ${n}`).toEqual([t.params, t.seed, t.refit]);
        expect(['running', 'complete'], `${label}: trial ${n} is ${after.state} (${after.error})`).toContain(after.state);
        expect(after.epochs.slice(0, t.epochs.length), `${label}: trial ${n} recorded epochs changed`).toEqual(t.epochs);
      }
      for (const t of study.trials) if (t.state !== 'running' && !finished.has(t.number)) finished.set(t.number, t);
      const running = study.trials.filter((t) => t.state === 'running');
      runningAtKills += running.length;
      for (const t of running) leftRunning.set(t.number, t);
      return study;
    };

    // Kill 1: at the 3rd refit epoch line of `sweep` (the search is over, two refits are running).
    const r1 = await cli(sweep, {
      cwd: dir,
      env,
      onStart: (child: ChildProcess) => {
        let seen = 0;
        onLines(child, (l) => /^refit trial \d+ \(of #\d+, \d+ epochs\) epoch \d+:/.test(l) && ++seen === 3 && child.kill('SIGKILL'));
      },
    });
    expect(r1.signal, `kill 1: the driver was not killed (exit ${r1.code}): ${r1.err}`).toBe('SIGKILL');
    const s1 = check('kill 1');
    expect(s1.trials.filter((t) => t.kind !== 'refit').map((t) => t.state)).toEqual(Array(SEARCH_TRIALS).fill('complete'));
    const running1 = s1.trials.filter((t) => t.kind === 'refit' && t.state === 'running');
    expect(running1.length, 'kill 1 left no refit trial running').toBeGreaterThan(0);
    expect(running1.some((t) => t.epochs.length > 0), 'kill 1: no refit epoch recorded').toBe(true);

    // Kill 2: `sweep` again, killed when the 2nd refit checkpoint is in place (before its epoch is reported).
    let watcher: FSWatcher | null = null;
    const r2 = await cli(sweep, {
      cwd: dir,
      env,
      onStart: (child: ChildProcess) => {
        let seen = 0;
        watcher = watch(ckptDir, (e, n) => {
          if (e === 'rename' && n && /^trial-\d+\.ckpt$/.test(n) && existsSync(join(ckptDir, n)) && ++seen === 2) child.kill('SIGKILL');
        });
      },
    });
    (watcher as FSWatcher | null)?.close();
    expect(r2.signal, `kill 2: the driver was not killed (exit ${r2.code}): ${r2.err}`).toBe('SIGKILL');
    expect(r2.out).toMatch(/^refit trial \d+ \(of #\d+, 4 epochs\) resumed \(\d epoch\(s\) recorded\)/m);
    check('kill 2');

    // `refit` to the end: the trials left running continue, no new refit trial is made.
    const r3 = await cli(refit, { cwd: dir, env });
    expect(r3.code, r3.err).toBe(0);
    const study = check('refit run');
    const refits = study.trials.filter((t) => t.kind === 'refit');
    const search = study.trials.filter((t) => t.kind !== 'refit');
    expect(search).toHaveLength(SEARCH_TRIALS);
    expect(refits).toHaveLength(2);
    const top2 = [...search].sort((a, b) => b.value! - a.value! || a.number - b.number).slice(0, 2);
    expect(refits.map((t) => t.refit!.source)).toEqual(top2.map((t) => t.number));
    for (const t of refits) {
      expect(t.state).toBe('complete');
      expect(t.epochs.map((m) => m.epoch)).toEqual([1, 2, 3, 4]);
    }
    expect(readdirSync(ckptDir)).toEqual([]);
    // Epochs trained twice (lost to the kills) are at most the ones running at the kills.
    const trained = readFileSync(epochLog, 'utf8').trim().split('\n');
    const recorded = study.trials.reduce((n, t) => n + t.epochs.length, 0);
    for (const t of study.trials) for (const m of t.epochs) expect(trained).toContain(`${t.seed} ${m.epoch}`);
    expect(trained.length - recorded).toBeGreaterThanOrEqual(0);
    expect(trained.length - recorded).toBeLessThanOrEqual(runningAtKills);

    // Once more: nothing is redone.
    const r4 = await cli(refit, { cwd: dir, env });
    expect(r4.code, r4.err).toBe(0);
    expect(r4.out).toMatch(/sweep ended: refit done: 2 configuration\(s\)/);
    expect(r4.out).not.toMatch(/^refit trial \d+ .* started/m);
    expect(readStudyFile(studyDir).trials).toEqual(study.trials);

    // Shown apart: status, leaderboard.json and .md.
    const st = await cli(['status', 'rc', '--runs', runs], { cwd: dir });
    expect(st.out).toMatch(new RegExp(`study rc: ${SEARCH_TRIALS} trials \\(${SEARCH_TRIALS} complete.*; 2 refit trial\\(s\\) \\(2 complete\\)`));
    expect(st.out).toMatch(/refit models \(every labeled image/);
    const board = JSON.parse(readFileSync(join(dir, 'reports/rc/leaderboard.json'), 'utf8')) as { rows: Array<{ trial: number }>; refit: Array<{ trial: number; source: number; sourceRank: number }> };
    expect(board.rows.map((r) => r.trial).sort()).toEqual(search.map((t) => t.number).sort());
    expect(board.refit.map((r) => [r.trial, r.source, r.sourceRank])).toEqual(refits.map((t, i) => [t.number, t.refit!.source, i + 1]));
    expect(readFileSync(join(dir, 'reports/rc/leaderboard.md'), 'utf8')).toMatch(/## Refit models/);
    expect(readFileSync(join(dir, 'reports/rc/report.html'), 'utf8')).toMatch(/<section id="refit">/);
  }, 240_000);

  it.concurrent('refit of a study that does not exist, or a bad --top: one line, exit 2', async () => {
    const dir = tempDir();
    const a = await cli(['refit', 'nosuch', '--trainer', 'scripted', '--runs', join(dir, 'runs')], { cwd: dir });
    expect(a.code).toBe(2);
    expect(a.err.trim().split('\n')).toHaveLength(1);
    const b = await cli(['refit', 'nosuch', '--top', '0', '--runs', join(dir, 'runs')], { cwd: dir });
    expect(b.code).toBe(2);
    expect(b.err.trim()).toBe('digit-sweep: argument: --top: must be a positive integer (got 0)');
  });
});
