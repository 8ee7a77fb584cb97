/**
 * `digit-sweep worker`: serves the trials of Redis studies on this machine. For each study whose driver
 * is alive (one with a lease; or only `study` when given) it loads the study's data itself (the space is
 * in the study record), checks the fingerprint recorded by the driver, and takes the study's BullMQ jobs
 * into a local ThreadRunner, `workers` at a time. Every epoch goes to the driver and the worker waits
 * for its decision (prune or continue). Workers never write the study: the driver records everything.
 * See remote-protocol.ts for the keys and the failure rules.
 *
 * Checkpoints: a trial's checkpoint lives in Redis (`<prefix>checkpoint:<n>`, storage/checkpoint.ts),
 * so that any worker can continue it. This worker mirrors it into a local temp file for its trainer
 * thread: downloaded before the trial starts, uploaded after every epoch (the trainer wrote it before
 * reporting the epoch), before the epoch goes to the driver.
 *
 * Stopping: Redis unreachable: every connection reconnects with backoff (storage/redis-health.ts), one log line
 * per interval, and after `redisTimeoutMs` without Redis serve() rejects with a RedisUnavailableError
 * (exit code 75). shutdown(graceMs) (SIGTERM/SIGINT): no new trials; running ones may finish within the
 * grace period; then each is handed back: aborted, its job moved back to the queue (BullMQ moveToWait),
 * where another worker continues it from its checkpoint.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Dataset } from '../data/types.js';
import { RedisUnavailableError, UserError } from '../core/errors.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { CHECKPOINT_TTL_S, checkpointKey } from '../storage/checkpoint.js';
import type { SearchSpace } from '../search-space/index.js';
import { STUDIES_KEY, connectRedis, studyPrefix } from '../storage/redis.js';
import { SCRIPTED_DATA } from '../data/space-data.js';
import type { StudyRecord } from '../core/types.js';
import type { TrainerKind, TrialOutcome, TrialRunner } from './protocol.js';
import {
  DEFAULT_LOCK_MS,
  EVENTS_MAXLEN,
  QUEUE_NAME,
  queuePrefix,
  remoteKeys,
  type DriverLease,
  type RemoteEvent,
  type RemoteJobData,
} from './remote-protocol.js';
import { OUTAGE_LOG_MS, OutageLog, RECONNECT_OPTIONS } from '../storage/redis-health.js';

/** Default of `--redis-timeout`: how long a worker waits for an unreachable Redis before it exits (75). */
export const DEFAULT_REDIS_TIMEOUT_MS = 5 * 60_000;

export interface RemoteWorkerOptions {
  url: string;
  /** Trials run at once on this machine (per study served). */
  workers: number;
  trainer: TrainerKind;
  /** Overrides the backend the driver chose (e.g. this machine has no GPU). */
  backend?: string;
  /** Serve only this study; a data mismatch is then an error that stops the worker. */
  study?: string;
  /** BullMQ lock duration (ms): a trial of a dead worker is re-queued about this long after it died. */
  lockMs?: number;
  /** Loads the data of a study's space (the CLI passes one that reads MNIST or Kaggle files). */
  loadData: (space: SearchSpace) => Promise<Dataset>;
  /** Makes the local pool (default: a ThreadRunner). */
  makeRunner?: (data: Dataset, workers: number) => Promise<TrialRunner> | TrialRunner;
  log?: (line: string) => void;
  /** Give up (serve() rejects with RedisUnavailableError) after Redis was unreachable this long. Default 5 min. */
  redisTimeoutMs?: number;
  /** At most one "Redis unreachable" line per this interval. Default 30 s. */
  outageLogMs?: number;
}

interface Running {
  abort: AbortController;
  /** Set when shutdown hands the trial back to the queue. */
  handBack: boolean;
  settled: Promise<unknown>;
}

/** A trial's checkpoint: the Redis key (the reference) and the local copy the trainer thread reads and writes. */
interface CheckpointCopy {
  key: string;
  local: string;
  /** mtime of the local file when it was last copied from or to Redis (null: never). */
  uploaded: number | null;
}

interface Served {
  study: string;
  bull: Worker<RemoteJobData>;
  conn: Redis;
  runner: TrialRunner;
}

export class RemoteWorker {
  readonly id = `${hostname()}:${process.pid}`;
  private readonly opts: RemoteWorkerOptions;
  private readonly redis: Redis;
  /** Connections for the blocking waits on decisions, one per running trial. */
  private readonly idle: Redis[] = [];
  private readonly all: Redis[] = [];
  private readonly served = new Map<string, Served>();
  private readonly refused = new Set<string>();
  private discoverTimer: NodeJS.Timeout | null = null;
  private closing = false;
  private fatal: ((err: Error) => void) | null = null;
  private stop: (() => void) | null = null;
  private readonly log: (line: string) => void;
  private readonly outage: OutageLog;
  private healthTimer: NodeJS.Timeout | null = null;
  private readonly running = new Set<Running>();
  private ckptDir: string | null = null;

