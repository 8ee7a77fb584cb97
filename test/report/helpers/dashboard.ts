/** The dashboard as the user runs it: the command a sweep prints, as a child process, and its URL. */
import type { ChildProcess } from 'node:child_process';
import type { Browser } from 'puppeteer-core';
import { expect } from 'vitest';
import { cli, onLines, type RunResult } from '../../faults/helpers.js';
import { watchedPage, type WatchedPage } from './browser.js';

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

/** What a live-dashboard test holds open (closed in its afterAll, also after a failure). */
export interface Held {
  dash?: DashboardProc | null;
}

export async function closeHeld(held: Held): Promise<void> {
  await held.dash?.stop();
  held.dash = null;
}

const COMPLETE_ROWS = `document.querySelectorAll('#lb-table tbody .state.complete').length`;

/** The dashboard command a sweep prints (its stdout `out`, or a line of it). */
export const PRINTED_COMMAND = /^dashboard \(.*\): (digit-sweep dashboard .*)$/m;

/**
 * What both live-dashboard tests (lowdb, Redis) check: `command` (as the sweep printed it) runs, a page
 * opens while no trial can end, then `run()` lets trials run (a resumed sweep, or the first worker), a
 * trial that ends shows up in the open page without a reload (a value set on the page's window
 * survives), and once `run()`'s sweep has ended the page shows all `trials` complete, with no console
 * or page error. The order is made by events, not timing. The page is a new one in `browser` (one
 * browser per test file). Resolves with the open page.
 */
export async function expectLiveDashboard(opts: {
  command: string;
  dir: string;
  trials: number;
  held: Held;
  browser: Browser;
  run: () => Promise<RunResult>;
}): Promise<WatchedPage> {
  const dash = await runDashboard(opts.command, opts.dir);
  opts.held.dash = dash;
  const p = await watchedPage(opts.browser);
  await p.goto(dash.url);
  await p.page.evaluate('window.samePage = "yes"');
  const before = (await p.page.evaluate(COMPLETE_ROWS)) as number;
  expect(before).toBeLessThan(opts.trials);
  const sweep = opts.run();
  // A trial ends: its row turns complete in the open page.
  await p.page.waitForFunction(`${COMPLETE_ROWS} > ${before}`, { timeout: 120_000 });
  expect(await p.page.evaluate('window.samePage')).toBe('yes');
  const r = await sweep;
  expect(r.code, r.err).toBe(0);
  const all = `${opts.trials}: ${opts.trials} complete`;
  await p.page.waitForFunction(`document.getElementById('summary').textContent.includes('${all}')`, { timeout: 120_000 });
  expect(await p.page.evaluate(COMPLETE_ROWS)).toBe(opts.trials);
  expect(await p.page.evaluate('window.samePage')).toBe('yes');
  expect(p.problems).toEqual([]);
  return p;
}
