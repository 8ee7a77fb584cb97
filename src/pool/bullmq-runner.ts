/**
 * A TrialRunner that runs nothing itself: each trial becomes a BullMQ job in the study's queue, taken
 * by `digit-sweep worker` processes on any machine (remote-worker.ts). Epoch reports come back through
 * a Redis stream read by one loop here; each prune decision goes back on a list the worker waits on.
 * The optimize loop above it is unchanged: it samples, records and prunes exactly as on one machine.
 * See remote-protocol.ts for the keys and the failure rules.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectRedis } from '../storage/redis.js';
import type { EpochMetrics } from '../core/types.js';
import type { TrialOutcome, TrialRunner, TrialTask } from './protocol.js';
import {
  KEY_TTL_S,
  QUEUE_NAME,
  jobId,
  queuePrefix,
  remoteKeys,
  type RemoteEvent,
  type RemoteJobData,
} from './remote-protocol.js';
import { OUTAGE_LOG_MS, OutageLog, RECONNECT_OPTIONS, retryDelay } from '../storage/redis-health.js';

interface InFlight {
  task: TrialTask;
  onEpoch: (m: EpochMetrics) => Promise<boolean>;
  /** Decisions given so far, by epoch - 1 (a re-run attempt is answered from these). */
  decisions: boolean[];
  /** Serializes the epoch handling of one trial. */
  chain: Promise<void>;
  resolve: (o: TrialOutcome) => void;
  reject: (e: Error) => void;
  /** Polls of the job state that found no job (it completes and is removed just after its end event). */
  missing: number;
}

export interface BullmqRunnerOptions {
  url: string;
  study: string;
  /** Trials in the queue or running at once (the sum of the workers' slots is a good value). */
  concurrency: number;
  /** The driver lease's run id (acquireDriverLease): jobs carry it so workers can tell stale ones. */
  runId: string;
  /** How often the state of each queued or running job is checked (stall failures). Default 1000 ms. */
  pollMs?: number;
  /** Where Redis trouble is reported (one line per outage and interval). */
  log?: (line: string) => void;
  outageLogMs?: number;
}

export class BullmqRunner implements TrialRunner {
  readonly concurrency: number;
  private readonly opts: BullmqRunnerOptions;
  private readonly keys: ReturnType<typeof remoteKeys>;
  private readonly redis: Redis;
  private readonly reader: Redis;
  private readonly queueConn: Redis;
  private readonly queue: Queue<RemoteJobData>;
  private readonly inFlight = new Map<number, InFlight>();
  private closed = false;
  private lastId = '$';
  private readerDone: Promise<void> | null = null;
  private readonly poller: NodeJS.Timeout;
  private readonly outage: OutageLog;
  private polling = false;

