import { UserError } from '../core/errors.js';
import type { Direction, FrozenTrial } from '../core/types.js';

/**
 * A pruner decides, after each reported step (epoch) of a running trial, whether to stop it. Pure: it
 * reads a frozen snapshot of the trials the trial may see (study/view.ts) and the trial itself, and
 * writes nothing. Steps are 1-based epochs: `trial.intermediateValues[step - 1]`.
 */
export interface Pruner {
  readonly name: string;
  prune(view: readonly FrozenTrial[], trial: FrozenTrial, direction: Direction): boolean;
}

/** The trial's last reported step (1-based), or 0 when it reported none. */
export function lastStep(trial: FrozenTrial): number {
  return trial.intermediateValues.length;
}

/** NaN or ±Infinity anywhere in the learning curve: the trial is dead, prune it whatever the strategy. */
export function hasNonFiniteValue(trial: FrozenTrial): boolean {
  return trial.intermediateValues.some((v) => !Number.isFinite(v));
}

/** Throws a UserError unless `value` is an integer >= min: "<name> must be an integer >= 0, got -1". */
export function checkInt(name: string, value: number, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new UserError(`${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
}

/** numpy.percentile with linear interpolation, q in 0..100, on a non-empty array. */
export function percentile(values: readonly number[], q: number): number {
  const xs = [...values].sort((a, b) => a - b);
  const pos = (q / 100) * (xs.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return xs[lo]! + (xs[hi]! - xs[lo]!) * (pos - lo);
}

/**
 * Whether a pruner with warm-up and interval decides at 1-based `step` (Optuna's 0-based steps
 * nWarmupSteps, nWarmupSteps + intervalSteps, ...: our steps nWarmupSteps + 1, nWarmupSteps + 1 +
 * intervalSteps, ...). Steps arrive one per epoch, so Optuna's "first reported step of the interval"
 * is the interval's first step.
 */
export function isCheckStep(step: number, nWarmupSteps: number, intervalSteps: number): boolean {
  if (step === 0 || step <= nWarmupSteps) return false;
  return (step - 1 - nWarmupSteps) % intervalSteps === 0;
}
