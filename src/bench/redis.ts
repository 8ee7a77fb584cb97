/**
 * Scale-out benchmark: one driver (this process, `runSweep` with `redis`) and 1 vs 4 `digit-sweep
 * worker` processes (one trial slot each) on a redis-server started here on 127.0.0.1, with the
 * scripted trainer sleeping a fixed time per epoch (DIGIT_SWEEP_SCRIPTED_DELAY_MS, default 50), the
 * random sampler and no pruner, so every trial is the same work. Each configuration first runs a short
 * warm-up sweep (workers up, threads started), then the measured sweep resumes the same study.
 * Reports trials per second, the 4-vs-1 speedup, and the dispatch overhead per trial: measured time
 * per trial and slot minus the trainer's own epochs x delay. Prints JSON.
 *
 *   npm run bench:redis [-- --trials 48 --epochs 5 --workers 4]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSweep } from '../study/sweep.js';

interface Args {
  trials: number;
  epochs: number;
  workers: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { trials: 48, epochs: 5, workers: 4 };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i]!;
    const v = Number(argv[i + 1]);
    if (!Number.isInteger(v) || v < 1) throw new Error(`${k}: expected a positive integer, got ${argv[i + 1]}`);
    if (k === '--trials') a.trials = v;
    else if (k === '--epochs') a.epochs = v;
    else if (k === '--workers') a.workers = v;
    else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startRedis(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.on('error', (e) => reject(new Error(`redis-server: ${e.message} (install it: apt-get install redis-server)`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (/Ready to accept connections/i.test(out)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
  child.stdout!.resume();
  return { url: `redis://127.0.0.1:${port}`, child };
}

const CLI = fileURLToPath(new URL('../cli.js', import.meta.url));

async function measure(url: string, dir: string, workers: number, args: Args, delayMs: number) {
  const study = `bench-${workers}`;
  const space = join(dir, `${study}.yaml`);
  writeFileSync(
    space,
    [
      'params:',
      '  lr: { type: float, low: 1.0e-4, high: 1.0e-2, log: true }',
      `fixed: { epochs: ${args.epochs}, batchSize: 64 }`,
      `budget: { trials: ${args.trials}, workers: ${workers} }`,
      'sampler: { type: random }',
      'pruner: { type: none }',
      `lag: ${Math.max(0, workers - 1)}`,
      'seed: 1',
      'keepModels: 0',
      '',
    ].join('\n'),
  );
  const procs = Array.from({ length: workers }, () =>
    spawn(process.execPath, [CLI, 'worker', '--redis', url, '--trainer', 'scripted', '--study', study], {
      env: { ...process.env, DIGIT_SWEEP_SCRIPTED_DELAY_MS: String(delayMs) },
      stdio: 'ignore',
    }),
  );
  try {
    const common = { spaceFile: space, study, workers, trainer: 'scripted' as const, runsDir: join(dir, 'runs'), redis: url };
    await runSweep({ ...common, trials: workers * 2 }); // warm-up: workers serving, pool threads up
    let t0 = 0;
    let t1 = 0;
    const result = await runSweep({
      ...common,
      trials: workers * 2 + args.trials,
      onEvent: (e) => {
        if (e.type === 'trial-start' && !t0) t0 = performance.now();
        if (e.type === 'stop') t1 = performance.now();
      },
    });
    const measured = result.trials.length - workers * 2;
    const seconds = (t1 - t0) / 1000;
    const perTrialSlotMs = (seconds * 1000 * workers) / measured;
    return {
      workers,
      trials: measured,
      seconds: Number(seconds.toFixed(3)),
      trialsPerSecond: Number((measured / seconds).toFixed(3)),
      overheadMsPerTrial: Number((perTrialSlotMs - args.epochs * delayMs).toFixed(1)),
    };
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r)))));
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const delayMs = Number(process.env['DIGIT_SWEEP_SCRIPTED_DELAY_MS'] ?? 50);
  const dir = mkdtempSync(join(tmpdir(), 'ds-bench-redis-'));
  const redis = await startRedis();
  try {
    const one = await measure(redis.url, dir, 1, args, delayMs);
    const many = await measure(redis.url, dir, args.workers, args, delayMs);
    console.log(
      JSON.stringify(
        {
          trainer: 'scripted',
          epochDelayMs: delayMs,
          epochsPerTrial: args.epochs,
          trialWorkMs: args.epochs * delayMs,
          runs: [one, many],
          speedup: Number((many.trialsPerSecond / one.trialsPerSecond).toFixed(2)),
          target: 3.5,
        },
        null,
        2,
      ),
    );
  } finally {
    redis.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
