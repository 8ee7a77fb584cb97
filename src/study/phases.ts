/**
 * The two phases of a study, as the optimize loop (optimize.ts) sees them: the search (sampled trials,
 * judged on the validation set, pruned, within budgets) and the refit (given configurations retrained on
 * the whole labeled set, see refit.ts). Everything that differs between them is here, one object per
 * phase behind one interface, so that the loop reads once and never asks which phase it runs. Phases
 * only decide; the loop alone writes trials.
 *
 * Refit trials train with no validation set: their per-epoch value is the training-set counterpart of the
 * objective's metric (trainAcc for valAcc, trainLoss for valLoss), their value the last epoch's (the kept
 * model is the last epoch's), and they are never pruned (a non-finite training loss fails them). They are
 * invisible to samplers, pruners, the trial and epoch budgets and the search trials' model keeping; their
 * models are always kept.
 */
import type { Pruner } from '../pruners/index.js';
import type { Sampler } from '../samplers/index.js';
import type { SearchSpace } from '../search-space/index.js';
import type { Clock } from '../core/clock.js';
import { isSearchTrial, type EpochMetrics, type FrozenTrial, type Params, type RefitOf, type TrainParams } from '../core/types.js';
import { canStartTrial, viewForTrial } from './view.js';

/** A configuration the loop runs as given rather than sampled: a refit of a search trial. */
export interface FixedTrialConfig {
  kind: 'refit';
  params: Params;
  refit: RefitOf;
}

/** The error of trials that earlier versions failed when their driver died (they do not count toward the budget). */
export const INTERRUPTED = 'interrupted (the driver stopped while the trial ran)';

/** The trial's objective value at one epoch. */
export function objectiveValue(space: SearchSpace, m: EpochMetrics): number {
  return space.objective.metric === 'valAcc' ? m.valAcc : m.valLoss;
}

/** A refit trial's value at one epoch: the training-set counterpart of the objective's metric (it has no validation set). */
export function refitValue(space: SearchSpace, m: EpochMetrics): number {
  return space.objective.metric === 'valAcc' ? m.trainAcc : m.trainLoss;
}

/** Best of the intermediate values in the study's direction, ignoring non-finite ones; null if none. */
export function bestValue(space: SearchSpace, values: readonly number[]): number | null {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return null;
  return space.objective.direction === 'maximize' ? Math.max(...finite) : Math.min(...finite);
}

/** A trial's trainer params: the fixed ones, overridden by name by the searched ones (epochs and batchSize too). */
export function trainParamsFor(space: SearchSpace, params: Params): TrainParams {
  const { threads: _t, ...fixed } = space.fixed;
  return { ...fixed, ...(params as Partial<TrainParams>) };
}

/** What a phase wants next: a new trial (the loop numbers, seeds and creates it), to wait for a running trial, or to stop. */
export type NextTrial = { create: { params: Params; kind?: 'refit'; refit?: RefitOf } } | { wait: true } | { stop: string };

export interface Phase {
  readonly name: 'search' | 'refit';

  // Which trial comes next (asked only of the phase the loop runs).
  /** The next trial, numbered `n`: sampled (search) or the next given configuration (refit). */
  next(n: number): NextTrial;

  // How a trial of this phase runs (asked of the trial's own phase: a resumed trial keeps its kind's rules).
  /** The trainer's params: the refit trains its own number of epochs, whatever its source drew or fixed. */
  trainParams(trial: FrozenTrial): TrainParams;
  /** Extra fields of the trial's task (the trainer trains a refit trial without a validation set). */
  readonly task: { refit?: true };
  /** The trial's time limit in minutes (none: no limit). */
  readonly timeoutMinutes: number | undefined;
  /** Whether the trial saves its model (a refit trial exists for its model; search trials: `keepModels` > 0). */
  readonly savesModel: boolean;
  /** The trial's value at one epoch. */
  epochValue(m: EpochMetrics): number;
  /** Why a non-finite epoch value stops the trial. */
  nonFinite(value: number | null, m: EpochMetrics): string;
  /** Whether the pruner stops `trial` after its latest epoch (never at its last epoch: nothing is left to save). */
  prune(trial: FrozenTrial, last: boolean): boolean;
  /** Whether the study's epoch budget is spent (the trial then stops at this epoch, pruned). */
  outOfEpochs(): boolean;
  /**
   * Whether a trial stopped before its end is pruned (search) or failed (refit: a refit stopped by the
   * trainer or by a non-finite value has no model to use).
   */
  readonly prunable: boolean;
  /** The trial's recorded value when it ends (`failed`: it failed). */
  value(trial: FrozenTrial, failed: boolean): number | null;
}

