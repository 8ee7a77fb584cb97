/**
 * Optuna's PatientPruner: wraps another pruner and lets it decide only when the trial has stalled.
 * The last patience + 1 values are compared with the ones before them (so a trial needs at least
 * patience + 2 values); the trial has stalled when the best of the recent values improves on the best
 * before them by no more than `minDelta`. It is pruned when it has stalled AND the wrapped pruner says
 * prune (no wrapped pruner: the stall alone prunes).
 *
 * One deliberate difference from Optuna's code: Optuna's test is `best_before - min_delta > best_after`
 * (maximize), i.e. min_delta is a tolerance for getting *worse*, and a flat curve (equal bests) never
 * counts as stalled. Here an improvement must exceed minDelta to count (Keras EarlyStopping's meaning,
 * and what Optuna's docstring describes); with minDelta = 0 a flat curve has stalled.
 */
import { UserError } from '../core/errors.js';
import type { Direction, FrozenTrial } from '../core/types.js';
import { checkInt, hasNonFiniteValue, type Pruner } from './types.js';

export class PatientPruner implements Pruner {
  readonly name: string;

  constructor(
    readonly wrapped: Pruner | null,
    readonly patience: number,
    readonly minDelta = 0,
  ) {
    checkInt('patience', patience, 0);
    if (typeof minDelta !== 'number' || !(minDelta >= 0) || !Number.isFinite(minDelta)) {
      throw new UserError(`minDelta must be a number >= 0, got ${JSON.stringify(minDelta)}`);
    }
    this.name = `patient(${wrapped?.name ?? 'none'})`;
  }

  prune(view: readonly FrozenTrial[], trial: FrozenTrial, direction: Direction): boolean {
    if (hasNonFiniteValue(trial)) return true;
    const values = trial.intermediateValues;
    if (values.length <= this.patience + 1) return false;
    const before = values.slice(0, values.length - this.patience - 1);
    const after = values.slice(values.length - this.patience - 1);
    const improvement =
      direction === 'minimize' ? Math.min(...before) - Math.min(...after) : Math.max(...after) - Math.max(...before);
    const stalled = improvement <= this.minDelta;
    if (!stalled) return false;
    return this.wrapped ? this.wrapped.prune(view, trial, direction) : true;
  }
}
