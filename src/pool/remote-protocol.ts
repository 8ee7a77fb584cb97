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
 *   p+checkpoint:<n>   the trial's checkpoint (storage/checkpoint.ts), written by the worker after every
 *              epoch, before the epoch event; read by whichever worker runs the trial next; deleted by the
 *              driver when the trial ends (and on resume for trials that are not running). ~7 MB for
 *              the seed CNN, one per running trial.
 * A worker that dies mid-trial loses its BullMQ lock; the stalled-job check of any live worker puts the
 * job back once (maxStalledCount 1), the next stall fails it. A worker that stops (SIGTERM) hands its
 * running trials back (moveToWait; not a stall). The new attempt continues from the checkpoint and
 * reports the checkpoint's epochs again; the driver answers epochs it has already decided from its
 * record without asking the pruner again, so the trial's record is the one a single uninterrupted
 * attempt gives.
 */
import { driverLeaseKey } from '../storage/lease.js';
import { studyPrefix } from '../storage/redis.js';
export { LEASE_MS, type DriverLease } from '../storage/lease.js';
import type { EpochMetrics } from '../core/types.js';
import type { TrialOutcome, TrialTask } from './protocol.js';

export const QUEUE_NAME = 'queue';
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
    driver: driverLeaseKey(study),
    events: `${p}events`,
    decision: (n: number, attempt: string, epoch: number) => `${p}decision:${n}:${attempt}:${epoch}`,
    cancel: (n: number) => `${p}cancel:${n}`,
  };
}

/** One job per trial and driver run (a restarted driver queues its resumed trials anew). */
export const jobId = (n: number, runId: string): string => `trial-${n}-${runId.slice(0, 8)}`;

export interface RemoteJobData {
  runId: string;
  task: TrialTask;
}

/** `runId`: the driver run whose job this attempt serves; a restarted driver ignores its predecessor's. */
export type RemoteEvent =
  | { type: 'epoch'; trial: number; runId: string; attempt: string; worker: string; metrics: EpochMetrics }
  | { type: 'end'; trial: number; runId: string; attempt: string; worker: string; outcome: TrialOutcome }
  | { type: 'error'; trial: number; runId: string; attempt: string; worker: string; error: string };
