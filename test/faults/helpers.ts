/** Shared by the fault tests: the built CLI as a real child process, temp folders, study snapshots. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';
import type { FrozenTrial, StudyRecord } from '../../src/core/types.js';

export const CLI = resolve('dist/cli.js');
export const BAD_INPUTS = resolve('test/fixtures/bad-inputs');

/** A temp folder removed after the file's tests. */
export function tempDir(prefix = 'digit-sweep-faults-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface SpaceOptions {
  trials?: number;
  epochs?: number;
  workers?: number;
  budget?: string;
  pruner?: string;
}

/** Writes a small scripted-trainer search space and returns its path. */
export function writeSpace(dir: string, name: string, o: SpaceOptions = {}): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    [
      'params:',
      '  lr: { type: float, low: 1.0e-4, high: 1.0e-2, log: true }',
      '  dropout: { type: float, low: 0.1, high: 0.6 }',
      `fixed: { epochs: ${o.epochs ?? 3}, batchSize: 64 }`,
      `budget: { trials: ${o.trials ?? 6}, workers: ${o.workers ?? 2}${o.budget ? `, ${o.budget}` : ''} }`,
      'sampler: { type: random }',
      `pruner: ${o.pruner ?? '{ type: none }'}`,
      'lag: 1',
      'seed: 5',
      'keepModels: 0',
      '',
    ].join('\n'),
  );
  return file;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The run outlived `timeoutMs` and was SIGKILLed by the helper (not by the test). */
  timedOut: boolean;
  out: string;
  err: string;
}

/** Spawns the CLI; `onStart` gets the child (to kill it, watch its output). */
export function cli(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; onStart?: (child: ChildProcess) => void; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? process.cwd(),
      env: { ...process.env, FORCE_COLOR: '0', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 120_000);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, timedOut, out, err });
    });
    opts.onStart?.(child);
  });
}

/** Calls `fn` with each complete line the child prints on stdout. */
export function onLines(child: ChildProcess, fn: (line: string) => void): void {
  let rest = '';
  child.stdout!.on('data', (d: Buffer) => {
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop()!;
    for (const line of parts) fn(line);
  });
}

export function readStudyFile(studyDir: string): StudyRecord {
  return JSON.parse(readFileSync(join(studyDir, 'study.json'), 'utf8')) as StudyRecord;
}

export function trialsByNumber(study: StudyRecord): Map<number, FrozenTrial> {
  return new Map(study.trials.map((t) => [t.number, t]));
}

/** Every file under `dir` (relative paths with sizes and mtimes), to prove nothing was written. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names.sort()) {
      const p = join(d, n);
      const s = statSync(p);
      out.push(`${rel}${n} ${s.isDirectory() ? 'dir' : `${s.size} ${s.mtimeMs}`}`);
      if (s.isDirectory()) walk(p, `${rel}${n}/`);
    }
  };
  walk(dir, '');
  return out;
}

export const INTERRUPTED = /^interrupted/;