/** What the phases read of the loop: the study's trials as it has them now, and its settings. */
export interface PhaseContext {
  space: SearchSpace;
  sampler: Sampler;
  pruner: Pruner;
  /** See view.ts. */
  lag: number;
  clock: Clock;
  /** When the loop started (clock ms): the wall-time budget runs from here. */
  started: number;
  all(): FrozenTrial[];
}

/** The search: sampled trials, judged on the validation set, pruned, within the trial, epoch and wall-time budgets. */
export function searchPhase(ctx: PhaseContext): Phase {
  const { space } = ctx;
  const { budget } = space;
  const searchTrials = () => ctx.all().filter(isSearchTrial);
  // Trials that count toward the budget: every search trial but those a crash interrupted.
  const counted = () => searchTrials().filter((t) => !(t.state === 'fail' && t.error === INTERRUPTED)).length;
  const epochsSpent = () => searchTrials().reduce((n, t) => n + t.epochs.length, 0);
  const outOfEpochs = () => budget.maxEpochs !== undefined && epochsSpent() >= budget.maxEpochs;
  return {
    name: 'search',
    next(n) {
      if (counted() >= budget.trials) return { stop: `budget of ${budget.trials} trials reached` };
      if (budget.maxWallMinutes !== undefined && ctx.clock.now() - ctx.started >= budget.maxWallMinutes * 60_000) {
        return { stop: `wall-time budget of ${budget.maxWallMinutes} min reached` };
      }
      if (outOfEpochs()) return { stop: `budget of ${budget.maxEpochs} epochs reached` };
      if (!canStartTrial(ctx.all(), n, ctx.lag)) return { wait: true }; // for an older trial (see view.ts)
      const view = viewForTrial(searchTrials(), n, ctx.lag);
      const params = ctx.sampler.sample({ space, trialNumber: n, history: view.history, running: view.running, seed: space.seed });
      if (params === null) return { stop: 'the grid is exhausted: every combination has been tried' };
      return { create: { params } };
    },
    trainParams: (trial) => trainParamsFor(space, trial.params),
    task: {},
    timeoutMinutes: budget.trialTimeoutMinutes,
    savesModel: space.keepModels > 0,
    epochValue: (m) => objectiveValue(space, m),
    nonFinite: (value, m) => `non-finite ${space.objective.metric} at epoch ${m.epoch} (got ${value}; val loss ${m.valLoss})`,
    prune: (trial, last) => !last && ctx.pruner.prune(viewForTrial(searchTrials(), trial.number, ctx.lag).history, trial, space.objective.direction),
    outOfEpochs,
    prunable: true,
    value: (trial) => bestValue(space, trial.intermediateValues),
  };
}

/**
 * The refit: runs `fixed` in order, each as a new trial of kind `refit`, unless the study already has a
 * refit trial of the same source and epochs that is complete or running (a running one is resumed like
 * any other). No budget applies; the refit's own `trialTimeoutMinutes` (none by default: refit trials
 * train on more images, maybe for more epochs).
 */
export function refitPhase(ctx: PhaseContext, fixed: readonly FixedTrialConfig[]): Phase {
  const { space } = ctx;
  const done = (c: FixedTrialConfig) =>
    ctx.all().some((t) => t.kind === 'refit' && t.refit?.source === c.refit.source && t.refit.epochs === c.refit.epochs && (t.state === 'complete' || t.state === 'running'));
  const queue = fixed.filter((c) => !done(c));
  const metric = space.objective.metric === 'valAcc' ? 'accuracy' : 'loss';
  return {
    name: 'refit',
    next() {
      const config = queue.shift();
      if (!config) return { stop: `refit done: ${fixed.length} configuration(s)` };
      return { create: { params: config.params, kind: 'refit', refit: config.refit } };
    },
    trainParams(trial) {
      if (!trial.refit) throw new Error(`refit trial ${trial.number} has no source trial recorded`);
      return { ...trainParamsFor(space, trial.params), epochs: trial.refit.epochs };
    },
    task: { refit: true },
    timeoutMinutes: space.refit?.trialTimeoutMinutes,
    savesModel: true,
    epochValue: (m) => refitValue(space, m),
    nonFinite: (value, m) => `non-finite training ${metric} at epoch ${m.epoch} (got ${value}; train loss ${m.trainLoss})`,
    // Nothing to compare a refit trial with, and no epoch budget.
    prune: () => false,
    outOfEpochs: () => false,
    prunable: false,
    // Its model is its last epoch's, so is its value.
    value: (trial, failed) => (failed ? null : (trial.intermediateValues.at(-1) ?? null)),
  };
}
