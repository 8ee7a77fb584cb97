/**
 * Which TrialRunner a sweep runs its trials on: the one the caller made (tests, other executors), BullMQ
 * jobs for `digit-sweep worker` processes (a Redis study), one child process per worker, or a thread
 * pool. Each is imported only when chosen: a local sweep never loads BullMQ.
 */
import type { Dataset } from '../data/types.js';
import type { TrialRunner } from '../pool/protocol.js';

export const ISOLATIONS = ['thread', 'process'] as const;
export type Isolation = (typeof ISOLATIONS)[number];

export interface RunnerChoice {
  data: Dataset;
  workers: number;
  isolation: Isolation;
  /** Heap limit of each worker (MB); unset: Node's default. */
  workerHeapMb?: number | undefined;
  /** Replaces the choice below (SweepOptions.makeRunner). */
  makeRunner?: ((data: Dataset, workers: number) => Promise<TrialRunner> | TrialRunner) | undefined;
  /** A Redis study: its trials become BullMQ jobs of the driver holding the lease `runId`. */
  remote?: { url: string; study: string; runId: string; log?: ((line: string) => void) | undefined } | undefined;
}

export async function openRunner(c: RunnerChoice): Promise<TrialRunner> {
  if (c.makeRunner) return c.makeRunner(c.data, c.workers);
  if (c.remote) {
    const { BullmqRunner } = await import('../pool/bullmq-runner.js');
    const { url, study, runId, log } = c.remote;
    return BullmqRunner.open({ url, study, concurrency: c.workers, runId, ...(log ? { log } : {}) });
  }
  const pool = { data: c.data, workers: c.workers, ...(c.workerHeapMb ? { maxOldGenerationSizeMb: c.workerHeapMb } : {}) };
  if (c.isolation === 'process') return new (await import('../pool/process-runner.js')).ProcessRunner(pool);
  return new (await import('../pool/runner.js')).ThreadRunner(pool);
}
