/** A TrialRunner on a piscina pool of worker threads, one trial per thread at a time. */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Dataset } from '../data/types.js';
import { defaultThreads } from '../core/train-params.js';
import type { EpochMetrics } from '../core/types.js';
import type { DriverMessage, TrialOutcome, TrialRunner, TrialTask, WorkerMessage, WorkerTask } from './protocol.js';

export interface ThreadRunnerOptions {
  data: Dataset;
  workers: number;
  /** Heap limit per worker thread (MB); a trial over it fails instead of taking the driver down. */
  maxOldGenerationSizeMb?: number;
}

/**
 * Default number of workers for a backend: one per core on wasm/cpu, one per GPU otherwise (webgpu,
 * tensorflow). On wasm each trial then gets one thread (defaultThreads); fewer workers get more each.
 */
export function defaultWorkers(backend: string): number {
  return ['wasm', 'cpu', 'scripted'].includes(backend) ? Math.max(1, availableParallelism()) : 1;
}

/** The compiled worker file beside this module (under vitest, src/ maps to the built dist/). */
export function workerFile(): string {
  const here = fileURLToPath(new URL('./worker.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = here.replace(/([\\/])src([\\/])pool([\\/])worker\.js$/, '$1dist$2pool$3worker.js');
  if (existsSync(built)) return built;
  throw new Error(`pool worker not found at ${here} or ${built}: run npm run build`);
}

export class ThreadRunner implements TrialRunner {
  readonly concurrency: number;
  private readonly pool: Piscina;
  private readonly data: Dataset;

  constructor(opts: ThreadRunnerOptions) {
    if (!Number.isInteger(opts.workers) || opts.workers < 1) throw new RangeError(`workers must be a positive integer, got ${opts.workers}`);
    this.concurrency = opts.workers;
    this.data = opts.data;
    this.pool = new Piscina({
      filename: workerFile(),
      minThreads: opts.workers,
      maxThreads: opts.workers,
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      ...(opts.maxOldGenerationSizeMb ? { resourceLimits: { maxOldGenerationSizeMb: opts.maxOldGenerationSizeMb } } : {}),
    });
  }

  async run(task: TrialTask, onEpoch: (m: EpochMetrics) => Promise<boolean>, signal?: AbortSignal): Promise<TrialOutcome> {
    const { port1, port2 } = new MessageChannel();
    let epochError: unknown = null;
    port1.on('message', (msg: WorkerMessage) => {
      if (msg.type !== 'epoch') return;
      onEpoch(msg.metrics).then(
        (prune) => port1.postMessage({ type: 'decision', prune } satisfies DriverMessage),
        (err: unknown) => {
          // The driver could not handle this epoch: stop the worker's trial, and fail it with the error below.
          epochError ??= err;
          port1.postMessage({ type: 'decision', prune: true } satisfies DriverMessage);
        },
      );
    });
    const workerTask: WorkerTask = { ...task, threads: task.threads ?? defaultThreads(availableParallelism(), this.concurrency), data: this.data, port: port2 };
    try {
      const outcome = (await this.pool.run(workerTask, { transferList: [port2], ...(signal ? { signal } : {}) })) as TrialOutcome;
      if (epochError !== null) throw epochError;
      return outcome;
    } finally {
      port1.close();
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
