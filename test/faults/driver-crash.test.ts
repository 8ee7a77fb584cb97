/**
 * The driver is SIGKILLed at 20 moments (between epochs, right after a trial starts or ends, in the
 * middle of a study.json write, right after study.json was replaced, while or right after a checkpoint
 * is written, while the reports are written) and the same command is run again each time. Every kill
 * point is triggered by an event of the driver (a line it prints, a file it writes), never by wall time,
 * so each kill lands on a loaded machine too. Nothing finished is lost or changed, no trial number
 * repeats, trials left running are continued from their checkpoints with the same number and params
 * (their recorded epochs unchanged), and the sweep completes with exactly the budget's trials.
 * Epochs lost (trained twice, counted from the scripted trainer's epoch log) are at most the epochs that
 * were running at the kill moments (one per trial left running).
 *
 * On a fast machine a fixed delay can land after the sweep has ended, on a loaded one before it
 * started: hence events only. The budget is large enough that each run before the end-of-sweep kills
 * still has trials to run when its event comes (checked before each run).
 *
 * The 20 kill points are shared out over two independent studies (separate runs/, reports/ and epoch
 * logs) whose kill-and-rerun sequences run at once: 10 kills each, every check made per study, the
 * same 20 kills in all (each study ends with its own end-of-sweep kills). The sequences are mostly
 * waiting (process start, scripted epochs), which the other sequence fills.
 */
import { type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FrozenTrial } from '../../src/core/types.js';
import { cli, onLines, readStudyFile, tempDir, writeSpace } from './helpers.js';

type KillPoint =
  | { kind: 'epoch-line'; k: number } // the k-th "trial N epoch E" line: between epochs
  | { kind: 'start-line'; k: number } // the k-th "trial N started": just after createTrial's write
  | { kind: 'end-line'; k: number } // the k-th trial outcome line: just after the outcome's write
  | { kind: 'tmp-written'; k: number } // the k-th study.json.tmp-<pid> appears: inside a store write
  | { kind: 'replaced'; k: number } // study.json was replaced for the k-th time: right after a write
  | { kind: 'ckpt-tmp'; k: number } // the k-th checkpoint temp file appears: inside a checkpoint write
  | { kind: 'ckpt-written'; k: number } // the k-th checkpoint is in place: before its epoch is reported
  | { kind: 'sweep-ended' } // the "sweep ended" line: the reports are about to be written
  | { kind: 'report-file'; k: number }; // the k-th file event under reports/crash after "sweep ended": while the reports are written

/** The 20 kill points, as two sequences of 10 (one per study), each ending after the sweep has ended. */
const KILLS: [KillPoint[], KillPoint[]] = [
  [
    { kind: 'epoch-line', k: 2 },
    { kind: 'replaced', k: 3 },
    { kind: 'tmp-written', k: 4 },
    { kind: 'start-line', k: 2 },
    { kind: 'ckpt-tmp', k: 3 },
    { kind: 'end-line', k: 1 },
    { kind: 'epoch-line', k: 5 },
    { kind: 'tmp-written', k: 9 },
    { kind: 'replaced', k: 7 },
    { kind: 'sweep-ended' },
  ],
  [
    { kind: 'start-line', k: 3 },
    { kind: 'ckpt-written', k: 2 },
    { kind: 'end-line', k: 3 },
    { kind: 'tmp-written', k: 1 },
    { kind: 'replaced', k: 1 },
    { kind: 'epoch-line', k: 1 },
    { kind: 'ckpt-written', k: 5 },
    { kind: 'replaced', k: 12 },
    { kind: 'report-file', k: 1 },
    { kind: 'report-file', k: 3 },
  ],
];

/** Each study's budget. */
const TRIALS = 36;
/** Trials a run before the end-of-sweep kills must still have to run: more than any kill point above consumes. */
const HEADROOM = 12;
const EPOCHS = 3;
const WORKERS = 2;

/**
 * One study (in a folder of its own): a run killed at each of `kills`, the same command after each, then
 * once more to the end; every check after every run. Returns the kills survived.
 */
