/**
 * The live report in a real browser (issue 11): a scripted sweep runs as a child process while Debian's
 * headless chromium shows its report.html. The page reloads itself and shows a newer study while the
 * sweep runs, and once the sweep has ended it shows the final report, which has no way to reload (no
 * meta refresh, no script). Every wait is for an event (a line of the sweep, a file change, a page
 * load); the timeouts only bound a hung run. In CI (env CI set) a missing chromium fails the test.
 */
import { existsSync, mkdirSync, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { cli, tempDir, writeSpace } from '../faults/helpers.js';
import { describeWithTool } from '../helpers/tools.js';
import { findChromium, HeadlessPage } from './helpers/cdp.js';

const chromium = findChromium();
const MISSING = 'chromium is not installed (apt-get install -y chromium; .ci/run does it)';

const TRIALS = 10;

interface Snapshot {
  refresh: string | null;
  live: boolean;
  scripts: number;
  trials: string;
  generated: string;
}

const SNAPSHOT = `(() => {
  const dd = [...document.querySelectorAll('header dt')].map((dt) => [dt.textContent, dt.nextElementSibling.textContent]);
  const get = (k) => (dd.find(([t]) => t === k) || [, ''])[1];
  return {
    refresh: document.querySelector('meta[http-equiv="refresh"]')?.getAttribute('content') ?? null,
    live: !!document.getElementById('live'),
    scripts: document.scripts.length,
    trials: get('trials'),
    generated: get('created'),
  };
})()`;

/** Resolves with the first value `check` returns that is not undefined, calling it on every `subscribe` signal. */
function when<T>(subscribe: (signal: () => void) => void, check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 120_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const test = async () => {
      if (done) return;
      try {
        const v = await check();
        if (v !== undefined && !done) {
          done = true;
          clearTimeout(timer);
          resolve(v);
        }
      } catch (err) {
        done = true;
        clearTimeout(timer);
        reject(err as Error);
      }
    };
    subscribe(() => void test());
    void test();
  });
}

describeWithTool({ name: 'chromium', present: chromium !== null, reason: MISSING }, 'live report.html while a sweep runs (headless chromium)', () => {
  const dir = tempDir('digit-sweep-live-');
  let page: HeadlessPage | null = null;
  afterAll(async () => {
    await page?.close();
  });

  it('reloads and changes while the sweep runs, then shows the final report that no longer reloads', async () => {
    if (!chromium) throw new Error(MISSING); // unreachable: describeWithTool runs this only with chromium
    const space = writeSpace(dir, 'live.yaml', { trials: TRIALS, epochs: 4, workers: 2 });
    page = await HeadlessPage.launch(chromium);
    const p = page;

    // Every page load (the first goto, then each meta-refresh reload) gives a snapshot.
    const loads: Snapshot[] = [];
    const loadListeners = new Set<() => void>();
    p.on('Page.loadEventFired', () => {
      p.evaluate<Snapshot>(SNAPSHOT).then(
        (s) => {
          loads.push(s);
          for (const l of loadListeners) l();
        },
        // The page started its next reload while being read: that load brings its own snapshot.
        () => undefined,
      );
    });
    const onLoad = (signal: () => void) => void loadListeners.add(signal);

    // The sweep's report folder exists beforehand, so its first report.html is an event to wait for.
    const reportFile = join(dir, 'reports', 'live', 'report.html');
    mkdirSync(dirname(reportFile), { recursive: true });
    const created = watch(dirname(reportFile));
    let child: import('node:child_process').ChildProcess | null = null;
    const run = cli(['sweep', space, '--trainer', 'scripted', '--runs', join(dir, 'runs'), '--reports', join(dir, 'reports')], {
      cwd: dir,
      env: { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '1500' },
      timeoutMs: 300_000,
      onStart: (c) => (child = c),
    });
    try {
      await Promise.race([
        when((signal) => created.on('change', signal), () => (existsSync(reportFile) ? true : undefined), 'the first live report.html'),
        run.then((r) => Promise.reject(new Error(`sweep ended before its live report:\n${r.out}\n${r.err}`))),
      ]);
    } finally {
      created.close();
    }

    // First look: a live page.
    await p.goto(pathToFileURL(reportFile).href);
    const first = await when(onLoad, () => loads.at(-1), 'the first load');
    expect(first.refresh).toBe('5');
    expect(first.live).toBe(true);
    expect(first.scripts).toBe(0);

    // Wait for the sweep to rewrite report.html with a newer live version, then freeze the sweep
    // (SIGSTOP) so it cannot end before the browser has reloaded into that version.
    const watcher = watch(dirname(reportFile));
    try {
      await when(
        (signal) => watcher.on('change', signal),
        async () => {
          const html = await readFile(reportFile, 'utf8').catch(() => '');
          if (!html.includes('http-equiv="refresh"')) {
            if (html.includes('</html>')) throw new Error('the sweep ended before a second live version of report.html');
            return undefined;
          }
          return html.includes(first.generated.split('report generated ')[1] ?? '\u0000') ? undefined : true;
        },
        'a second live version of report.html',
      );
    } finally {
      watcher.close();
    }
    child!.kill('SIGSTOP');
    let second: Snapshot;
    try {
      second = await when(onLoad, () => loads.find((s) => s.refresh !== null && s.generated !== first.generated), 'the page to reload into a newer live version');
    } finally {
      child!.kill('SIGCONT');
    }
    expect(second.live).toBe(true);
    expect(second.trials).not.toBe(first.trials);

    // The sweep ends; the last live page reloads into the final report, which cannot reload.
    const r = await run;
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`live report: ${reportFile} (`);
    expect(r.err).not.toMatch(/warning: live report/);
    const final = await when(onLoad, () => loads.find((s) => s.refresh === null), 'the page to show the final report');
    expect(final.live).toBe(false);
    expect(final.scripts).toBe(0);
    expect(final.trials).toBe(`${TRIALS}: ${TRIALS} complete, 0 pruned, 0 running, 0 fail`);
    const html = await readFile(reportFile, 'utf8');
    expect(html).not.toMatch(/http-equiv="refresh"/);
    expect(html).toContain(final.generated.split('report generated ')[1]!);
    // Every live page seen before the final one said the sweep was running.
    const before = loads.slice(0, loads.indexOf(final));
    console.log(`page loads: ${loads.length} (${before.length} live, then the final); trials shown: ${[...new Set(loads.map((x) => x.trials))].join(' | ')}`);
    expect(before.length).toBeGreaterThanOrEqual(2);
    for (const s of before) expect(s).toMatchObject({ refresh: '5', live: true });
    const errors = p.problems.filter((x) => x.level === 'error');
    expect(errors).toEqual([]);
  }, 360_000);
});
