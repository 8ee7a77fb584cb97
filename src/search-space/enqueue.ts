/**
 * Enqueued trials (the space's `enqueue:` list, Optuna's enqueue_trial): trial n < enqueue.length runs
 * the params of enqueue[n] (params a set leaves out are sampled as usual). They count in the budget
 * like any trial. Which trials were enqueued follows from the study's space alone, so the reports can
 * mark them without a field in the trial records (only the optimize loop writes those).
 */
import type { FrozenTrial, Params } from '../core/types.js';

/** The enqueued list of a stored study's space (`StudyRecord.space` is untyped JSON); [] when none. */
export function enqueueOf(space: unknown): Params[] {
  const list = space !== null && typeof space === 'object' ? (space as { enqueue?: unknown }).enqueue : undefined;
  return Array.isArray(list) ? (list.filter((p) => p !== null && typeof p === 'object') as Params[]) : [];
}

/** Whether trial `t` ran the enqueued set of its number (every value of the set, as given). */
export function isEnqueuedTrial(enqueue: readonly Params[], t: Pick<FrozenTrial, 'number' | 'params'>): boolean {
  const set = enqueue[t.number];
  return set !== undefined && Object.entries(set).every(([k, v]) => t.params[k] === v);
}
