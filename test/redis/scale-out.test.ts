/**
 * One study, many machines (issue 7), with real processes: a redis-server started here, `digit-sweep
 * worker` children and the `sweep --redis` driver, scripted trainer.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { StudyRecord } from '../../src/core/types.js';
import { CLI, REPO } from '../helpers/cli.js';
import { REDIS_TOOL, startRedis, type TestRedis } from '../helpers/redis.js';
import { describeWithTool } from '../helpers/tools.js';
import { readSnapshot, referenceSweep, runCli, startWorker, summary, sweepArgs, type WorkerProc } from './helpers.js';

describeWithTool(REDIS_TOOL, 'scale out over Redis', () => {
  let redis: TestRedis;
  let dir: string;
  let reference: StudyRecord;
  let workers: WorkerProc[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'ds-redis-'));
    reference = await referenceSweep(dir);
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
  });
  afterAll(async () => {
    await redis?.stop();
  });

  // Three workers serve the next three tests (a worker serves every study whose driver runs): they start
  // as the rescuers of the SIGKILL test, then run the 30-trial study, then the restarted driver's; the
  // tests after those stop them (they need a study to themselves).
  let pool: WorkerProc[] = [];
  const ensurePool = () => {
    if (pool.length === 0) pool = [1, 2, 3].map(() => startWorker(redis.url, [], { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '40' }));
  };
  const stopPool = async () => {
    await Promise.all(pool.map((w) => w.stop()));
    pool = [];
  };
  afterAll(stopPool);

  it('a worker SIGKILLed mid-trial: its trial is re-queued once, nothing finished is lost, the study completes', async () => {
    // The victim serves the study alone at first, with 1 s epochs: the kill, sent when it logs the start of
    // a trial after finishing one, lands in that trial's first epoch (a second away) by construction.
    const victim = startWorker(redis.url, [], { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '1000' });
    workers = [victim];
    // 12 of the 30 trials: the first 12 of the reference (the 30-trial scale is the next test's point).
    const driver = runCli(sweepArgs(dir, 'killed', ['--workers', '3', '--redis', redis.url, '--trials', '12']), { timeoutMs: 90_000 });
    await victim.waitFor(/trial (\d+) of killed: (done|stopped)[^]*trial \d+ of killed: started/); // its 2nd trial began
    victim.child.kill('SIGKILL');
    // Other workers (the pool) finish the study: the killed trial comes back to one of them once its lock expires.
    ensurePool();
    const r = await driver;
    expect(r.code, r.stderr).toBe(0);
    expect(victim.log()).toMatch(/trial \d+ of killed: (done|stopped)/);
    const s = readSnapshot(dir, 'killed');
    expect(s.trials.map((t) => t.state)).not.toContain('fail');
    expect(s.trials).toHaveLength(12);
    expect(summary(s)).toEqual(summary({ ...s, trials: reference.trials.slice(0, 12) }));
    expect(pool.map((w) => w.log()).join('')).toMatch(/started \(attempt \w+, after 1 stall\(s\)\)/);
  });

  it('a driver and 3 worker processes finish a 30-trial ASHA study with the single-machine params', async () => {
    ensurePool();
    const r = await runCli(sweepArgs(dir, 'three', ['--workers', '3', '--redis', redis.url]), { timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = readSnapshot(dir, 'three');
    expect(s.trials).toHaveLength(30);
    expect(summary(s)).toEqual(summary(reference));
    expect(s.trials.some((t) => t.state === 'pruned')).toBe(true);
    // Every worker took trials.
    for (const w of pool) expect(w.log()).toMatch(/trial \d+ of three: (done|stopped)/);
    // status reads the live Redis study.
    const st = await runCli(['status', 'three', '--redis', redis.url, '--json']);
    expect(st.code).toBe(0);
    expect(JSON.parse(st.stdout).rows).toHaveLength(30);
  });

  it('a restarted driver resumes the trials of the dead one from their checkpoints; the study completes as one run would', async () => {
    ensurePool();
    const args = sweepArgs(dir, 'restart', ['--workers', '2', '--redis', redis.url, '--trials', '12']);
    const first = spawn(process.execPath, [CLI, ...args], { cwd: REPO, stdio: 'ignore' });
    await Promise.any(pool.map((w) => w.waitFor(/trial [3-9] of restart: started/)));
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const r = await runCli(args, { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/trial \d+ resumed \(\d+ epoch\(s\) recorded\)/);
    const s = readSnapshot(dir, 'restart');
    expect(s.trials.map((t) => t.state)).not.toContain('fail');
    expect(s.trials).toHaveLength(12);
    // Same numbers, params, states and learning curves as the single-machine run.
    expect(summary(s)).toEqual(summary({ ...s, trials: reference.trials.slice(0, 12) }));
    expect(pool.map((w) => w.log()).join('')).toMatch(/driver (of trial \d+ is|that is) gone/);
    // The finished trials' checkpoints are gone from Redis.
    const { Redis } = await import('ioredis');
    const c = new Redis(redis.url);
    expect(await c.keys('digit-sweep:restart:checkpoint:*')).toEqual([]);
    await c.quit();
  });

  it('a trial whose worker dies twice fails (stalled limit); the sweep goes on', async () => {
    await stopPool();
    const env = { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '150' };
    const driver = runCli(sweepArgs(dir, 'twice', ['--workers', '1', '--redis', redis.url, '--trials', '3']), { timeoutMs: 60_000 });
    const a = startWorker(redis.url, [], env);
    workers = [a];
    await a.waitFor(/trial 0 of twice: started/);
    await a.stop();
    const b = startWorker(redis.url, [], env);
    workers.push(b);
    await b.waitFor(/trial 0 of twice: started \(attempt \w+, after 1 stall/);
    await b.stop();
    workers.push(startWorker(redis.url, [], env));
    const r = await driver;
    expect(r.code).toBe(0);
    const s = readSnapshot(dir, 'twice');
    expect(s.trials[0]).toMatchObject({ number: 0, state: 'fail' });
    expect(s.trials[0]!.error).toMatch(/stalled/);
    expect(s.trials.slice(1).map((t) => t.state)).not.toContain('fail');
  });

  it('a worker whose data differ from the study is a clear error', async () => {
    const { RedisTrialStore } = await import('../../src/storage/redis.js');
    const store = new RedisTrialStore({ redis: redis.url, study: 'otherdata' });
    await store.createStudy({
      name: 'otherdata',
      createdAt: new Date().toISOString(),
      spaceFile: 'x.yaml',
      space: reference.space,
      direction: 'maximize',
      dataSource: 'mnist (6000 images)',
      dataFingerprint: 'f00d',
    });
    await store.redis.set('digit-sweep:otherdata:driver', JSON.stringify({ runId: 'r', pid: 1, host: 'elsewhere', since: 'now' }), 'PX', 30_000);
    await store.close();
    const r = await runCli(['worker', '--redis', redis.url, '--trainer', 'scripted', '--study', 'otherdata'], { timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/study otherdata was made on other data \(mnist \(6000 images\), fingerprint f00d\); this worker \(trainer scripted\) loaded .*fingerprint scripted/);
  });

  it('migrate copies a study lowdb -> Redis -> lowdb unchanged; report --redis reads it', async () => {
    const to = await runCli(['migrate', '--from', join(dir, 'runs', 'reference'), '--to', `${redis.url}#copied`]);
    expect(to.stderr).toBe('');
    expect(to.stdout).toMatch(/copied study copied: 30 trial\(s\)/);
    const again = await runCli(['migrate', '--from', join(dir, 'runs', 'reference'), '--to', `${redis.url}#copied`]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds a study copied/);
    const back = await runCli(['migrate', '--from', redis.url, '--study', 'copied', '--to', join(dir, 'back', 'copied')]);
    expect(back.code).toBe(0);
    const copy = JSON.parse((await import('node:fs')).readFileSync(join(dir, 'back', 'copied', 'study.json'), 'utf8')) as StudyRecord;
    expect(copy.trials).toEqual(reference.trials);
    expect(copy.nextTrialNumber).toBe(30);
    const rep = await runCli(['report', 'copied', '--redis', redis.url, '--runs', join(dir, 'runs2'), '--reports', join(dir, 'reports2')]);
    expect(rep.code).toBe(0);
    expect(rep.stdout).toContain('leaderboard.md');
  });
});
