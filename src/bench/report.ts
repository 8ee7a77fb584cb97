/**
 * Report and dashboard benchmark (issue 21): for studies of 100, 1,000 and 5,000 trials (made here:
 * the scripted trainer's curves for random params of the quickstart space, 10 epochs, ASHA-like
 * stops at epochs 1 and 3, 1% failed, 2 running; written through the store's atomic writer), measures
 *   - generation: `digit-sweep report NAME` as a child process (wall clock, node start included);
 *   - report.html's size;
 *   - load + render of report.html and of the dashboard's page in headless chromium: the page's own
 *     `data-rendered-ms` (navigation start to its load event, table rendered, after a forced layout),
 *     read from `chromium --headless --dump-dom` (one fresh browser per measurement);
 *   - the dashboard's first render of the study (startDashboard until it listens).
 * Each figure is measured `--rounds` times (default 2) and every value is printed. Prints JSON.
 *
 *   npm run bench:report [-- --trials 100,1000,5000 --rounds 2 --chromium /usr/bin/chromium]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startDashboard } from '../report/dashboard.js';
import { writeStudySnapshot } from '../study/remote.js';
import { syntheticStudy } from './synthetic-study.js';

interface Args {
  trials: number[];
  rounds: number;
  epochs: number;
  chromium: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { trials: [100, 1000, 5000], rounds: 2, epochs: 10, chromium: '/usr/bin/chromium' };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i]!;
    const v = argv[i + 1] ?? '';
    if (k === '--trials') a.trials = v.split(',').map(Number);
    else if (k === '--rounds') a.rounds = Number(v);
    else if (k === '--epochs') a.epochs = Number(v);
    else if (k === '--chromium') a.chromium = v;
    else throw new Error(`unknown argument ${k}`);
  }
  if (a.trials.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(a.rounds) || a.rounds < 1) throw new Error('--trials and --rounds take positive integers');
  return a;
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err, ms: performance.now() - t }));
  });
}

/** The page's own load + render time in a fresh headless chromium (see the file comment). */
async function browserMs(chromium: string, url: string): Promise<{ renderedMs: number; processMs: number }> {
  const profile = mkdtempSync(join(tmpdir(), 'digit-sweep-bench-chromium-'));
  try {
    const r = await run(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', `--user-data-dir=${profile}`, '--window-size=1280,900', '--dump-dom', url]);
    const m = /data-rendered-ms="(\d+)"/.exec(r.out);
    if (!m || !/data-rendered="1"/.test(r.out)) throw new Error(`chromium did not render ${url} (exit ${r.code}): ${r.err.slice(-500)}`);
    return { renderedMs: Number(m[1]), processMs: Math.round(r.ms) };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

async function measure(args: Args, n: number, dir: string) {
  const name = `bench-${n}`;
  const runs = join(dir, 'runs');
  const reports = join(dir, 'reports');
  await writeStudySnapshot(join(runs, name), syntheticStudy(name, n, args.epochs));
  const cli = fileURLToPath(new URL('../cli.js', import.meta.url));
  const out = { trials: n, reportCommandMs: [] as number[], reportHtmlBytes: 0, reportBrowser: [] as object[], dashboardFirstRenderMs: [] as number[], dashboardBrowser: [] as object[] };
  for (let i = 0; i < args.rounds; i++) {
    const r = await run(process.execPath, [cli, 'report', name, '--runs', runs, '--reports', reports]);
    if (r.code !== 0) throw new Error(`digit-sweep report failed: ${r.err}`);
    out.reportCommandMs.push(Math.round(r.ms));
    const html = join(reports, name, 'report.html');
    out.reportHtmlBytes = statSync(html).size;
    out.reportBrowser.push(await browserMs(args.chromium, pathToFileURL(html).href));
    const t = performance.now();
    const dash = await startDashboard({ name, port: 0, runsDir: runs });
    out.dashboardFirstRenderMs.push(Math.round(performance.now() - t));
    try {
      out.dashboardBrowser.push(await browserMs(args.chromium, dash.url));
    } finally {
      await dash.close();
    }
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'digit-sweep-bench-report-'));
  try {
    const results = [];
    for (const n of args.trials) results.push(await measure(args, n, dir));
    const version = (await run(args.chromium, ['--version'])).out.trim();
    console.log(JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, chromium: version, epochs: args.epochs, rounds: args.rounds, results }, null, 2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
