/** Real processes for the scale-out tests: `digit-sweep worker` children and a driver, on a test Redis. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StudyRecord } from '../../src/core/types.js';
import { CLI, REPO, runCli } from '../helpers/cli.js';

export const SPACE = join(REPO, 'test/fixtures/spaces/redis-asha.yaml');

export interface WorkerProc {
  child: ChildProcess;
  log: () => string;
  /** Resolves when the worker's log matches `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function startWorker(url: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): WorkerProc {
  const child = spawn(process.execPath, [CLI, 'worker', '--redis', url, '--trainer', 'scripted', '--lock-ms', '1500', ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return {
    child,
    log: () => out,
    waitFor: (re, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const t0 = Date.now();
        const tick = () => {
          if (re.test(out)) return resolve();
          if (child.exitCode !== null || Date.now() - t0 > timeoutMs) return reject(new Error(`worker log never matched ${re}:\n${out}`));
          setTimeout(tick, 20);
        };
        tick();
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

/**
 * A scripted sweep of the ASHA space, with no reports (`--skip-reports`): they are not what these tests
 * are about (test/redis/live-report.test.ts is), and each write draws the charts, a second of CPU.
 */
export function sweepArgs(dir: string, study: string, extra: string[] = []): string[] {
  return ['sweep', SPACE, '--trainer', 'scripted', '--study', study, '--runs', join(dir, 'runs'), '--reports', join(dir, 'reports'), '--skip-reports', ...extra];
}


export function readSnapshot(dir: string, study: string): StudyRecord {
  return JSON.parse(readFileSync(join(dir, 'runs', study, 'study.json'), 'utf8')) as StudyRecord;
}

/** What must not depend on where trials ran: numbers, params, states, learning curves. */
export const summary = (s: StudyRecord) => s.trials.map((t) => ({ n: t.number, params: t.params, state: t.state, values: t.intermediateValues }));

/** The single-machine reference: the lowdb sweep, one worker thread (`extra`: more sweep arguments). */
export async function referenceSweep(dir: string, extra: string[] = []): Promise<StudyRecord> {
  const r = await runCli(sweepArgs(dir, 'reference', ['--workers', '1', ...extra]), { env: { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '0' } });
  if (r.code !== 0) throw new Error(`reference sweep failed: ${r.stderr}`);
  return readSnapshot(dir, 'reference');
}

export { runCli };