async function crashStudy(dir: string, kills: KillPoint[], name: string): Promise<number> {
  const space = writeSpace(dir, 'crash.yaml', { trials: TRIALS, epochs: EPOCHS, workers: WORKERS });
  const studyDir = join(dir, 'runs', 'crash');
  const ckptDir = join(studyDir, 'checkpoints');
  const reportDir = join(dir, 'reports', 'crash');
  for (const d of [ckptDir, reportDir]) mkdirSync(d, { recursive: true }); // so that they can be watched from the first run
  const epochLog = join(dir, 'epochs.log');
  const args = ['sweep', space, '--trainer', 'scripted', '--study', 'crash', '--runs', join(dir, 'runs'), '--reports', join(dir, 'reports')];
  const env = { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '25', DIGIT_SWEEP_SCRIPTED_EPOCH_LOG: epochLog };

  const finished = new Map<number, FrozenTrial>(); // every trial ever seen finished, as first seen
  const seenRunning = new Map<number, FrozenTrial>(); // trials left running by a kill, as last seen
  let previous = new Map<number, FrozenTrial>();
  let survived = 0;
  let runningAtKills = 0; // epochs that were running when the driver was killed: one per running trial

  /** study.json after a run: parses, numbers unique, nothing finished changed, nothing lost. */
  const check = (label: string) => {
    const study = readStudyFile(studyDir);
    expect(study.name, label).toBe('crash');
    const numbers = study.trials.map((t) => t.number);
    expect(new Set(numbers).size, `${label}: trial numbers repeat`).toBe(numbers.length);
    expect(study.nextTrialNumber ?? 0, label).toBeGreaterThan(Math.max(-1, ...numbers));
    const now = new Map(study.trials.map((t) => [t.number, t]));
    for (const n of previous.keys()) expect(now.has(n), `${label}: trial ${n} lost`).toBe(true);
    for (const [n, t] of finished) expect(now.get(n), `${label}: finished trial ${n} changed`).toEqual(t);
    for (const [n, t] of seenRunning) {
      const after = now.get(n)!;
      expect(after.params, `${label}: trial ${n} params`).toEqual(t.params);
      expect(after.seed, `${label}: trial ${n} seed`).toBe(t.seed);
      // Resumed, never failed as interrupted; the epochs it had recorded are unchanged.
      expect(['running', 'complete'], `${label}: trial ${n} is ${after.state} (${after.error})`).toContain(after.state);
      expect(after.epochs.slice(0, t.epochs.length), `${label}: trial ${n} recorded epochs changed`).toEqual(t.epochs);
      expect(after.intermediateValues.slice(0, t.intermediateValues.length)).toEqual(t.intermediateValues);
    }
    for (const t of study.trials) {
      if (t.state !== 'running' && !finished.has(t.number)) finished.set(t.number, t);
    }
    // Disk use stays bounded: at most one checkpoint per running trial, and no more than the workers.
    const ckpts = readdirSync(ckptDir).filter((f) => /^trial-\d+\.ckpt$/.test(f));
    expect(ckpts.length, `${label}: checkpoints ${ckpts.join(' ')}`).toBeLessThanOrEqual(WORKERS);
    previous = now;
    return study;
  };

  for (const [i, point] of kills.entries()) {
    const label = `${name} kill ${i + 1} (${JSON.stringify(point)})`;
    if (point.kind !== 'report-file' && point.kind !== 'sweep-ended' && existsSync(join(studyDir, 'study.json'))) {
      const left = TRIALS - readStudyFile(studyDir).trials.length;
      expect(left, `${label}: only ${left} trials left to run; raise TRIALS`).toBeGreaterThanOrEqual(HEADROOM);
    }
    let watcher: FSWatcher | null = null;
    const r = await cli(args, {
      cwd: dir,
      env,
      onStart: (child: ChildProcess) => {
        const kill = () => child.kill('SIGKILL');
        let seen = 0;
        const nth = (yes: boolean) => yes && ++seen === (point as { k: number }).k && kill();
        const watchDir = (d: string, fn: (event: string, name: string) => boolean) => {
          watcher = watch(d, (event, name) => nth(!!name && fn(event, name)));
        };
        if (point.kind === 'epoch-line') onLines(child, (l) => nth(/^trial \d+ epoch \d+/.test(l)));
        if (point.kind === 'start-line') onLines(child, (l) => nth(/^trial \d+ started/.test(l)));
        if (point.kind === 'end-line') onLines(child, (l) => nth(/^trial \d+ (complete|pruned|fail)/.test(l)));
        if (point.kind === 'sweep-ended') onLines(child, (l) => l.startsWith('sweep ended') && kill());
        if (point.kind === 'tmp-written') watchDir(studyDir, (e, n) => e === 'rename' && n.startsWith('study.json.tmp-'));
        if (point.kind === 'replaced') watchDir(studyDir, (e, n) => e === 'rename' && n === 'study.json' && existsSync(join(studyDir, n)));
        if (point.kind === 'ckpt-tmp') watchDir(ckptDir, (e, n) => e === 'rename' && /\.ckpt\.tmp-/.test(n) && existsSync(join(ckptDir, n)));
        if (point.kind === 'ckpt-written') watchDir(ckptDir, (e, n) => e === 'rename' && /^trial-\d+\.ckpt$/.test(n) && existsSync(join(ckptDir, n)));
        if (point.kind === 'report-file') {
          onLines(child, (l) => {
            if (l.startsWith('sweep ended') && !watcher) watcher = watch(reportDir, () => nth(true));
          });
        }
      },
    });
    (watcher as FSWatcher | null)?.close();
    expect(r.timedOut, `${label}: the run hung and was killed by the test's timeout`).toBe(false);
    expect(r.signal, `${label}: the driver was not killed (exit ${r.code}): ${r.err}`).toBe('SIGKILL');
    survived++;
    const study = check(label);
    const running = study.trials.filter((t) => t.state === 'running');
    runningAtKills += running.length;
    for (const t of running) seenRunning.set(t.number, t);
  }

  // The same command, once more, to the end.
  const last = await cli(args, { cwd: dir, env });
  expect(last.code, last.err).toBe(0);
  const study = check('final run');
  expect(study.trials.filter((t) => t.state === 'running')).toEqual([]);
  // The budget: exactly TRIALS trials, all complete (no trial was failed or replaced).
  expect(study.trials).toHaveLength(TRIALS);
  expect(study.trials.filter((t) => t.state === 'complete').length).toBe(TRIALS);
  for (const t of study.trials) expect(t.epochs.map((m) => m.epoch)).toEqual([1, 2, 3]);
  // No checkpoint and no half-written file of a killed driver is left behind.
  expect(readdirSync(ckptDir)).toEqual([]);
  expect(readdirSync(studyDir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  const board = JSON.parse(readFileSync(join(reportDir, 'leaderboard.json'), 'utf8')) as unknown[] | { rows: unknown[] };
  expect(Array.isArray(board) ? board.length : board.rows.length).toBe(study.trials.length);
  expect(survived).toBe(kills.length);

  // Epochs trained (the log) against epochs recorded: every recorded epoch was trained, and what was
  // trained twice (lost to a kill) is at most what was running at the kills.
  const trained = readFileSync(epochLog, 'utf8').trim().split('\n');
  const bySeed = new Map(study.trials.map((t) => [t.seed, t]));
  for (const line of trained) expect(bySeed.has(Number(line.split(' ')[0])), line).toBe(true);
  const recorded = study.trials.reduce((n, t) => n + t.epochs.length, 0);
  for (const t of study.trials) for (const m of t.epochs) expect(trained).toContain(`${t.seed} ${m.epoch}`);
  const lost = trained.length - recorded;
  expect(lost).toBeGreaterThanOrEqual(0);
  expect(lost).toBeLessThanOrEqual(runningAtKills);
  console.log(
    `driver-crash ${name}: ${survived} kills survived; ${study.trials.length} trials, ${seenRunning.size} of them resumed after a kill; ` +
      `epochs trained ${trained.length}, recorded ${recorded}: ${lost} lost vs ${runningAtKills} running at the kills`,
  );
  return survived;
}

describe('SIGKILL of the driver at 20 moments, each followed by the same command', () => {
  it('keeps every finished trial, never repeats a number, resumes the interrupted ones from their checkpoints and completes', async () => {
    const survived = await Promise.all(KILLS.map((kills, i) => crashStudy(tempDir(), kills, `study ${'ab'[i]}`)));
    expect(survived.reduce((a, b) => a + b, 0)).toBe(20);
  });
});
