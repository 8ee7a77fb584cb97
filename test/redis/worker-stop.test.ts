/**
 * Workers and drivers that stop well (issue 12), with real processes on a redis-server started here:
 *  - a worker whose Redis server is killed waits with backoff (CPU time over a 3 s window, not a race),
 *    logs at most one line per interval, and exits with code 75 after --redis-timeout;
 *  - SIGTERM mid-trial: the worker hands the trial back; another worker continues it from its checkpoint
 *    in Redis (it trains only the epochs after the checkpoint) and the study completes as one
 *    uninterrupted run would; a second signal exits at once (130);
 *  - a driver that loses its lease stops with a clear message (exit 75), whether another driver took
 *    it or Redis went away (one "unreachable" line, then the lease expires).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { CLI, REPO } from '../helpers/cli.js';
import { REDIS_TOOL, startRedis, type TestRedis } from '../helpers/redis.js';
import { describeWithTool } from '../helpers/tools.js';
import { readSnapshot, referenceSweep, runCli, startWorker, summary, sweepArgs, type WorkerProc } from './helpers.js';

/** CPU time (user + system, seconds) the process has used so far (Linux /proc). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

/** A driver process whose stdout lines go to `onLine`. */
function startDriver(args: string[], onLine: (line: string) => void = () => undefined, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let rest = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d;
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop()!;
    parts.forEach(onLine);
  });
  child.stderr!.on('data', (d: Buffer) => (err += d));
  return { child, out: () => out, err: () => err };
}