  constructor(opts: RemoteWorkerOptions) {
    if (!Number.isInteger(opts.workers) || opts.workers < 1) throw new UserError(`argument --workers: must be a positive integer (got ${opts.workers})`);
    this.opts = opts;
    this.log = opts.log ?? (() => undefined);
    this.outage = new OutageLog(`worker ${this.id}`, this.log, opts.outageLogMs ?? OUTAGE_LOG_MS);
    this.redis = this.connect(true);
  }

  /**
   * A connection that reconnects with backoff and reports its errors to the outage log (never as an
   * ioredis "Unhandled error event"). The main connection also tells when Redis is back.
   */
  private connect(main = false): Redis {
    const c = connectRedis(this.opts.url, RECONNECT_OPTIONS);
    c.on('error', (err: Error) => this.outage.error(err));
    if (main) {
      c.on('ready', () => this.outage.ok());
      c.on('close', () => {
        if (!this.closing) this.outage.error(new Error('connection closed'));
      });
    }
    return c;
  }

  /** Serves until close() (resolves) or a fatal error such as a data mismatch with `study` (rejects). */
  async serve(): Promise<void> {
    const stopped = new Promise<void>((resolve, reject) => {
      this.fatal = reject;
      this.stop = resolve;
    });
    this.ckptDir = await mkdtemp(join(tmpdir(), 'digit-sweep-worker-'));
    const timeout = this.opts.redisTimeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
    // Once a second (cheap): give up when Redis has been away longer than the timeout.
    this.healthTimer = setInterval(() => {
      if (this.outage.downMs() >= timeout) {
        this.fatal?.(new RedisUnavailableError(`worker ${this.id}: Redis at ${this.opts.url} unreachable for ${Math.round(this.outage.downMs() / 1000)} s (--redis-timeout ${timeout / 1000} s); exiting`));
      }
    }, 1000);
    const discover = async () => {
      try {
        await this.discover();
      } catch (err) {
        this.fatal?.(err as Error);
      }
      if (!this.closing) this.discoverTimer = setTimeout(() => void discover(), 1000);
    };
    void discover();
    return stopped;
  }

  /** Starts serving every study with a live driver (or the one named), once each. */
  private async discover(): Promise<void> {
    const names = this.opts.study ? [this.opts.study] : await this.redis.smembers(STUDIES_KEY);
    for (const study of names) {
      if (this.closing || this.served.has(study) || this.refused.has(study)) continue;
      if (!(await this.redis.exists(remoteKeys(study).driver))) continue; // no driver: nothing to run
      const text = await this.redis.get(`${studyPrefix(study)}study`);
      if (!text) continue;
      const record = JSON.parse(text) as Omit<StudyRecord, 'trials'>;
      const space = record.space as SearchSpace;
      const data = this.opts.trainer === 'scripted' ? SCRIPTED_DATA : await this.opts.loadData(space);
      if (data.fingerprint !== record.dataFingerprint) {
        const msg =
          `study ${study} was made on other data (${record.dataSource}, fingerprint ${record.dataFingerprint}); ` +
          `this worker (trainer ${this.opts.trainer}) loaded ${data.source} (fingerprint ${data.fingerprint}): ` +
          `check the data files on this machine and --trainer`;
        if (this.opts.study) throw new UserError(msg);
        this.log(`skipping ${msg}`);
        this.refused.add(study);
        continue;
      }
      if (this.closing) return;
      await this.serveStudy(study, data);
    }
  }

  private async serveStudy(study: string, data: Dataset): Promise<void> {
    const runner = this.opts.makeRunner
      ? await this.opts.makeRunner(data, this.opts.workers)
      : new (await import('./runner.js')).ThreadRunner({ data, workers: this.opts.workers });
    const conn = this.connect();
    const bull = new Worker<RemoteJobData>(QUEUE_NAME, (job, token) => this.process(study, runner, job, token), {
      connection: conn,
      prefix: queuePrefix(study),
      concurrency: this.opts.workers,
      lockDuration: this.opts.lockMs ?? DEFAULT_LOCK_MS,
      stalledInterval: Math.max(500, Math.floor((this.opts.lockMs ?? DEFAULT_LOCK_MS) / 2)),
      maxStalledCount: 1,
      drainDelay: 1,
    });
    // BullMQ's own errors are connection errors here (our processor's errors fail jobs, not the worker).
    bull.on('error', (err) => this.outage.error(err));
    this.served.set(study, { study, bull, conn, runner });
    this.log(`serving study ${study} (${this.opts.workers} slot(s), trainer ${this.opts.trainer}, data ${data.source})`);
  }

