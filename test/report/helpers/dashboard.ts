/** The dashboard as the user runs it: the command a sweep prints, as a child process, and its URL. */
import type { ChildProcess } from 'node:child_process';
import { cli, onLines, type RunResult } from '../../faults/helpers.js';

/** Resolves with the first stdout line of `child` that matches `re` (rejects if the child exits first). */
export function lineOf(child: ChildProcess, re: RegExp, what: string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let done = false;
    onLines(child, (line) => {
      const m = re.exec(line);
      if (m && !done) {
        done = true;
        resolve(m);
      }
    });
    child.once('exit', (code) => {
      if (!done) reject(new Error(`${what}: the process exited (${code}) before printing a line like ${re}`));
    });
  });
}

export interface DashboardProc {
  url: string;
  child: ChildProcess;
  /** SIGINT (Ctrl-C), then the exit. */
  stop(): Promise<RunResult>;
}

/**
 * Runs `command` (a `digit-sweep dashboard …` line as the sweep prints it; its arguments hold no
 * spaces) on a free port, and waits for the URL it prints.
 */
export async function runDashboard(command: string, cwd: string): Promise<DashboardProc> {
  const [bin, ...args] = command.split(' ');
  if (bin !== 'digit-sweep' || args[0] !== 'dashboard') throw new Error(`not a dashboard command: ${command}`);
  let child: ChildProcess | null = null;
  const run = cli([...args, '--port', '0'], { cwd, timeoutMs: 600_000, onStart: (c) => (child = c) });
  const m = await Promise.race([
    lineOf(child!, /^dashboard: (http:\/\/127\.0\.0\.1:\d+\/\S*) /, 'digit-sweep dashboard'),
    run.then((r) => Promise.reject(new Error(`dashboard exited (${r.code}): ${r.err}`))),
  ]);
  return {
    url: m[1]!,
    child: child!,
    stop: () => {
      child!.kill('SIGINT');
      return run;
    },
  };
}
