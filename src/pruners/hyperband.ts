/**
 * Optuna's HyperbandPruner: several successive-halving (ASHA) brackets run side by side, bracket b
 * with its first rung at minResource * eta^b (minEarlyStoppingRate = b), so bracket 0 prunes the most
 * aggressively and the last one lets every trial run to maxResource before judging it.
 *
 *  - Number of brackets: floor(log_eta(maxResource / minResource)) + 1.
 *  - Bracket b's budget: ceil(nBrackets * eta^s / (s + 1)) with s = nBrackets - 1 - b (Hyperband's
 *    number of configurations of that bracket).
 *  - A trial's bracket: crc32 of a key modulo the total budget, walked through the brackets' budgets
 *    (Optuna: crc32("<study name>_<trial number>")). Our key is "<trial seed>_<trial number>": the
 *    trial's seed is mixSeed(study seed, number), so the assignment depends on the study's seed and
 *    the trial only, like every other decision here (a renamed study keeps its brackets).
 *  - A trial competes only with the trials of its own bracket.
 *  - maxResource 'auto' (Optuna's default): the longest complete visible trial's steps; no pruning
 *    until a complete trial is visible.
 *
 * Not done as Optuna does: Optuna also restricts the TPE sampler's history to the trial's bracket; our
 * samplers see every trial.
 */
import { UserError } from '../core/errors.js';
import type { Direction, FrozenTrial } from '../core/types.js';
import { SuccessiveHalvingPruner } from './successive-halving.js';
import { checkInt, hasNonFiniteValue, lastStep, type Pruner } from './types.js';

export interface HyperbandOptions {
  minResource: number;
  maxResource: number | 'auto';
  reductionFactor: number;
  bootstrapCount: number;
}

export const HYPERBAND_DEFAULTS: HyperbandOptions = { minResource: 1, maxResource: 'auto', reductionFactor: 3, bootstrapCount: 0 };

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (zlib's, Python's binascii.crc32) of the UTF-8 bytes of `s`. */
export function crc32(s: string): number {
  let c = 0xffffffff;
  for (const b of Buffer.from(s, 'utf8')) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Number of brackets: floor(log_eta(maxResource / minResource)) + 1, in integers. */
export function bracketCount(minResource: number, maxResource: number, eta: number): number {
  let n = 0;
  for (let r = minResource; r <= maxResource; r *= eta) n++;
  return Math.max(n, 1);
}

/** Budget of each bracket: ceil(n * eta^s / (s + 1)), s = n - 1 - b. */
export function bracketBudgets(nBrackets: number, eta: number): number[] {
  return Array.from({ length: nBrackets }, (_, b) => {
    const s = nBrackets - 1 - b;
    return Math.ceil((nBrackets * eta ** s) / (s + 1));
  });
}

/** The bracket of a trial among brackets with the given budgets. */
export function bracketOf(trial: Pick<FrozenTrial, 'number' | 'seed'>, budgets: readonly number[]): number {
  const total = budgets.reduce((a, b) => a + b, 0);
  let n = crc32(`${trial.seed}_${trial.number}`) % total;
  for (let b = 0; b < budgets.length; b++) {
    n -= budgets[b]!;
    if (n < 0) return b;
  }
  return budgets.length - 1; // unreachable: n < total
}

export class HyperbandPruner implements Pruner {
  readonly name = 'hyperband';
  readonly options: HyperbandOptions;

  constructor(options: Partial<HyperbandOptions> = {}) {
    const o = { ...HYPERBAND_DEFAULTS, ...options };
    checkInt('minResource', o.minResource, 1);
    if (o.maxResource !== 'auto') {
      checkInt('maxResource', o.maxResource, 1);
      if (o.maxResource < o.minResource) throw new UserError(`maxResource must be >= minResource (${o.minResource}), got ${o.maxResource}`);
    }
    checkInt('reductionFactor', o.reductionFactor, 2);
    checkInt('bootstrapCount', o.bootstrapCount, 0);
    if (o.bootstrapCount > 0 && o.maxResource === 'auto') {
      throw new UserError(`bootstrapCount > 0 needs an explicit maxResource (got maxResource auto, bootstrapCount ${o.bootstrapCount})`);
    }
    this.options = o;
  }

  /** The brackets' budgets, or null while maxResource 'auto' cannot be estimated from `view`. */
  budgets(view: readonly FrozenTrial[]): number[] | null {
    let max = this.options.maxResource;
    if (max === 'auto') {
      let longest = 0;
      for (const t of view) if (t.state === 'complete') longest = Math.max(longest, lastStep(t));
      if (longest === 0) return null;
      max = longest;
    }
    return bracketBudgets(bracketCount(this.options.minResource, max, this.options.reductionFactor), this.options.reductionFactor);
  }

  /** The bracket's successive-halving pruner. */
  bracketPruner(bracket: number): SuccessiveHalvingPruner {
    const { minResource, reductionFactor, bootstrapCount } = this.options;
    return new SuccessiveHalvingPruner({ minResource, reductionFactor, minEarlyStoppingRate: bracket, bootstrapCount });
  }

  prune(view: readonly FrozenTrial[], trial: FrozenTrial, direction: Direction): boolean {
    if (hasNonFiniteValue(trial)) return true;
    const budgets = this.budgets(view);
    if (budgets === null) return false;
    const b = bracketOf(trial, budgets);
    const peers = view.filter((t) => bracketOf(t, budgets) === b);
    return this.bracketPruner(b).prune(peers, trial, direction);
  }
}