describeWithTool(REDIS_TOOL, 'workers and drivers stop well', () => {
  let redis: TestRedis | null = null;
  let workers: WorkerProc[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'ds-redis-stop-'));

  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
    await redis?.stop();
    redis = null;
  });

  it('Redis killed: the worker idles (< 2% CPU), one log line per interval, exit 75 after --redis-timeout', async () => {
    redis = await startRedis();
    // The window (3 s) starts at the first "unreachable" line and ends well before --redis-timeout (6 s).
    const INTERVAL_MS = 1000;
    const WINDOW_MS = 3000;
    const TIMEOUT_S = 6;
    const w = startWorker(redis.url, ['--workers', '2', '--redis-timeout', String(TIMEOUT_S), '--outage-log-ms', String(INTERVAL_MS)], {
      DIGIT_SWEEP_SCRIPTED_DELAY_MS: '10',
    });
    workers = [w];
    // A real study first, so that the worker's BullMQ queue, blocking connections and pool are all in use.
    const r = await runCli(sweepArgs(dir, 'gone', ['--workers', '2', '--redis', redis.url, '--trials', '4']), { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    await w.waitFor(/trial \d+ of gone: done/);
    const killedAt = Date.now();
    await redis.stop();
    redis = null;
    await w.waitFor(/Redis unreachable/);
    const logAt = w.log().length;
    const cpu0 = cpuSeconds(w.child.pid!);
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const cpuPct = (100 * (cpuSeconds(w.child.pid!) - cpu0)) / ((Date.now() - t0) / 1000);
    const windowLines = w.log().slice(logAt).split('\n').filter((l) => /Redis/.test(l)).length;
    const { code } = await exited(w.child);
    const exitS = (Date.now() - killedAt) / 1000;
    console.log(`worker-stop: CPU ${cpuPct.toFixed(2)}% over ${WINDOW_MS / 1000} s without Redis; ${windowLines} log line(s) in the window (interval ${INTERVAL_MS / 1000} s); exit ${code} ${exitS.toFixed(1)} s after the kill (--redis-timeout ${TIMEOUT_S})`);
    expect(cpuPct).toBeLessThan(2);
    // One line per interval (plus one for a window that straddles an interval's edge).
    expect(windowLines).toBeLessThanOrEqual(Math.ceil(WINDOW_MS / INTERVAL_MS) + 1);
    expect(windowLines).toBeGreaterThanOrEqual(1);
    expect(w.log()).not.toMatch(/Unhandled error event/);
    expect(w.log()).toMatch(new RegExp(`unreachable for \\d+ s \\(--redis-timeout ${TIMEOUT_S} s\\); exiting`));
    expect(code).toBe(75);
    expect(exitS).toBeGreaterThanOrEqual(TIMEOUT_S);
  }, 120_000);

  it('SIGTERM mid-trial: the trial goes back to the queue and another worker continues it from its checkpoint', async () => {
    redis = await startRedis();
    // The same 1-trial study, uninterrupted, on one worker thread.
    const reference = (await referenceSweep(dir, ['--trials', '1'])).trials;
    expect(reference).toHaveLength(1);
    const epochLogB = join(dir, 'epochs-b.log');
    const a = startWorker(redis.url, ['--grace', '0'], { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '400' });
    workers = [a];
    let b: WorkerProc | null = null;
    let termed = false;
    const driver = startDriver(sweepArgs(dir, 'handback', ['--workers', '1', '--redis', redis.url, '--trials', '1']), (line) => {
      // Epoch 2 reported (its checkpoint is in Redis): stop worker A while it trains epoch 3.
      if (!termed && /^trial 0 epoch 2:/.test(line)) {
        termed = true;
        a.child.kill('SIGTERM');
      }
    });
    const aExit = await exited(a.child);
    expect(aExit.code, a.log()).toBe(0);
    expect(a.log()).toMatch(/trial 0 of handback: handed back to the queue \(checkpoint: in Redis\)/);
    b = startWorker(redis.url, [], { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '10', DIGIT_SWEEP_SCRIPTED_EPOCH_LOG: epochLogB });
    workers.push(b);
    const { code } = await exited(driver.child);
    expect(code, driver.err()).toBe(0);
    expect(b.log()).toMatch(/trial 0 of handback: started \(attempt \w+, from its checkpoint\)/);
    expect(b.log()).not.toMatch(/stall/); // handed back, not stalled
    // B trained only the epochs after A's last checkpoint (epoch 2 or, if A finished it first, 3).
    const trainedByB = readFileSync(epochLogB, 'utf8').trim().split('\n').map((l) => Number(l.split(' ')[1]));
    expect(trainedByB[0]).toBeGreaterThanOrEqual(3);
    expect(trainedByB).toEqual(Array.from({ length: 6 - trainedByB[0]! + 1 }, (_, i) => trainedByB[0]! + i));
    const s = readSnapshot(dir, 'handback');
    expect(s.trials[0]!.state).toBe(reference[0]!.state);
    expect(summary(s)).toEqual(summary({ ...s, trials: reference }));
    console.log(`worker-stop: SIGTERM at epoch 2 -> handed back; worker B continued at epoch ${trainedByB[0]} and trained ${trainedByB.length} epoch(s); trial 0 ${s.trials[0]!.state}, record equal to the uninterrupted run`);
  }, 120_000);

  it('a second SIGTERM exits a worker at once with 130; a driver that loses its lease stops with a clear message (exit 75)', async () => {
    redis = await startRedis();
    const a = startWorker(redis.url, ['--grace', '600'], { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '2000' });
    workers = [a];
    const driver = startDriver(sweepArgs(dir, 'lease', ['--workers', '1', '--redis', redis.url, '--trials', '3']));
    // The worker, with a trial running (12 s of epochs) and 600 s of grace: the second signal ends it now.
    await a.waitFor(/trial 0 of lease: started/);
    a.child.kill('SIGTERM');
    await a.waitFor(/get 600 s to finish/);
    a.child.kill('SIGTERM');
    expect((await exited(a.child)).code).toBe(130);
    // The driver runs on (its trial goes back to the queue once its lock expires). Another driver takes
    // the lease (as after an expiry).
    expect(driver.child.exitCode).toBe(null);
    const { Redis } = await import('ioredis');
    const c = new Redis(redis.url);
    await c.set('digit-sweep:lease:driver', JSON.stringify({ runId: 'other', pid: 1, host: 'elsewhere', since: 'now' }), 'PX', 60_000);
    await c.quit();
    const { code } = await exited(driver.child);
    expect(code, driver.err()).toBe(75);
    expect(driver.err()).toMatch(/digit-sweep: lost the driver lease of study lease: another driver holds it now; this driver stops/);
  }, 60_000);

  it('a driver whose Redis dies logs it once and stops with exit 75 when its lease expires', async () => {
    redis = await startRedis();
    workers = [startWorker(redis.url, ['--outage-log-ms', '60000'], { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '300' })];
    const driver = startDriver(sweepArgs(dir, 'driver-gone', ['--workers', '1', '--redis', redis.url, '--trials', '3']));
    await workers[0]!.waitFor(/trial 0 of driver-gone: started/);
    await redis.stop();
    redis = null;
    const { code } = await exited(driver.child);
    expect(code, driver.err()).toBe(75);
    expect(driver.err()).toMatch(/digit-sweep: lost the driver lease of study driver-gone: it could not be renewed for \d+ s \(Redis unreachable\) and has expired/);
    // The outage itself: logged when it began, not once per failed command (the lease lasts 10 s, the interval is 30 s).
    expect(driver.err().split('\n').filter((l) => /Redis unreachable \(/.test(l)).length).toBeLessThanOrEqual(2);
    expect(driver.err()).not.toMatch(/Unhandled error event/);
  }, 90_000);
});

