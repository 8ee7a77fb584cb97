/**
 * Asynchronous Successive Halving (ASHA), as Optuna's SuccessiveHalvingPruner, made pure.
 *
 * Rung k sits at step (epoch) r_k = minResource * eta^(minEarlyStoppingRate + k), k = 0, 1, ...
 * When a trial reports step r_k it competes with the values every visible trial recorded at r_k (its
 * own value at epoch r_k, taken from its learning curve: Optuna stores the same number as a rung
 * attribute), itself included. It continues only if it is in the top floor(n / eta) of those n values;
 * while n < eta that means it must be the best (Optuna's rule, since trials cannot be resumed).
 */
import type { Direction, FrozenTrial } from '../study/types.js';
import { checkInt, hasNonFiniteValue, lastStep, type Pruner } from './types.js';

export interface SuccessiveHalvingOptions {
  /** Epochs before the first rung. */
  minResource: number;
  /** eta: each rung keeps the top 1/eta. */
  reductionFactor: number;
  /** s: the first rung is at minResource * eta^s. */
  minEarlyStoppingRate: number;
}

export const SUCCESSIVE_HALVING_DEFAULTS: SuccessiveHalvingOptions = {
  minResource: 2,
  reductionFactor: 2,
  minEarlyStoppingRate: 0,
};

/** Whether `value` is in the top floor(n / eta) (at least the best) of `competing` (which includes it). */
export function isPromotable(value: number, competing: readonly number[], eta: number, direction: Direction): boolean {
  const sorted = [...competing].sort((a, b) => a - b);
  let idx = Math.floor(sorted.length / eta) - 1;
  if (idx < 0) idx = 0;
  return direction === 'maximize' ? value >= sorted[sorted.length - 1 - idx]! : value <= sorted[idx]!;
}

export class SuccessiveHalvingPruner implements Pruner {
  readonly name = 'successive-halving';
  readonly options: SuccessiveHalvingOptions;

  constructor(options: Partial<SuccessiveHalvingOptions> = {}) {
    const o = { ...SUCCESSIVE_HALVING_DEFAULTS, ...options };
    checkInt('minResource', o.minResource, 1);
    checkInt('reductionFactor', o.reductionFactor, 2);
    checkInt('minEarlyStoppingRate', o.minEarlyStoppingRate, 0);
    this.options = o;
  }

  /** The rung steps up to `maxStep`. */
  rungSteps(maxStep: number): number[] {
    const out: number[] = [];
    const { minResource, reductionFactor, minEarlyStoppingRate } = this.options;
    for (let k = 0; ; k++) {
      const s = minResource * reductionFactor ** (minEarlyStoppingRate + k);
      if (s > maxStep) return out;
      out.push(s);
    }
  }

  prune(view: readonly FrozenTrial[], trial: FrozenTrial, direction: Direction): boolean {
    if (hasNonFiniteValue(trial)) return true;
    const step = lastStep(trial);
    if (step === 0 || !this.rungSteps(step).includes(step)) return false;
    const value = trial.intermediateValues[step - 1]!;
    const competing = [value];
    for (const t of view) {
      if (t.number === trial.number) continue;
      const v = t.intermediateValues[step - 1];
      if (v !== undefined && Number.isFinite(v)) competing.push(v);
    }
    return !isPromotable(value, competing, this.options.reductionFactor, direction);
  }
}
