/**
 * Optuna's PercentilePruner: prune when the trial's best intermediate value so far is worse than the
 * given percentile of the complete trials' values at the same step (for `maximize`, "worse" means
 * below the (100 - percentile)-th percentile, so percentile 25 keeps the top 25 %: Optuna's meaning).
 *  - no decision until `nStartupTrials` complete trials are visible;
 *  - no decision during the first `nWarmupSteps` steps, then every `intervalSteps` steps
 *    (steps nWarmupSteps + 1, nWarmupSteps + 1 + intervalSteps, ...; Optuna's 0-based steps
 *    nWarmupSteps, nWarmupSteps + intervalSteps, ...);
 *  - no decision when fewer than `nMinTrials` complete trials reported this step.
 */
import { UserError } from '../core/errors.js';
import type { Direction, FrozenTrial } from '../core/types.js';
import { checkInt, hasNonFiniteValue, isCheckStep, lastStep, percentile, type Pruner } from './types.js';

export interface PercentilePrunerOptions {
  percentile: number;
  nStartupTrials: number;
  nWarmupSteps: number;
  intervalSteps: number;
  nMinTrials: number;
}

export const MEDIAN_DEFAULTS: Omit<PercentilePrunerOptions, 'percentile'> = {
  nStartupTrials: 5,
  nWarmupSteps: 0,
  intervalSteps: 1,
  nMinTrials: 1,
};

export class PercentilePruner implements Pruner {
  readonly name: string = 'percentile';
  readonly options: PercentilePrunerOptions;

  constructor(options: Partial<PercentilePrunerOptions> & { percentile: number }) {
    const o = { ...MEDIAN_DEFAULTS, ...options };
    if (typeof o.percentile !== 'number' || !(o.percentile >= 0 && o.percentile <= 100)) {
      throw new UserError(`percentile must be between 0 and 100, got ${JSON.stringify(o.percentile)}`);
    }
    checkInt('nStartupTrials', o.nStartupTrials, 0);
    checkInt('nWarmupSteps', o.nWarmupSteps, 0);
    checkInt('intervalSteps', o.intervalSteps, 1);
    checkInt('nMinTrials', o.nMinTrials, 1);
    this.options = o;
  }

  prune(view: readonly FrozenTrial[], trial: FrozenTrial, direction: Direction): boolean {
    if (hasNonFiniteValue(trial)) return true;
    const { nStartupTrials, nWarmupSteps, intervalSteps, nMinTrials } = this.options;
    const complete = view.filter((t) => t.state === 'complete' && t.number !== trial.number);
    if (complete.length === 0 || complete.length < nStartupTrials) return false;
    const step = lastStep(trial);
    if (!isCheckStep(step, nWarmupSteps, intervalSteps)) return false;
    const values = trial.intermediateValues;
    const best = direction === 'maximize' ? Math.max(...values) : Math.min(...values);
    const atStep = complete.map((t) => t.intermediateValues[step - 1]).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (atStep.length < nMinTrials) return false;
    const q = direction === 'maximize' ? 100 - this.options.percentile : this.options.percentile;
    const p = percentile(atStep, q);
    return direction === 'maximize' ? best < p : best > p;
  }
}
