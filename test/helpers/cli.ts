import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI (npm test builds before vitest runs). */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli.js ...args` to completion. */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? REPO,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : null;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Runs the CLI in this process: `run()` of src/commands/index.ts (what dist/cli.js calls; the process's
 * exit code is its result), with the working folder `cwd` and console/stdout/stderr captured. For the
 * many cases where spawning a node per case proves nothing more than one spawned case of the same exit
 * path does. Runs one at a time (the working folder and the console are the process's).
 */
export async function runInProcess(args: string[], opts: { cwd?: string } = {}): Promise<CliResult> {
  const { vi } = await import('vitest');
  const { format } = await import('node:util');
  const { run } = await import('../../src/commands/index.js');
  let stdout = '';
  let stderr = '';
  const toOut = (...a: unknown[]) => void (stdout += `${format(...a)}\n`);
  const toErr = (...a: unknown[]) => void (stderr += `${format(...a)}\n`);
  const write = (to: 'out' | 'err') => (chunk: string | Uint8Array) => {
    if (to === 'out') stdout += String(chunk);
    else stderr += String(chunk);
    return true;
  };
  const spies = [
    vi.spyOn(console, 'log').mockImplementation(toOut),
    vi.spyOn(console, 'info').mockImplementation(toOut),
    vi.spyOn(console, 'warn').mockImplementation(toErr),
    vi.spyOn(console, 'error').mockImplementation(toErr),
    vi.spyOn(process.stdout, 'write').mockImplementation(write('out') as typeof process.stdout.write),
    vi.spyOn(process.stderr, 'write').mockImplementation(write('err') as typeof process.stderr.write),
  ];
  const cwd = process.cwd();
  const exitCode = process.exitCode;
  if (opts.cwd) process.chdir(opts.cwd);
  try {
    const code = await run(args);
    return { code, signal: null, stdout, stderr };
  } finally {
    process.chdir(cwd);
    process.exitCode = exitCode;
    for (const s of spies) s.mockRestore();
  }
}
