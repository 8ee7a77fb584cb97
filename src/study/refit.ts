/**
 * Refit: after a search, retrain the K best complete search trials' configurations on the whole labeled
 * set (the training split and the validation split together: 42,000 images on the Kaggle-like split)
 * with no validation hold-out, as trials of kind `refit` in the same study. This file only plans them;
 * the optimize loop runs them (OptimizeOptions.fixed), through the same runner, with the same
 * checkpoints and resume as search trials.
 *
 * Epochs (`epochs: auto`): the source trial's best epoch, unscaled: the same number of passes over the
 * larger set (so ~11 % more optimizer steps on a 10 % validation split). Why passes and not steps: every
 * LR schedule here is a function of the epoch (exponential: lr·decay^(e−1); onecycle and cosine: of e/E),
 * augmentation draws per pass, and the best epoch says how many passes the recipe needs before it
 * overfits; keeping the passes keeps the LR trajectory the source trial followed, while the same number
 * of steps (epochs × 37,800/42,000) would cut the schedule short or stretch it. The extra images are
 * what the refit is for. `epochs: N` trains every refit for N epochs.
 */
import type { SearchSpace } from '../search-space/index.js';
import { bestEpochOf } from '../core/objective.js';
import type { FixedTrialConfig } from './phases.js';
import { isSearchTrial, type Direction, type FrozenTrial } from '../core/types.js';

export interface RefitRequest {
  /** How many of the best complete search trials to retrain. */
  top: number;
  /** `auto`: each source trial's best epoch; a number: that many epochs for every refit. */
  epochs: number | 'auto';
}

/** Complete search trials with a finite value, best first (ties: lower number first). Pure. */
export function rankSearchTrials(trials: readonly FrozenTrial[], direction: Direction): FrozenTrial[] {
  const sign = direction === 'minimize' ? 1 : -1;
  return trials
    .filter((t) => isSearchTrial(t) && t.state === 'complete' && typeof t.value === 'number' && Number.isFinite(t.value))
    .sort((a, b) => sign * (a.value! - b.value!) || a.number - b.number);
}

/** The refits of the `top` best complete search trials, best first. Pure. */
export function planRefit(trials: readonly FrozenTrial[], space: Pick<SearchSpace, 'objective'>, req: RefitRequest): FixedTrialConfig[] {
  return rankSearchTrials(trials, space.objective.direction)
    .slice(0, req.top)
    .map((t) => ({
      kind: 'refit' as const,
      params: { ...t.params },
      refit: { source: t.number, epochs: req.epochs === 'auto' ? Math.max(1, bestEpochOf(t.epochs, space.objective)) : req.epochs },
    }));
}

/**
 * Refit trials ordered by their source trial's rank among the complete search trials (a refit whose
 * source is not ranked comes last, by number). Pure.
 */
export function refitTrialsByRank(trials: readonly FrozenTrial[], direction: Direction): FrozenTrial[] {
  const rank = new Map(rankSearchTrials(trials, direction).map((t, i) => [t.number, i]));
  const r = (t: FrozenTrial) => rank.get(t.refit?.source ?? -1) ?? Number.MAX_SAFE_INTEGER;
  return trials.filter((t) => t.kind === 'refit').sort((a, b) => r(a) - r(b) || a.number - b.number);
}
