/**
 * The optimize loop: the ONLY code that creates trials or changes their state (as Optuna's
 * study/_optimize.py). It samples trial n from its view of the study (see view.ts), hands it to the
 * runner, records every epoch's intermediate value, asks the pruner, and records the outcome: a pruned
 * trial becomes `pruned`, an exception `fail`. Samplers and pruners only decide; workers only train.
 *
 * Resume: trials a killed driver (or a first Ctrl-C) left `running` are run again first, with the same
 * number, params and seed. Their worker continues from the trial's checkpoint (storage/checkpoint.ts)
 * and reports the checkpoint's epochs again: epochs already recorded keep their recorded values (a
 * replayed epoch below the last recorded one was answered "continue" before; the last one is asked
 * again, with the same lagged view), an epoch the record lacks is recorded. Checkpoints are removed when
 * their trial ends; on resume, any checkpoint of a trial that is not running is removed.
 *
 * Fixed trials (`fixed`, the refit phase; see refit.ts): instead of sampling, the loop runs a given list
 * of configurations, each as a new trial of kind `refit` unless the study already has a refit trial of
 * the same source and epochs that is complete or running (a running one is resumed like any other).
 * Refit trials train on the whole labeled set with no validation: their per-epoch value is the
 * training-set counterpart of the objective's metric (trainAcc for valAcc, trainLoss for valLoss), their
 * value the last epoch's (the kept model is the last epoch's), and they are never pruned (a non-finite
 * training loss fails them). They are invisible to samplers, pruners, the trial and epoch budgets and
 * the search trials' model keeping; their models are always kept.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { TrialOutcome, TrialRunner, TrainerKind } from '../pool/protocol.js';
import type { Pruner } from '../pruners/index.js';
import type { Sampler } from '../samplers/index.js';
import { effectiveLag, type SearchSpace } from '../search-space/index.js';
import type { CheckpointStore } from '../storage/checkpoint.js';
import type { TrialStore } from '../storage/index.js';
import { mixSeed } from '../core/random.js';
import { systemClock, type Clock } from '../core/clock.js';
import { isSearchTrial, type EpochMetrics, type FrozenTrial, type Params, type RefitOf, type TrainParams } from '../core/types.js';
import { canStartTrial, viewForTrial } from './view.js';

export type OptimizeEvent =
  /** `resumed`: a trial left running by an earlier driver, run again (from its checkpoint). */
  | { type: 'trial-start'; trial: FrozenTrial; resumed?: boolean }
  | { type: 'epoch'; trial: FrozenTrial; metrics: EpochMetrics; prune: boolean }
  /** `resumedAt`: the first epoch this run trained (> 1: continued from a checkpoint). A trial still `running` was suspended by Ctrl-C. */
  | { type: 'trial-end'; trial: FrozenTrial; resumedAt?: number }
  /** The end of one run of the loop: the search, or the refit (`fixed`). */
  | { type: 'stop'; reason: string; phase: 'search' | 'refit' };

export interface OptimizeOptions {
  store: TrialStore;
  space: SearchSpace;
  sampler: Sampler;
  pruner: Pruner;
  runner: TrialRunner;
  /** Folder of the study; kept models go to <studyDir>/trials/<n>/. */
  studyDir: string;
  trainer: TrainerKind;
  backend: string;
  /** Where running trials keep their checkpoints (none: trials start from epoch 1 when rerun). */
  checkpoints?: CheckpointStore;
  /** Aborted: no new trial starts; running ones stop at their next epoch end and stay `running`, to resume (first Ctrl-C). */
  stopSignal?: AbortSignal;
  onEvent?: (event: OptimizeEvent) => void;
  /** Where the loop reads the time (wall-time budget, trial dates); default the system clock. */
  clock?: Clock;
  /**
   * Run these configurations (refit trials), in order, instead of sampling search trials; the trial,
   * epoch and wall-time budgets do not apply. Trials left running are resumed first, as always.
   */
  fixed?: readonly FixedTrialConfig[];
}

/** A configuration the loop runs as given rather than sampled: a refit of a search trial. */
export interface FixedTrialConfig {
  kind: 'refit';
  params: Params;
  refit: RefitOf;
}

export interface OptimizeSummary {
  /** Why the loop ended: budget, wall time, grid exhausted, consecutive failures, stopped by the user. */
  reason: string;
  trials: FrozenTrial[];
  /** True when the sweep stopped because of failures (the command exits non-zero). */
  failed: boolean;
}

