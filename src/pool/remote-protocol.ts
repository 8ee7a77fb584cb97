/**
 * The driver <-> remote worker protocol over Redis (the BullMQ counterpart of protocol.ts). For study S,
 * with p = `digit-sweep:S:`:
 *   queue      BullMQ queue `queue` under the prefix `digit-sweep:S`: one job per trial, id `trial-<n>`,
 *              data { runId, task } (a TrialTask; the worker adds the dataset it loaded itself)
 *   p+driver   the driver's lease { runId, pid, host, since } (PX LEASE_MS, renewed every LEASE_MS/4).
 *              A trial is running only while the driver that started it holds the lease: a worker
 *              drops a job whose runId is not the lease's, and aborts a running trial when the lease
 *              changes or expires (the restarted driver has marked that trial interrupted).
 *   p+events   stream, worker -> driver: one entry per epoch and one at the end of each attempt (RemoteEvent)
 *   p+decision:<n>:<attempt>:<epoch>   list, driver -> worker: '1' prune / '0' continue (the worker BLPOPs it)
 *   p+cancel:<n>   set by the driver when it gives a trial up (time limit, second Ctrl-C): the worker aborts it
 * A worker that dies mid-trial loses its BullMQ lock; the stalled-job check of any live worker puts the
 * job back once (maxStalledCount 1), the next stall fails it. The new attempt starts again at epoch 1;
 * the driver answers epochs it has already decided from its record without asking the pruner again,
 * so the trial's record is the one a single uninterrupted attempt gives.
 */
import { studyPrefix } from '../storage/redis.js';
import type { EpochMetrics } from '../study/types.js';
import type { TrialOutcome, TrialTask } from './protocol.js';

export const QUEUE_NAME = 'queue';
/** How long a driver's lease lasts without renewal. */
export const LEASE_MS = 10_000;
/** Default BullMQ lock of a running trial: a dead worker's trial is re-queued about this long after it died. */
export const DEFAULT_LOCK_MS = 30_000;
/** Decision and cancel keys expire after this long (they are consumed at once when all is well). */
export const KEY_TTL_S = 600;
/** Stream entries kept. */
export const EVENTS_MAXLEN = 20_000;

/** The BullMQ prefix of a study's queue: the study's key prefix without its trailing ':'. */
export function queuePrefix(study: string): string {
  return studyPrefix(study).slice(0, -1);
}

export function remoteKeys(study: string) {
  const p = studyPrefix(study);
  return {
    driver: `${p}driver`,
    events: `${p}events`,
    decision: (n: number, attempt: string, epoch: number) => `${p}decision:${n}:${attempt}:${epoch}`,
    cancel: (n: number) => `${p}cancel:${n}`,
  };
}

export const jobId = (n: number): string => `trial-${n}`;

export interface RemoteJobData {
  runId: string;
  task: TrialTask;
}

export interface DriverLease {
  runId: string;
  pid: number;
  host: string;
  since: string;
}

export type RemoteEvent =
  | { type: 'epoch'; trial: number; attempt: string; worker: string; metrics: EpochMetrics }
  | { type: 'end'; trial: number; attempt: string; worker: string; outcome: TrialOutcome }
  | { type: 'error'; trial: number; attempt: string; worker: string; error: string };