  private async blocking(): Promise<Redis> {
    const c = this.idle.pop();
    if (c) return c;
    const n = this.connect();
    this.all.push(n);
    return n;
  }

  /** The driver lease of `study` as Redis has it now (null: no driver). */
  private async driverLease(study: string): Promise<DriverLease | null> {
    const t = await this.redis.get(remoteKeys(study).driver);
    return t ? (JSON.parse(t) as DriverLease) : null;
  }

  /**
   * Checks once a second whether trial `n`'s driver is gone or cancelled it; then aborts `ac` with the
   * reason (`why()`). `stop()` ends the checks.
   */
  private watchDriver(study: string, n: number, runId: string, ac: AbortController): { why(): string; stop(): void } {
    let why = '';
    let checking = false; // one check at a time: during an outage they would pile up
    const timer = setInterval(() => {
      if (checking) return;
      checking = true;
      void (async () => {
        const [l, cancelled] = await Promise.all([this.driverLease(study), this.redis.exists(remoteKeys(study).cancel(n))]);
        if (cancelled) why = `trial ${n} was cancelled by the driver`;
        else if (l?.runId !== runId) why = `the driver of trial ${n} is gone`;
        if (why && !ac.signal.aborted) ac.abort(new Error(why));
      })()
        .catch((err: unknown) => this.outage.error(err)) // retried at the next tick
        .finally(() => (checking = false));
    }, 1000);
    return { why: () => why, stop: () => clearInterval(timer) };
  }

