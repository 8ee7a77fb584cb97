/**
 * Asynchronous Successive Halving (ASHA), as Optuna's SuccessiveHalvingPruner, made pure.
 *
 * Rung k sits at step (epoch) r_k = minResource * eta^(minEarlyStoppingRate + k), k = 0, 1, ...
 * When a trial reports step r_k it competes with the values every visible trial recorded at r_k (its
 * own value at epoch r_k, taken from its learning curve: Optuna stores the same number as a rung
 * attribute), itself included. It continues only if it is in the top floor(n / eta) of those n values;
 * while n < eta that means it must be the best (Optuna's rule, since trials cannot be resumed).
 *
 * `bootstrapCount` (Optuna's bootstrap_count): while no more than that many trials (itself included)
 * have reached a rung, a trial reaching it is pruned, so promotion waits for a sample of that size.
 * `minResource: 'auto'` (Optuna's default): 1 % of the longest complete visible trial's steps, at
 * least 1 (Optuna: max(last_step // 100, 1)); no pruning until a complete trial is visible.
 */
import { UserError } from '../core/errors.js';
import type { Direction, FrozenTrial } from '../core/types.js';
import { checkInt, hasNonFiniteValue, lastStep, type Pruner } from './types.js';

export interface SuccessiveHalvingOptions {
  /** Epochs before the first rung, or 'auto' (estimated from the complete trials). */
  minResource: number | 'auto';
  /** eta: each rung keeps the top 1/eta. */
  reductionFactor: number;
  /** s: the first rung is at minResource * eta^s. */
  minEarlyStoppingRate: number;
  /** Trials that must reach a rung before any is promoted from it. */
  bootstrapCount: number;
}

export const SUCCESSIVE_HALVING_DEFAULTS: SuccessiveHalvingOptions & { minResource: number } = {
  minResource: 2,
  reductionFactor: 2,
  minEarlyStoppingRate: 0,
  bootstrapCount: 0,
};

/** Optuna's estimate of min_resource: 1 % of the longest complete trial, at least 1; null when none is complete. */
export function estimateMinResource(view: readonly FrozenTrial[]): number | null {
  let longest = 0;
  for (const t of view) if (t.state === 'complete') longest = Math.max(longest, lastStep(t));
  return longest === 0 ? null : Math.max(Math.floor(longest / 100), 1);
}

/** Whether `value` is in the top floor(n / eta) (at least the best) of `competing` (which includes it). */
export function isPromotable(value: number, competing: readonly number[], eta: number, direction: Direction): boolean {
  const sorted = [...competing].sort((a, b) => a - b);
  let idx = Math.floor(sorted.length / eta) - 1;
  if (idx < 0) idx = 0;
  return direction === 'maximize' ? value >= sorted[sorted.length - 1 - idx]! : value <= sorted[idx]!;
}

/** The rung steps minResource * eta^(s + k) up to `maxStep`. */
export function rungSteps(minResource: number, eta: number, minEarlyStoppingRate: number, maxStep: number): number[] {
  const out: number[] = [];
  for (let k = 0; ; k++) {
    const s = minResource * eta ** (minEarlyStoppingRate + k);
    if (s > maxStep) return out;
    out.push(s);
  }
}

export class SuccessiveHalvingPruner implements Pruner {
  readonly name: string = 'successive-halving';
  readonly options: SuccessiveHalvingOptions;

  constructor(options: Partial<SuccessiveHalvingOptions> = {}) {
    const o = { ...SUCCESSIVE_HALVING_DEFAULTS, ...options };
    if (o.minResource !== 'auto') checkInt('minResource', o.minResource, 1);
    checkInt('reductionFactor', o.reductionFactor, 2);
    checkInt('minEarlyStoppingRate', o.minEarlyStoppingRate, 0);
    checkInt('bootstrapCount', o.bootstrapCount, 0);
    if (o.bootstrapCount > 0 && o.minResource === 'auto') {
      throw new UserError(`bootstrapCount > 0 needs an explicit minResource (got minResource auto, bootstrapCount ${o.bootstrapCount})`);
    }
    this.options = o;
  }

  /** The rung steps up to `maxStep` (minResource 'auto': as estimated from `view`; none before it can be). */
  rungSteps(maxStep: number, view: readonly FrozenTrial[] = []): number[] {
    const { minResource, reductionFactor, minEarlyStoppingRate } = this.options;
    const r = minResource === 'auto' ? estimateMinResource(view) : minResource;
    return r === null ? [] : rungSteps(r, reductionFactor, minEarlyStoppingRate, maxStep);
  }

  prune(view: readonly FrozenTrial[], trial: FrozenTrial, direction: Direction): boolean {
    if (hasNonFiniteValue(trial)) return true;
    const step = lastStep(trial);
    if (step === 0 || !this.rungSteps(step, view).includes(step)) return false;
    const value = trial.intermediateValues[step - 1]!;
    const competing = [value];
    for (const t of view) {
      if (t.number === trial.number) continue;
      const v = t.intermediateValues[step - 1];
      if (v !== undefined && Number.isFinite(v)) competing.push(v);
    }
    if (competing.length <= this.options.bootstrapCount) return true;
    return !isPromotable(value, competing, this.options.reductionFactor, direction);
  }
}
