/**
 * The driver is SIGKILLed at 20 moments (during a trial, between epochs, right after a trial starts or
 * ends, in the middle of a study.json write, right after study.json was replaced, while the reports are
 * written) and the same command is run again each time. Nothing finished is lost or changed, no trial
 * number repeats, trials left running become `fail` (interrupted), and the sweep completes.
 *
 * Every kill point is an event of the run (a line, a file event), never a time since the spawn: on a
 * fast machine a fixed delay can land after the sweep has ended, on a loaded one before it started.
 * The budget is large enough that each of the first 17 runs still has trials to run when its event comes.
 */
import { type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FrozenTrial } from '../../src/study/types.js';
import { cli, INTERRUPTED, onLines, readStudyFile, tempDir, writeSpace } from './helpers.js';

type KillPoint =
  | { kind: 'epoch-line'; k: number } // the k-th "trial N epoch E" line: between epochs
  | { kind: 'start-line'; k: number } // the k-th "trial N started": just after createTrial's write
  | { kind: 'end-line'; k: number } // the k-th trial outcome line: just after the outcome's write
  | { kind: 'tmp-written'; k: number } // the k-th study.json.tmp-<pid> appears: inside a store write
  | { kind: 'replaced'; k: number } // study.json was replaced for the k-th time: right after a write
  | { kind: 'after-start'; ms: number } // that long after the first "trial N started": wherever it is, usually inside a trial
  | { kind: 'report-file'; k: number }; // the k-th file event under reports/crash after "sweep ended": while the reports are written

const KILLS: KillPoint[] = [
  { kind: 'epoch-line', k: 2 },
  { kind: 'replaced', k: 3 },
  { kind: 'tmp-written', k: 4 },
  { kind: 'start-line', k: 2 },
  { kind: 'after-start', ms: 40 },
  { kind: 'end-line', k: 1 },
  { kind: 'epoch-line', k: 5 },
  { kind: 'tmp-written', k: 9 },
  { kind: 'replaced', k: 7 },
  { kind: 'start-line', k: 3 },
  { kind: 'after-start', ms: 120 },
  { kind: 'end-line', k: 3 },
  { kind: 'tmp-written', k: 1 },
  { kind: 'replaced', k: 1 },
  { kind: 'epoch-line', k: 1 },
  { kind: 'after-start', ms: 250 },
  { kind: 'replaced', k: 12 },
  { kind: 'report-file', k: 1 },
  { kind: 'report-file', k: 3 },
  { kind: 'report-file', k: 6 },
];

const TRIALS = 80;
/** Trials a run before the report kills must still have to run: more than any kill point above consumes. */
const HEADROOM = 12;

describe('SIGKILL of the driver at 20 moments, each followed by the same command', () => {
  it('keeps every finished trial, never repeats a number, fails the interrupted ones and completes', async () => {
    const dir = tempDir();
    const space = writeSpace(dir, 'crash.yaml', { trials: TRIALS, epochs: 3, workers: 2 });
    const studyDir = join(dir, 'runs', 'crash');
    const args = ['sweep', space, '--trainer', 'scripted', '--study', 'crash', '--runs', join(dir, 'runs'), '--reports', join(dir, 'reports')];
    const env = { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '25' };

    const finished = new Map<number, FrozenTrial>(); // every trial ever seen finished, as first seen
    const killedRunning = new Map<number, FrozenTrial>(); // trials left running by a kill
    let previous = new Map<number, FrozenTrial>();
    let survived = 0;

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
      for (const [n, t] of killedRunning) {
        const after = now.get(n)!;
        expect(after.params, `${label}: trial ${n} params`).toEqual(t.params);
        // Either marked interrupted by a later run, or that run died before it got to it.
        expect(after.state === 'running' || (after.state === 'fail' && INTERRUPTED.test(after.error ?? '')), `${label}: trial ${n} is ${after.state}`).toBe(true);
      }
      for (const t of study.trials) {
        if (t.state !== 'running' && !finished.has(t.number)) finished.set(t.number, t);
      }
      previous = now;
      return study;
    };

    const reportsDir = join(dir, 'reports', 'crash');
    mkdirSync(reportsDir, { recursive: true }); // watched before the first report is written

    for (const [i, point] of KILLS.entries()) {
      const label = `kill ${i + 1} (${JSON.stringify(point)})`;
      if (point.kind !== 'report-file' && existsSync(join(studyDir, 'study.json'))) {
        // The kill must land inside the sweep: make sure this run still has trials to run.
        const left = TRIALS - readStudyFile(studyDir).trials.filter((t) => !(t.state === 'fail' && INTERRUPTED.test(t.error ?? ''))).length;
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
          if (point.kind === 'after-start') {
            let armed = false;
            onLines(child, (l) => {
              if (armed || !/^trial \d+ started/.test(l)) return;
              armed = true;
              setTimeout(kill, point.ms);
            });
          }
          if (point.kind === 'epoch-line') onLines(child, (l) => nth(/^trial \d+ epoch \d+/.test(l)));
          if (point.kind === 'start-line') onLines(child, (l) => nth(/^trial \d+ started/.test(l)));
          if (point.kind === 'end-line') onLines(child, (l) => nth(/^trial \d+ (complete|pruned|fail)/.test(l)));
          if (point.kind === 'report-file') {
            onLines(child, (l) => {
              if (!l.startsWith('sweep ended') || watcher) return;
              watcher = watch(reportsDir, () => nth(true));
            });
          }
          if (point.kind === 'tmp-written' || point.kind === 'replaced') {
            watcher = watch(studyDir, (event, name) => {
              if (point.kind === 'tmp-written') nth(event === 'rename' && !!name?.startsWith('study.json.tmp-'));
              else nth(event === 'rename' && name === 'study.json' && existsSync(join(studyDir, 'study.json')));
            });
          }
        },
      });
      (watcher as FSWatcher | null)?.close();
      expect(r.timedOut, `${label}: the run hung and was killed by the test's timeout`).toBe(false);
      expect(r.signal, `${label}: the driver was not killed (exit ${r.code}): ${r.err}`).toBe('SIGKILL');
      survived++;
      const study = check(label);
      for (const t of study.trials) if (t.state === 'running' && !killedRunning.has(t.number)) killedRunning.set(t.number, t);
    }

    // The same command, once more, to the end.
    const last = await cli(args, { cwd: dir, env });
    expect(last.code, last.err).toBe(0);
    const study = check('final run');
    expect(study.trials.filter((t) => t.state === 'running')).toEqual([]);
    for (const n of killedRunning.keys()) {
      const t = study.trials.find((x) => x.number === n)!;
      expect(t.state).toBe('fail');
      expect(t.error).toMatch(INTERRUPTED);
    }
    const counted = study.trials.filter((t) => !(t.state === 'fail' && INTERRUPTED.test(t.error ?? '')));
    expect(counted).toHaveLength(TRIALS);
    expect(study.trials.filter((t) => t.state === 'complete').length).toBe(TRIALS);
    // No half-written file of a killed driver is left behind.
    expect(readdirSync(studyDir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const board = JSON.parse(readFileSync(join(dir, 'reports', 'crash', 'leaderboard.json'), 'utf8')) as unknown[] | { rows: unknown[] };
    expect(Array.isArray(board) ? board.length : board.rows.length).toBe(study.trials.length);
    expect(survived).toBe(20);
    console.log(
      `driver-crash: ${survived} kill points survived; ${study.trials.length} trials (${killedRunning.size} interrupted by kills), 0 lost`,
    );
  });
});
