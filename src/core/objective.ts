/**
 * Which epoch earns a trial its value: the first epoch with the best finite value of the objective's
 * metric in its direction (the same value optimize.ts records as the trial's `value`). The trainer keeps
 * (and saves) that epoch's weights, so the kept model and the trial's value always agree.
 */
import type { EpochMetrics, Objective } from './types.js';

/**
 * Whether `value` beats `best` for the objective. Anything beats nothing (null: the trainer keeps some
 * weights even when the first epoch is NaN); a finite value beats a non-finite one, never the reverse.
 */
export function improves(value: number, best: number | null, { direction }: Objective): boolean {
  if (best === null || !Number.isFinite(best)) return best === null || Number.isFinite(value);
  if (!Number.isFinite(value)) return false;
  return direction === 'maximize' ? value > best : value < best;
}

/** The epoch (1-based) that earned the trial's value; 0 when no epoch has a finite value. */
export function bestEpochOf(history: readonly EpochMetrics[], objective: Objective): number {
  let best = 0;
  let bestValue: number | null = null;
  for (const m of history) {
    const v = m[objective.metric];
    if (!Number.isFinite(v)) continue;
    if (improves(v, bestValue, objective)) {
      best = m.epoch;
      bestValue = v;
    }
  }
  return best;
}
