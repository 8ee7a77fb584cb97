/**
 * `digit-sweep worker`: serves the trials of Redis studies on this machine. For each study whose driver
 * is alive (one with a lease; or only `study` when given) it loads the study's data itself (the space is
 * in the study record), checks the fingerprint recorded by the driver, and takes the study's BullMQ jobs
 * into a local ThreadRunner, `workers` at a time. Every epoch goes to the driver and the worker waits
 * for its decision (prune or continue). Workers never write the study: the driver records everything.
 * See remote-protocol.ts for the keys and the failure rules.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Dataset } from '../data/types.js';
import { UserError } from '../errors.js';
import type { SearchSpace } from '../search-space/index.js';
import { STUDIES_KEY, connectRedis, studyPrefix } from '../storage/redis.js';
import { SCRIPTED_DATA } from '../study/data.js';
import type { StudyRecord } from '../study/types.js';
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

  constructor(opts: RemoteWorkerOptions) {
    if (!Number.isInteger(opts.workers) || opts.workers < 1) throw new UserError(`argument --workers: must be a positive integer (got ${opts.workers})`);
    this.opts = opts;
    this.redis = connectRedis(opts.url);
    this.log = opts.log ?? (() => undefined);
  }

  /** Serves until close() (resolves) or a fatal error such as a data mismatch with `study` (rejects). */
  async serve(): Promise<void> {
    const stopped = new Promise<void>((resolve, reject) => {
      this.fatal = reject;
      this.stop = resolve;
    });
    await this.redis.ping();
    const discover = async () => {
      try {
        await this.discover();
      } catch (err) {
        this.fatal?.(err as Error);
      }
      if (!this.closing) this.discoverTimer = setTimeout(() => void discover(), 1000);
    };
    await this.discover();
    this.discoverTimer = setTimeout(() => void discover(), 1000);
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
    const conn = connectRedis(this.opts.url);
    const bull = new Worker<RemoteJobData>(QUEUE_NAME, (job) => this.process(study, runner, job), {
      connection: conn,
      prefix: queuePrefix(study),
      concurrency: this.opts.workers,
      lockDuration: this.opts.lockMs ?? DEFAULT_LOCK_MS,
      stalledInterval: Math.max(500, Math.floor((this.opts.lockMs ?? DEFAULT_LOCK_MS) / 2)),
      maxStalledCount: 1,
      drainDelay: 1,
    });
    bull.on('error', (err) => this.log(`study ${study}: queue error: ${err.message}`));
    this.served.set(study, { study, bull, conn, runner });
    this.log(`serving study ${study} (${this.opts.workers} slot(s), trainer ${this.opts.trainer}, data ${data.source})`);
  }

  private async blocking(): Promise<Redis> {
    const c = this.idle.pop();
    if (c) return c;
    const n = connectRedis(this.opts.url);
    this.all.push(n);
    return n;
  }

  private async process(study: string, runner: TrialRunner, job: Job<RemoteJobData>): Promise<{ trial: number }> {
    const keys = remoteKeys(study);
    const { runId, task } = job.data;
    const n = task.number;
    const lease = async (): Promise<DriverLease | null> => {
      const t = await this.redis.get(keys.driver);
      return t ? (JSON.parse(t) as DriverLease) : null;
    };
    if ((await lease())?.runId !== runId) throw new Error(`trial ${n} belongs to a driver that is gone`);
    if (task.trainer !== this.opts.trainer) {
      throw new Error(`trial ${n} is for the ${task.trainer} trainer; worker ${this.id} runs ${this.opts.trainer} (start it with --trainer ${task.trainer})`);
    }
    const attempt = randomUUID().slice(0, 8);
    const send = (e: RemoteEvent) =>
      this.redis.xadd(keys.events, 'MAXLEN', '~', String(EVENTS_MAXLEN), '*', 'm', JSON.stringify(e));
    const ac = new AbortController();
    let why = '';
    const watch = setInterval(() => {
      void (async () => {
        const [l, cancelled] = await Promise.all([lease(), this.redis.exists(keys.cancel(n))]);
        if (cancelled) why = `trial ${n} was cancelled by the driver`;
        else if (l?.runId !== runId) why = `the driver of trial ${n} is gone`;
        if (why && !ac.signal.aborted) ac.abort(new Error(why));
      })().catch(() => undefined);
    }, 1000);
    const conn = await this.blocking();
    // A model folder under the driver's study folder, when this machine sees it (same machine or shared disk).
    const saveDir = task.saveDir && existsSync(dirname(dirname(task.saveDir))) ? task.saveDir : null;
    try {
      this.log(`trial ${n} of ${study}: started (attempt ${attempt}${job.stalledCounter ? `, after ${job.stalledCounter} stall(s)` : ''})`);
      const outcome: TrialOutcome = await runner.run(
        { ...task, saveDir, ...(this.opts.backend ? { backend: this.opts.backend } : {}) },
        async (metrics) => {
          await send({ type: 'epoch', trial: n, attempt, worker: this.id, metrics });
          const key = keys.decision(n, attempt, metrics.epoch);
          for (;;) {
            if (ac.signal.aborted) return true;
            const r = await conn.blpop(key, 1);
            if (r) return r[1] === '1';
          }
        },
        ac.signal,
      );
      if (ac.signal.aborted) throw new Error(why);
      await send({ type: 'end', trial: n, attempt, worker: this.id, outcome });
      this.log(`trial ${n} of ${study}: ${outcome.stopped ? 'stopped (pruned)' : 'done'} after ${outcome.history.length} epoch(s)`);
      return { trial: n };
    } catch (err) {
      const error = why || (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
      await send({ type: 'error', trial: n, attempt, worker: this.id, error }).catch(() => undefined);
      this.log(`trial ${n} of ${study}: failed: ${error}`);
      throw new Error(error);
    } finally {
      clearInterval(watch);
      this.idle.push(conn);
    }
  }

  /** Stops taking trials; waits for running ones unless `force`. */
  async close(force = false): Promise<void> {
    this.closing = true;
    if (this.discoverTimer) clearTimeout(this.discoverTimer);
    for (const s of this.served.values()) {
      await s.bull.close(force).catch(() => undefined);
      await s.runner.close().catch(() => undefined);
      await s.conn.quit().catch(() => undefined);
    }
    await Promise.all([this.redis, ...this.all].map((c) => c.quit().catch(() => undefined)));
    this.stop?.();
  }
}