  private constructor(opts: BullmqRunnerOptions) {
    if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${opts.concurrency}`);
    this.opts = opts;
    this.concurrency = opts.concurrency;
    this.keys = remoteKeys(opts.study);
    this.outage = new OutageLog(`driver of study ${opts.study}`, opts.log ?? (() => undefined), opts.outageLogMs ?? OUTAGE_LOG_MS);
    const connect = () => {
      const c = connectRedis(opts.url, RECONNECT_OPTIONS);
      c.on('error', (err: Error) => this.outage.error(err)); // reconnects by itself; logged once per interval
      return c;
    };
    this.redis = connect();
    this.reader = connect();
    this.queueConn = connect();
    this.queue = new Queue<RemoteJobData>(QUEUE_NAME, { connection: this.queueConn, prefix: queuePrefix(opts.study) });
    this.queue.on('error', (err) => this.outage.error(err));
    this.poller = setInterval(() => {
      if (this.polling) return; // one poll at a time: during an outage they would pile up
      this.polling = true;
      void this.pollJobs().finally(() => (this.polling = false));
    }, opts.pollMs ?? 1000);
  }

  /** Opens the queue, drops jobs a previous driver left waiting, and starts reading the workers' events. */
  static async open(opts: BullmqRunnerOptions): Promise<BullmqRunner> {
    const r = new BullmqRunner(opts);
    // Jobs of an earlier driver: waiting ones go; running ones stop by themselves (their runId is stale).
    await r.queue.drain(true);
    const last = (await r.redis.xrevrange(r.keys.events, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
    r.lastId = last[0]?.[0] ?? '0-0';
    r.readerDone = r.readLoop();
    return r;
  }

  run(task: TrialTask, onEpoch: (m: EpochMetrics) => Promise<boolean>, signal?: AbortSignal): Promise<TrialOutcome> {
    return new Promise<TrialOutcome>((resolve, reject) => {
      if (this.closed) return reject(new Error('the runner is closed'));
      const n = task.number;
      const onAbort = () => {
        this.inFlight.delete(n);
        // Tell the worker (it checks every second) and drop the job if it has not started.
        void this.redis.set(this.keys.cancel(n), '1', 'EX', KEY_TTL_S).catch(() => undefined);
        // Best effort: if this fails the worker still sees the cancel key (or the job runs and is ignored).
        void this.queue.remove(jobId(n, this.opts.runId)).catch(() => undefined);
        reject(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'));
      };
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.inFlight.set(n, {
        task,
        onEpoch,
        decisions: [],
        chain: Promise.resolve(),
        missing: 0,
        resolve: (o) => (done(), resolve(o)),
        reject: (e) => (done(), reject(e)),
      });
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const data: RemoteJobData = { runId: this.opts.runId, task };
      this.queue
        .add('trial', data, { jobId: jobId(n, this.opts.runId), attempts: 1, removeOnComplete: true, removeOnFail: { age: 24 * 3600 } })
        .catch((err: unknown) => this.finish(n, err instanceof Error ? err : new Error(String(err))));
    });
  }

  private finish(n: number, result: TrialOutcome | Error): void {
    const f = this.inFlight.get(n);
    if (!f) return;
    this.inFlight.delete(n);
    if (result instanceof Error) f.reject(result);
    else f.resolve(result);
  }

  private async readLoop(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      let res: Array<[string, Array<[string, string[]]>]> | null;
      try {
        res = (await this.reader.xread('COUNT', 200, 'BLOCK', 500, 'STREAMS', this.keys.events, this.lastId)) as typeof res;
        failures = 0;
        this.outage.ok();
      } catch (err) {
        if (this.closed) return;
        this.outage.error(err);
        await new Promise((r) => setTimeout(r, retryDelay(++failures)));
        continue;
      }
      for (const [, entries] of res ?? []) {
        for (const [id, fields] of entries) {
          this.lastId = id;
          const i = fields.indexOf('m');
          if (i < 0) continue;
          this.onEvent(JSON.parse(fields[i + 1]!) as RemoteEvent);
        }
      }
    }
  }

  private onEvent(e: RemoteEvent): void {
    const f = this.inFlight.get(e.trial);
    if (!f || e.runId !== this.opts.runId) return; // a trial of an earlier driver, or one given up
    if (e.type === 'end') return this.finish(e.trial, e.outcome);
    if (e.type === 'error') return this.finish(e.trial, new Error(e.error));
    f.chain = f.chain.then(async () => {
      const epoch = e.metrics.epoch;
      let prune: boolean;
      if (epoch <= f.decisions.length) prune = f.decisions[epoch - 1]!; // a re-run attempt: same answer as before
      else if (epoch === f.decisions.length + 1) {
        let epochError: Error | null = null;
        try {
          prune = await f.onEpoch(e.metrics);
        } catch (err) {
          // The driver could not handle this epoch: stop the worker's attempt and fail the trial with the error.
          epochError = err instanceof Error ? err : new Error(String(err));
          prune = true;
        }
        f.decisions.push(prune);
        if (epochError) this.finish(e.trial, epochError); // then tell the worker to stop, below
      } else prune = true; // cannot happen with one attempt at a time; stop such an attempt
      const key = this.keys.decision(e.trial, e.attempt, epoch);
      await this.redis.multi().rpush(key, prune ? '1' : '0').expire(key, KEY_TTL_S).exec();
    });
  }

  /** Fails trials whose job failed without an error event (a worker died twice: BullMQ's stalled limit). */
  private async pollJobs(): Promise<void> {
    for (const [n, f] of [...this.inFlight]) {
      try {
        const state = await this.queue.getJobState(jobId(n, this.opts.runId));
        if (state === 'failed') {
          const job = await this.queue.getJob(jobId(n, this.opts.runId));
          // Give a worker's own error event (same reason, more precise) a moment to arrive first.
          await new Promise((r) => setTimeout(r, 200));
          this.finish(n, new Error(job?.failedReason || 'the trial job failed'));
        } else if (state === 'unknown' && ++f.missing > 10) {
          this.finish(n, new Error(`the job of trial ${n} vanished from the queue`));
        } else if (state !== 'unknown') f.missing = 0;
      } catch (err) {
        // Redis unreachable: logged once per interval; the next poll tries again.
        this.outage.error(err);
        return;
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.poller);
    for (const n of [...this.inFlight.keys()]) this.finish(n, new Error('the runner closed'));
    const conns = [this.redis, this.reader, this.queueConn];
    if (this.outage.since !== null || conns.some((c) => c.status !== 'ready')) {
      // Redis is away: a clean close would wait for it. Dropping the connections fails what is pending
      // (the read loop sees `closed` and ends by itself).
      for (const c of conns) c.disconnect();
      return;
    }
    await this.readerDone?.catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    await Promise.all(conns.map((c) => c.quit().catch(() => c.disconnect())));
  }
}