/** The error of trials that earlier versions failed when their driver died (they do not count toward the budget). */
const INTERRUPTED = 'interrupted (the driver stopped while the trial ran)';

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

function errorLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

/** A trial's trainer params: the fixed ones, overridden by name by the searched ones (epochs and batchSize too). */
export function trainParamsFor(space: SearchSpace, params: Params): TrainParams {
  const { threads: _t, ...fixed } = space.fixed;
  return { ...fixed, ...(params as Partial<TrainParams>) };
}

export async function optimize(opts: OptimizeOptions): Promise<OptimizeSummary> {
  const { store, space, sampler, pruner, runner } = opts;
  const { budget } = space;
  const lag = effectiveLag(space, runner.concurrency); // unset lag: workers - 1
  const emit = (e: OptimizeEvent) => opts.onEvent?.(e);
  const clock = opts.clock ?? systemClock;
  const isoNow = () => new Date(clock.now()).toISOString();
  const trials = new Map<number, FrozenTrial>((await store.listTrials()).map((t) => [t.number, t]));
  // Trials an earlier driver left running: run again first, from their checkpoints.
  const toResume = [...trials.values()].filter((t) => t.state === 'running').sort((a, b) => a.number - b.number);
  await opts.checkpoints?.removeAllBut(toResume.map((t) => t.number));
  // Model folders that no trial keeps: half-saved by a trial a killed driver left running, or dropped
  // from the top models just before the kill.
  for (const t of trials.values()) {
    if (t.state !== 'complete' || !t.modelDir) await rm(join(opts.studyDir, 'trials', String(t.number)), { recursive: true, force: true });
  }
  const all = () => [...trials.values()];
  const started = clock.now();
  const inFlight = new Map<number, Promise<void>>();
  let consecutiveFailures = 0;
  let stopReason: string | null = null;
  let failed = false;
  let lastError = '';

  const searchTrials = () => all().filter(isSearchTrial);
  // Trials that count toward the budget: every search trial but those a crash interrupted.
  const counted = () => searchTrials().filter((t) => !(t.state === 'fail' && t.error === INTERRUPTED)).length;
  const epochsSpent = () => searchTrials().reduce((n, t) => n + t.epochs.length, 0);
  // The fixed configurations still to create (one already complete or running in the study is not redone).
  const fixedQueue = (opts.fixed ?? []).filter(
    (c) => !all().some((t) => t.kind === 'refit' && t.refit?.source === c.refit.source && t.refit.epochs === c.refit.epochs && (t.state === 'complete' || t.state === 'running')),
  );

  // The store first: a write that fails leaves the loop's copy as the store has it.
  const save = async (t: FrozenTrial, patch: Partial<FrozenTrial>) => {
    await store.updateTrial(t.number, patch);
    Object.assign(t, patch);
  };

  const keepBestModels = async () => {
    const sign = space.objective.direction === 'maximize' ? -1 : 1;
    const complete = searchTrials()
      .filter((t) => t.state === 'complete' && t.value !== null && t.modelDir)
      .sort((a, b) => sign * (a.value! - b.value!) || a.number - b.number);
    for (const t of complete.slice(space.keepModels)) {
      await rm(join(opts.studyDir, t.modelDir!), { recursive: true, force: true });
      await save(t, { modelDir: null });
    }
  };

  const runTrial = async (trial: FrozenTrial) => {
    const n = trial.number;
    const refit = trial.kind === 'refit' ? trial.refit : undefined;
    if (trial.kind === 'refit' && !refit) throw new Error(`refit trial ${n} has no source trial recorded`);
    const checkpoint = opts.checkpoints?.location(n) ?? null;
    // A refit trial exists for its model: always kept (the search trials' `keepModels` does not apply).
    const saveDir = refit || space.keepModels > 0 ? join(opts.studyDir, 'trials', String(n)) : null;
    // Refit trials train longer than search trials (more images, maybe more epochs): their own limit, none by default.
    const timeoutMinutes = refit ? space.refit?.trialTimeoutMinutes : budget.trialTimeoutMinutes;
    // The trial's time limit runs on the loop's clock (a virtual one in simulations and tests).
    const limit = timeoutMinutes ? clock.timeout(timeoutMinutes * 60_000) : undefined;
    const timeout = limit?.signal;
    let outcome: TrialOutcome | null = null;
    let error: string | null = null;
    let interrupted = false;
    let nonFinite: string | null = null; // why a NaN/Inf epoch pruned the trial
    let epochError: string | null = null; // why handling an epoch failed (store write, pruner): fails the trial
    // A refit trains its own number of epochs (refit.epochs), whatever its source drew or fixed.
    const trainParams = refit ? { ...trainParamsFor(space, trial.params), epochs: refit.epochs } : trainParamsFor(space, trial.params);
    const epochs = trainParams.epochs;
    try {
      outcome = await runner.run(
        {
          number: n,
          params: trainParams,
          epochs,
          batchSize: trainParams.batchSize,
          ...(space.fixed.threads !== undefined ? { threads: space.fixed.threads } : {}),
          seed: trial.seed,
          backend: opts.backend,
          saveDir,
          objective: space.objective,
          trainer: opts.trainer,
          checkpoint,
          ...(refit ? { refit: true } : {}),
        },
        async (metrics) => {
          let prune: boolean;
          let outOfEpochs: boolean;
          let last: boolean;
          let replayed: boolean;
          try {
            const recorded = trial.epochs.length;
            // A resumed trial reports its checkpoint's epochs again: recorded ones keep their recorded values.
            replayed = metrics.epoch <= recorded;
            if (!replayed && metrics.epoch !== recorded + 1) throw new Error(`trial ${n} reported epoch ${metrics.epoch} after ${recorded} recorded epoch(s)`);
            // Before its last recorded epoch the trial went on: that was the decision then, and it stands.
            if (metrics.epoch < recorded) return false;
            const value = replayed ? trial.intermediateValues[metrics.epoch - 1]! : refit ? refitValue(space, metrics) : objectiveValue(space, metrics);
            if (!replayed) {
              await save(trial, {
                epochs: [...trial.epochs, metrics],
                intermediateValues: [...trial.intermediateValues, value],
              });
            }
            // Refit trials: no epoch budget, no pruner (nothing to compare them with).
            outOfEpochs = !refit && budget.maxEpochs !== undefined && epochsSpent() >= budget.maxEpochs;
            // After its last epoch a trial is complete: nothing is left to save by pruning it.
            last = metrics.epoch >= epochs;
            // (A replayed NaN was stored as null by JSON.)
            if (value === null || !Number.isFinite(value)) {
              nonFinite = refit
                ? `non-finite training ${space.objective.metric === 'valAcc' ? 'accuracy' : 'loss'} at epoch ${metrics.epoch} (got ${value}; train loss ${metrics.trainLoss})`
                : `non-finite ${space.objective.metric} at epoch ${metrics.epoch} (got ${value}; val loss ${metrics.valLoss})`;
            }
            prune = nonFinite !== null || (!last && !refit && pruner.prune(viewForTrial(searchTrials(), n, lag).history, trial, space.objective.direction));
          } catch (err) {
            // The runner stops the trial and rejects run() with this error; recorded as the trial's failure below.
            epochError = `handling epoch ${metrics.epoch} failed: ${errorLine(err)}`;
            throw err;
          }
          if (!replayed) emit({ type: 'epoch', trial, metrics, prune });
          // Ctrl-C: end the trial at this epoch; it stays running and resumes from its checkpoint next time.
          if (opts.stopSignal?.aborted && !prune && !outOfEpochs && !last) interrupted = true;
          return prune || outOfEpochs || interrupted;
        },
        timeout,
      );
    } catch (err) {
      error = timeout?.aborted ? `timed out after ${timeoutMinutes} min` : errorLine(err);
    } finally {
      limit?.clear();
    }
    // An epoch the loop could not handle fails the trial, whatever the runner made of it.
    if (epochError !== null) {
      outcome = null;
      error = epochError;
    }
    const now = isoNow();
    if (outcome && interrupted) {
      // Suspended by Ctrl-C: left running (with its checkpoint) for the next run to continue.
      emit({ type: 'trial-end', trial, resumedAt: outcome.resumedAt });
      return;
    } else if (outcome && refit && (outcome.stopped || nonFinite !== null)) {
      // A refit trial is never pruned: one the trainer or the loop stopped (a non-finite training loss) has no model to use.
      outcome = null;
      error = nonFinite ?? `refit stopped at epoch ${trial.epochs.length} of ${epochs}`;
    }
    if (outcome) {
      const complete = !outcome.stopped && nonFinite === null;
      await save(trial, {
        state: complete ? 'complete' : 'pruned',
        // A refit trial's model is its last epoch's, so is its value.
        value: refit ? (trial.intermediateValues.at(-1) ?? null) : bestValue(space, trial.intermediateValues),
        datetimeComplete: now,
        backend: outcome.backend,
        backendInfo: outcome.backendInfo,
        modelDir: complete && saveDir && existsSync(join(saveDir, 'model.json')) ? relative(opts.studyDir, saveDir) : null,
        ...(nonFinite ? { error: nonFinite } : {}),
      });
      consecutiveFailures = 0;
      if (complete) await keepBestModels();
    } else {
      if (saveDir) await rm(saveDir, { recursive: true, force: true });
      await save(trial, { state: 'fail', error: error ?? 'unknown error', datetimeComplete: now, value: refit ? null : bestValue(space, trial.intermediateValues) });
      lastError = error ?? '';
      if (++consecutiveFailures >= budget.maxConsecutiveFailures && !stopReason) {
        stopReason = `${consecutiveFailures} trials failed in a row (last: ${lastError}); stopping the sweep`;
        failed = true;
      }
    }
    await opts.checkpoints?.remove(n);
    emit({ type: 'trial-end', trial, ...(outcome ? { resumedAt: outcome.resumedAt } : {}) });
  };

  const nextNumber = () => (trials.size ? Math.max(...trials.keys()) + 1 : 0);

  const start = (trial: FrozenTrial) => {
    const p = runTrial(trial).finally(() => inFlight.delete(trial.number));
    inFlight.set(trial.number, p);
  };

  for (;;) {
    while (!stopReason && inFlight.size < runner.concurrency) {
      if (opts.stopSignal?.aborted) stopReason = 'stopped by the user';
      else if (toResume.length > 0) {
        const trial = toResume.shift()!;
        emit({ type: 'trial-start', trial, resumed: true });
        start(trial);
        continue;
      }
      else if (opts.fixed) {
        const config = fixedQueue.shift();
        if (!config) {
          stopReason = `refit done: ${opts.fixed.length} configuration(s)`;
          break;
        }
        const n = nextNumber();
        const number = await store.createTrial({ params: config.params, seed: mixSeed(space.seed, n), datetimeStart: isoNow(), kind: 'refit', refit: config.refit });
        if (number !== n) throw new Error(`store numbered the trial ${number}, the loop expected ${n}`);
        const trial = (await store.getTrial(number))!;
        trials.set(number, trial);
        emit({ type: 'trial-start', trial });
        start(trial);
        continue;
      } else if (counted() >= budget.trials) stopReason = `budget of ${budget.trials} trials reached`;
      else if (budget.maxWallMinutes !== undefined && clock.now() - started >= budget.maxWallMinutes * 60_000)
        stopReason = `wall-time budget of ${budget.maxWallMinutes} min reached`;
      else if (budget.maxEpochs !== undefined && epochsSpent() >= budget.maxEpochs) stopReason = `budget of ${budget.maxEpochs} epochs reached`;
      if (stopReason) break;
      const n = nextNumber();
      if (!canStartTrial(all(), n, lag)) break; // wait for an older trial (see view.ts)
      const view = viewForTrial(searchTrials(), n, lag);
      const params = sampler.sample({ space, trialNumber: n, history: view.history, running: view.running, seed: space.seed });
      if (params === null) {
        stopReason = 'the grid is exhausted: every combination has been tried';
        break;
      }
      const seed = mixSeed(space.seed, n);
      const number = await store.createTrial({ params, seed, datetimeStart: isoNow() });
      if (number !== n) throw new Error(`store numbered the trial ${number}, the loop expected ${n}`);
      const trial = (await store.getTrial(number))!;
      trials.set(number, trial);
      emit({ type: 'trial-start', trial });
      start(trial);
    }
    if (inFlight.size === 0) break;
    await Promise.race(inFlight.values());
  }
  const reason = stopReason ?? 'done';
  emit({ type: 'stop', reason, phase: opts.fixed ? 'refit' : 'search' });
  return { reason, trials: all().sort((a, b) => a.number - b.number), failed };
}
