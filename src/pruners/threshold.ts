/**
 * Optuna's ThresholdPruner: prune a trial whose latest intermediate value is below `lower` or above
 * `upper` (either may be absent), at the steps the warm-up and interval allow (see isCheckStep).
 * The study's direction plays no part. A NaN/Infinity value prunes at any step, as with every pruner
 * here (Optuna prunes NaN only at a check step; a dead trial is not worth another epoch).
 */
import { UserError } from '../core/errors.js';
import type { FrozenTrial } from '../core/types.js';
import { checkInt, hasNonFiniteValue, isCheckStep, lastStep, type Pruner } from './types.js';

export interface ThresholdPrunerOptions {
  lower: number | null;
  upper: number | null;
  nWarmupSteps: number;
  intervalSteps: number;
}

export class ThresholdPruner implements Pruner {
  readonly name = 'threshold';
  readonly options: ThresholdPrunerOptions;

  constructor(options: Partial<ThresholdPrunerOptions>) {
    const o: ThresholdPrunerOptions = { lower: null, upper: null, nWarmupSteps: 0, intervalSteps: 1, ...options };
    if (o.lower === null && o.upper === null) throw new UserError('threshold pruner: give lower, upper or both');
    for (const k of ['lower', 'upper'] as const) {
      const v = o[k];
      if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) throw new UserError(`${k} must be a finite number, got ${JSON.stringify(v)}`);
    }
    if (o.lower !== null && o.upper !== null && o.lower > o.upper) {
      throw new UserError(`lower must be <= upper (${o.upper}), got ${o.lower}`);
    }
    checkInt('nWarmupSteps', o.nWarmupSteps, 0);
    checkInt('intervalSteps', o.intervalSteps, 1);
    this.options = o;
  }

  prune(_view: readonly FrozenTrial[], trial: FrozenTrial): boolean {
    if (hasNonFiniteValue(trial)) return true;
    const step = lastStep(trial);
    if (!isCheckStep(step, this.options.nWarmupSteps, this.options.intervalSteps)) return false;
    const v = trial.intermediateValues[step - 1]!;
    const { lower, upper } = this.options;
    return (lower !== null && v < lower) || (upper !== null && v > upper);
  }
}
