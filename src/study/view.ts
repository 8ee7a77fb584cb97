/**
 * What trial n knows of its study: the rule that makes a sweep's result independent of the number of
 * workers (Optuna cannot promise this; we can, because the driver controls when trials start).
 *
 *   Trial n is sampled AND pruned against only the finished trials numbered < n - lag.
 *   Trials n-lag .. n-1 count as running for the constant liar (their params are known when n starts).
 *
 * The driver upholds it: before it starts trial n it waits until every trial < n - lag has finished
 * (complete, pruned or failed). Those trials are then final, so trial n's params, every prune decision
 * along its learning curve and therefore its whole record depend only on the seed, n and the records
 * of trials < n - lag, which by induction depend only on the seed. The params sequence (and every
 * trial's outcome, given a deterministic trainer) is then the same for 1, 2 or 8 workers.
 *
 * Lag trades information for parallelism. With W workers and lag >= W - 1 the trials that can still be
 * running when trial n is due are n-W+1 .. n-1 when trials take similar times, so no worker idles; a
 * worker idles only while a trial older than n - lag is still running (one much slower than the ones
 * after it). lag = 0 is the sequential optimize loop: every trial sees all earlier ones.
 */
import type { FrozenTrial, Params } from '../core/types.js';

export interface TrialView {
  /** Finished trials numbered < n - lag (every state but running), ordered by number. */
  history: FrozenTrial[];
  /** Params of trials n-lag .. n-1 (whatever their real state), ordered by number. */
  running: Params[];
}

const finished = (t: FrozenTrial): boolean => t.state !== 'running';

/** Trial `n`'s view of `trials` (any order; trials >= n are ignored). Pure. */
export function viewForTrial(trials: readonly FrozenTrial[], n: number, lag: number): TrialView {
  if (!Number.isInteger(lag) || lag < 0) throw new RangeError(`lag must be an integer >= 0, got ${lag}`);
  const sorted = [...trials].filter((t) => t.number < n).sort((a, b) => a.number - b.number);
  return {
    history: sorted.filter((t) => t.number < n - lag && finished(t)),
    running: sorted.filter((t) => t.number >= n - lag).map((t) => t.params),
  };
}

/**
 * Whether the driver may start trial `n`: every trial < n - lag has finished. (Trials < n - lag that do
 * not exist yet in `trials` count as unfinished.)
 */
export function canStartTrial(trials: readonly FrozenTrial[], n: number, lag: number): boolean {
  const needed = Math.max(0, n - lag);
  let seen = 0;
  for (const t of trials) {
    if (t.number < needed) {
      if (!finished(t)) return false;
      seen++;
    }
  }
  return seen >= needed;
}