  /**
   * Runs one job: trial `task` for the driver `runId`. Every resource it takes (the driver watch, a
   * blocking connection, the local checkpoint copy) is taken inside the try whose finally gives it back,
   * so that a failure while setting up (say, ENOSPC writing the checkpoint copy) fails the trial and
   * leaves nothing for shutdown() to wait for.
   */
  private async process(study: string, runner: TrialRunner, job: Job<RemoteJobData>, token?: string): Promise<{ trial: number }> {
    const { runId, task } = job.data;
    const n = task.number;
    if ((await this.driverLease(study))?.runId !== runId) throw new Error(`trial ${n} belongs to a driver that is gone`);
    if (task.trainer !== this.opts.trainer) {
      throw new Error(`trial ${n} is for the ${task.trainer} trainer; worker ${this.id} runs ${this.opts.trainer} (start it with --trainer ${task.trainer})`);
    }
    const attempt = randomUUID().slice(0, 8);
    const send = (e: RemoteEvent) => this.redis.xadd(remoteKeys(study).events, 'MAXLEN', '~', String(EVENTS_MAXLEN), '*', 'm', JSON.stringify(e));
    const ac = new AbortController();
    let settle = () => undefined as void;
    const me: Running = { abort: ac, handBack: false, settled: new Promise<void>((r) => (settle = r)) };
    this.running.add(me);
    // The checkpoint: Redis is the reference (any worker can continue the trial); the trainer thread
    // reads and writes a local copy.
    const ckpt: CheckpointCopy = { key: checkpointKey(studyPrefix(study), n), local: join(this.ckptDir!, `${study}.trial-${n}.${attempt}.ckpt`), uploaded: null };
    let watch: { why(): string; stop(): void } | null = null;
    let conn: Redis | null = null;
    try {
      watch = this.watchDriver(study, n, runId, ac);
      conn = await this.blocking();
      const resumed = await this.downloadCheckpoint(ckpt);
      this.log(`trial ${n} of ${study}: started (attempt ${attempt}${job.stalledCounter ? `, after ${job.stalledCounter} stall(s)` : ''}${resumed ? ', from its checkpoint' : ''})`);
      // A model folder under the driver's study folder, when this machine sees it (same machine or shared disk).
      const saveDir = task.saveDir && existsSync(dirname(dirname(task.saveDir))) ? task.saveDir : null;
      const decisions = conn;
      const outcome: TrialOutcome = await runner.run(
        { ...task, saveDir, checkpoint: ckpt.local, ...(this.opts.backend ? { backend: this.opts.backend } : {}) },
        async (metrics) => {
          if (ac.signal.aborted) return true;
          // The epoch's checkpoint (unchanged for epochs replayed from it) goes to Redis before the epoch is reported.
          await this.uploadCheckpoint(ckpt);
          await send({ type: 'epoch', trial: n, runId, attempt, worker: this.id, metrics });
          const key = remoteKeys(study).decision(n, attempt, metrics.epoch);
          for (;;) {
            if (ac.signal.aborted) return true;
            const r = await decisions.blpop(key, 1);
            if (r) return r[1] === '1';
          }
        },
        ac.signal,
      );
      if (me.handBack) throw new WaitingError();
      if (ac.signal.aborted) throw new Error(watch.why());
      await send({ type: 'end', trial: n, runId, attempt, worker: this.id, outcome });
      this.log(`trial ${n} of ${study}: ${outcome.stopped ? 'stopped (pruned)' : 'done'} after ${outcome.history.length} epoch(s)`);
      return { trial: n };
    } catch (err) {
      if (me.handBack) {
        // Shutdown: back to the queue, not failed; the next worker continues from the checkpoint in Redis.
        await job.moveToWait(token);
        this.log(`trial ${n} of ${study}: handed back to the queue (checkpoint: ${ckpt.uploaded !== null ? 'in Redis' : 'none yet, it restarts at epoch 1'})`);
        throw new WaitingError();
      }
      const error = watch?.why() || (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
      // Best effort: if Redis is gone the driver learns of the failure from BullMQ (stalled job) instead.
      await send({ type: 'error', trial: n, runId, attempt, worker: this.id, error }).catch(() => undefined);
      this.log(`trial ${n} of ${study}: failed: ${error}`);
      throw new Error(error);
    } finally {
      watch?.stop();
      if (conn) this.idle.push(conn);
      this.running.delete(me);
      // Safe to ignore: close() removes the whole checkpoint folder.
      await rm(ckpt.local, { force: true }).catch((err: unknown) => this.log(`trial ${n} of ${study}: could not remove ${ckpt.local}: ${(err as Error).message}`));
      settle();
    }
  }

  /** Copies the trial's checkpoint from Redis to its local file, if it has one (true). */
  private async downloadCheckpoint(ckpt: CheckpointCopy): Promise<boolean> {
    const saved = await this.redis.getBuffer(ckpt.key);
    if (!saved) return false;
    await writeFileAtomic(ckpt.local, saved);
    ckpt.uploaded = (await stat(ckpt.local)).mtimeMs;
    return true;
  }

  /** Copies the local checkpoint to Redis when the trainer wrote it since the last copy. */
  private async uploadCheckpoint(ckpt: CheckpointCopy): Promise<void> {
    const mtime = (await stat(ckpt.local).catch(() => null))?.mtimeMs ?? null;
    if (mtime === null || mtime === ckpt.uploaded) return;
    await this.redis.set(ckpt.key, await readFile(ckpt.local), 'EX', CHECKPOINT_TTL_S);
    ckpt.uploaded = mtime;
  }

  /**
   * SIGTERM/SIGINT: takes no new trials; running trials may finish within `graceMs`; then each one is
   * handed back (aborted, its job back in the queue, continued by another worker from its checkpoint).
   * Then closes everything.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.closing = true;
    if (this.discoverTimer) clearTimeout(this.discoverTimer);
    if (this.outage.since !== null) {
      // Redis is away: no trial can report or be handed back. Abort them; their BullMQ locks expire and
      // the stalled check re-queues them (from their checkpoints in Redis) once Redis is back.
      this.log(`stopping while Redis is unreachable: ${this.running.size} running trial(s) are re-queued when their lock expires`);
      for (const r of this.running) r.abort.abort(new Error('the worker is stopping'));
      await this.close(true);
      return;
    }
    // Stop fetching jobs; do not wait for the running ones here.
    await Promise.all([...this.served.values()].map((s) => s.bull.pause(true).catch(() => undefined)));
    if (this.running.size > 0) {
      this.log(`stopping: ${this.running.size} running trial(s) get ${Math.round(graceMs / 1000)} s to finish, then go back to the queue`);
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((r) => (timer = setTimeout(r, graceMs)));
      await Promise.race([Promise.all([...this.running].map((r) => r.settled)), grace]);
      clearTimeout(timer);
      for (const r of this.running) {
        r.handBack = true;
        r.abort.abort(new Error('handed back: the worker is stopping'));
      }
      await Promise.all([...this.running].map((r) => r.settled));
    }
    await this.close();
  }

  /** Stops taking trials; waits for running ones unless `force`. */
  async close(force = false): Promise<void> {
    this.closing = true;
    if (this.discoverTimer) clearTimeout(this.discoverTimer);
    if (this.healthTimer) clearInterval(this.healthTimer);
    const redisUp = this.outage.since === null && this.redis.status === 'ready';
    for (const s of this.served.values()) {
      // Without Redis, BullMQ's close would wait for it: started, not awaited (the command exits after this).
      if (redisUp) await s.bull.close(force).catch(() => undefined);
      else void s.bull.close(true).catch(() => undefined);
      await s.runner.close().catch(() => undefined);
      if (redisUp) await s.conn.quit().catch(() => s.conn.disconnect());
      else s.conn.disconnect();
    }
    for (const c of [this.redis, ...this.all]) {
      if (redisUp) await c.quit().catch(() => c.disconnect());
      else c.disconnect();
    }
    if (this.ckptDir) await rm(this.ckptDir, { recursive: true, force: true });
    this.stop?.();
  }
}
