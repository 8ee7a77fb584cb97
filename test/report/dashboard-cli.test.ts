/**
 * `digit-sweep dashboard` as a command: a missing study and a port in use are one-line errors with
 * exit code 2; it serves a study's page (the same parts as report.html, plus its event stream) and
 * the list of studies, and writes nothing in the study's folder. No browser here (dashboard-live.test.ts).
 */
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../src/report/dashboard.js';
import { listTree } from '../faults/helpers.js';
import { runInProcess } from '../helpers/cli.js';
import { runDashboard } from './helpers/dashboard.js';
import { writeStudyFixture } from './helpers/fixture.js';

/** The first event of a server-sent event stream (its `data:` JSON). */
async function firstEvent(url: string): Promise<{ version: number; parts: Record<string, string> }> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`event stream ended: ${text}`);
      text += Buffer.from(value).toString('utf8');
      const m = /^data: (.*)$/m.exec(text);
      if (m && text.includes('\n\n', m.index)) return JSON.parse(m[1]!);
    }
  } finally {
    ac.abort();
  }
}

describe('digit-sweep dashboard', () => {
  let fx: Awaited<ReturnType<typeof writeStudyFixture>>;
  let busy: Server;
  let busyPort = 0;
  beforeAll(async () => {
    fx = await writeStudyFixture();
    busy = createServer();
    busyPort = await new Promise<number>((resolve) => busy.listen(0, '127.0.0.1', () => resolve((busy.address() as { port: number }).port)));
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  // The argument errors run the command in this process (the same run() that dist/cli.js calls, and its
  // exit code); the spawned command is the one that serves (below).
  it('a missing study: one line, exit 2', async () => {
    const r = await runInProcess(['dashboard', 'nope', '--runs', fx.runsDir, '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`digit-sweep: ${join(fx.runsDir, 'nope', 'study.json')}: no such study (study.json not found)\n`);
    expect(r.stdout).toBe('');
  });

  it('a port in use, or not a port: one line, exit 2', async () => {
    const r = await runInProcess(['dashboard', 'mnist-cnn', '--runs', fx.runsDir, '--port', String(busyPort)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`digit-sweep: dashboard: port ${busyPort} on 127.0.0.1 is in use; pick another with --port (0: any free port)\n`);
    const bad = await runInProcess(['dashboard', 'mnist-cnn', '--runs', fx.runsDir, '--port', 'http']);
    expect([bad.code, bad.stderr]).toEqual([2, 'digit-sweep: argument --port: expected a port number 0-65535, got "http"\n']);
  });

  it('serves the study page and its events, and writes nothing in the study', async () => {
    const tree = listTree(fx.root);
    const dash = await runDashboard(`digit-sweep dashboard mnist-cnn --runs ${fx.runsDir}`, fx.root);
    try {
      expect(dash.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/study\/mnist-cnn\/$/);
      const root = await fetch(new URL('/', dash.url), { redirect: 'manual' });
      expect(root.status).toBe(302);
      expect(root.headers.get('location')).toBe('/study/mnist-cnn/');
      const page = await (await fetch(dash.url)).text();
      expect(page).toContain('<h1>Study mnist-cnn</h1>');
      expect(page).toContain('data-events="events"');
      expect(page.match(/<figure class="chart"[^>]*><svg\b/g)?.length).toBeGreaterThanOrEqual(7);
      const ev = await firstEvent(new URL('events?v=0', dash.url).href);
      expect(ev.version).toBe(1);
      expect(Object.keys(ev.parts).sort()).toEqual(['best-body', 'lb-data', 'nav', 'refit-part', 'search-charts', 'summary']);
      expect(ev.parts.summary).toContain('5 complete, 2 pruned, 0 running, 1 fail');
      expect((await fetch(new URL('/study/other/', dash.url))).status).toBe(404);
    } finally {
      const r = await dash.stop();
      expect(r.code, r.err).toBe(0);
    }
    expect(listTree(fx.root)).toEqual(tree);
  });

  it('lists the studies without a name', async () => {
    const dash = await startDashboard({ port: 0, runsDir: fx.runsDir });
    try {
      const html = await (await fetch(dash.url)).text();
      expect(html).toMatch(/<a href="study\/mnist-cnn\/">mnist-cnn<\/a> \(8 trials: 5 complete, 0 running; best 0\.99\d*\)/);
    } finally {
      await dash.close();
    }
  });
});
