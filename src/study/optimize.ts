/**
 * The optimize loop: the ONLY code that creates trials or changes their state (as Optuna's
 * study/_optimize.py). It takes trial n from its phase (phases.ts: sampled from its view of the study in
 * the search, see view.ts; the next given configuration in the refit), hands it to the runner, records
 * every epoch's intermediate value, asks the trial's phase whether to prune, and records the outcome: a
 * pruned trial becomes `pruned`, an exception `fail`. Samplers, pruners and phases only decide; workers
 * only train.
 *
 * Resume: trials a killed driver (or a first Ctrl-C) left `running` are run again first, with the same
 * number, params and seed, by the rules of their own phase. Their worker continues from the trial's
 * checkpoint (storage/checkpoint.ts) and reports the checkpoint's epochs again: epochs already recorded
 * keep their recorded values (a replayed epoch below the last recorded one was answered "continue"
 * before; the last one is asked again, with the same lagged view), an epoch the record lacks is
 * recorded. Checkpoints are removed when their trial ends; on resume, any checkpoint of a trial that is
 * not running is removed.
 *
 * Fixed trials (`fixed`): the refit phase instead of the search (see phases.ts refitPhase, refit.ts).
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { TrialOutcome, TrialRunner, TrainerKind } from '../pool/protocol.js';
import type { Pruner } from '../pruners/index.js';
import type { Sampler } from '../samplers/index.js';
import { effectiveLag, type SearchSpace } from '../search-space/index.js';
import type { CheckpointStore } from '../storage/checkpoint.js';
import type { NewTrial, TrialStore } from '../storage/types.js';
import { mixSeed } from '../core/random.js';
import { systemClock, type Clock } from '../core/clock.js';
import { isSearchTrial, type EpochMetrics, type FrozenTrial } from '../core/types.js';
import { refitPhase, searchPhase, type FixedTrialConfig, type Phase } from './phases.js';

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

export interface OptimizeSummary {
  /** Why the loop ended: budget, wall time, grid exhausted, consecutive failures, stopped by the user. */
  reason: string;
  trials: FrozenTrial[];
  /** True when the sweep stopped because of failures (the command exits non-zero). */
  failed: boolean;
}

function errorLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

/** One run of one trial, as the loop follows it from start to end. */
interface Attempt {
  trial: FrozenTrial;
  phase: Phase;
  /** Epochs the trial trains. */
  epochs: number;
  /** Why a NaN/Inf epoch stopped the trial. */
  nonFinite: string | null;
  /** Why handling an epoch failed (store write, pruner): fails the trial, whatever the runner made of it. */
  epochError: string | null;
  /** Suspended by Ctrl-C at an epoch end: left running, to resume. */
  interrupted: boolean;
}

export async function optimize(opts: OptimizeOptions): Promise<OptimizeSummary> {
  const trials = await opts.store.listTrials();
  return new OptimizeLoop(opts, trials).run();
}

class OptimizeLoop {
  private readonly trials: Map<number, FrozenTrial>;
  /** Trials an earlier driver left running: run again first, from their checkpoints. */
  private readonly toResume: FrozenTrial[];
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly clock: Clock;
  private readonly phases: Record<Phase['name'], Phase>;
  /** The phase this run of the loop takes its new trials from. */
  private readonly current: Phase;
  private consecutiveFailures = 0;
  private stopReason: string | null = null;
  private failed = false;

  constructor(
    private readonly opts: OptimizeOptions,
    trials: FrozenTrial[],
  ) {
    this.trials = new Map(trials.map((t) => [t.number, t]));
    this.toResume = trials.filter((t) => t.state === 'running').sort((a, b) => a.number - b.number);
    this.clock = opts.clock ?? systemClock;
    const ctx = {
      space: opts.space,
      sampler: opts.sampler,
      pruner: opts.pruner,
      lag: effectiveLag(opts.space, opts.runner.concurrency), // unset lag: workers - 1
      clock: this.clock,
      started: this.clock.now(),
      all: () => this.all(),
    };
    this.phases = { search: searchPhase(ctx), refit: refitPhase(ctx, opts.fixed ?? []) };
    this.current = opts.fixed ? this.phases.refit : this.phases.search;
  }

  private all(): FrozenTrial[] {
    return [...this.trials.values()];
  }

  private emit(e: OptimizeEvent): void {
    this.opts.onEvent?.(e);
  }

  private isoNow(): string {
    return new Date(this.clock.now()).toISOString();
  }

  async run(): Promise<OptimizeSummary> {
    await this.removeLeftovers();
    for (;;) {
      while (!this.stopReason && this.inFlight.size < this.opts.runner.concurrency) {
        if (!(await this.startNext())) break;
      }
      if (this.inFlight.size === 0) break;
      await Promise.race(this.inFlight.values());
    }
    const reason = this.stopReason ?? 'done';
    this.emit({ type: 'stop', reason, phase: this.current.name });
    return { reason, trials: this.all().sort((a, b) => a.number - b.number), failed: this.failed };
  }

  /** Checkpoints of trials that are not running, and model folders that no trial keeps. */
  private async removeLeftovers(): Promise<void> {
    await this.opts.checkpoints?.removeAllBut(this.toResume.map((t) => t.number));
    // Model folders half-saved by a trial a killed driver left running, or dropped from the top models just before the kill.
    for (const t of this.trials.values()) {
      if (t.state !== 'complete' || !t.modelDir) await rm(join(this.opts.studyDir, 'trials', String(t.number)), { recursive: true, force: true });
    }
  }

  /** Starts the next trial (a resumed one first, else the phase's next); false when none starts now (stopped, or waiting). */
  private async startNext(): Promise<boolean> {
    if (this.opts.stopSignal?.aborted) {
      this.stopReason = 'stopped by the user';
      return false;
    }
    const resumed = this.toResume.shift();
    if (resumed) {
      this.emit({ type: 'trial-start', trial: resumed, resumed: true });
      this.start(resumed);
      return true;
    }
    const n = this.trials.size ? Math.max(...this.trials.keys()) + 1 : 0;
    const next = this.current.next(n);
    if ('stop' in next) this.stopReason = next.stop;
    if (!('create' in next)) return false;
    const trial = await this.createTrial(n, { ...next.create, seed: mixSeed(this.opts.space.seed, n), datetimeStart: this.isoNow() });
    this.emit({ type: 'trial-start', trial });
    this.start(trial);
    return true;
  }

  /** Creates trial `n` in the store (the store numbers it) and in the loop's copy of the study. */
  private async createTrial(n: number, init: NewTrial): Promise<FrozenTrial> {
    const number = await this.opts.store.createTrial(init);
    if (number !== n) throw new Error(`store numbered the trial ${number}, the loop expected ${n}`);
    const trial = (await this.opts.store.getTrial(number))!;
    this.trials.set(number, trial);
    return trial;
  }

  private start(trial: FrozenTrial): void {
    const p = this.runTrial(trial).finally(() => this.inFlight.delete(trial.number));
    this.inFlight.set(trial.number, p);
  }

  /** The store first: a write that fails leaves the loop's copy as the store has it. */
  private async save(t: FrozenTrial, patch: Partial<FrozenTrial>): Promise<void> {
    await this.opts.store.updateTrial(t.number, patch);
    Object.assign(t, patch);
  }

  private async runTrial(trial: FrozenTrial): Promise<void> {
    const { opts } = this;
    const phase = trial.kind === 'refit' ? this.phases.refit : this.phases.search;
    const n = trial.number;
    const params = phase.trainParams(trial);
    const attempt: Attempt = { trial, phase, epochs: params.epochs, nonFinite: null, epochError: null, interrupted: false };
    const saveDir = phase.savesModel ? join(opts.studyDir, 'trials', String(n)) : null;
    // The trial's time limit runs on the loop's clock (a virtual one in simulations and tests).
    const limit = phase.timeoutMinutes ? this.clock.timeout(phase.timeoutMinutes * 60_000) : undefined;
    const timeout = limit?.signal;
    let outcome: TrialOutcome | null = null;
    let error: string | null = null;
    try {
      const task = {
        number: n,
        params,
        epochs: params.epochs,
        batchSize: params.batchSize,
        ...(opts.space.fixed.threads !== undefined ? { threads: opts.space.fixed.threads } : {}),
        seed: trial.seed,
        backend: opts.backend,
        saveDir,
        objective: opts.space.objective,
        trainer: opts.trainer,
        checkpoint: opts.checkpoints?.location(n) ?? null,
        ...phase.task,
      };
      outcome = await opts.runner.run(task, (metrics) => this.onEpoch(attempt, metrics), timeout);
    } catch (err) {
      error = timeout?.aborted ? `timed out after ${phase.timeoutMinutes} min` : errorLine(err);
    } finally {
      limit?.clear();
    }
    await this.record(attempt, outcome, error, saveDir);
  }

  /** Records one epoch of a trial and decides whether it stops there (true: pruned, out of epochs, or suspended). */
  private async onEpoch(a: Attempt, metrics: EpochMetrics): Promise<boolean> {
    const { trial, phase } = a;
    let prune: boolean;
    let outOfEpochs: boolean;
    let last: boolean;
    let replayed: boolean;
    try {
      const recorded = trial.epochs.length;
      // A resumed trial reports its checkpoint's epochs again: recorded ones keep their recorded values.
      replayed = metrics.epoch <= recorded;
      if (!replayed && metrics.epoch !== recorded + 1) throw new Error(`trial ${trial.number} reported epoch ${metrics.epoch} after ${recorded} recorded epoch(s)`);
      // Before its last recorded epoch the trial went on: that was the decision then, and it stands.
      if (metrics.epoch < recorded) return false;
      const value = replayed ? trial.intermediateValues[metrics.epoch - 1]! : phase.epochValue(metrics);
      if (!replayed) await this.save(trial, { epochs: [...trial.epochs, metrics], intermediateValues: [...trial.intermediateValues, value] });
      outOfEpochs = phase.outOfEpochs();
      // After its last epoch a trial is complete: nothing is left to save by pruning it.
      last = metrics.epoch >= a.epochs;
      // (A replayed NaN was stored as null by JSON.)
      if (value === null || !Number.isFinite(value)) a.nonFinite = phase.nonFinite(value, metrics);
      prune = a.nonFinite !== null || phase.prune(trial, last);
    } catch (err) {
      // The runner stops the trial and rejects run() with this error; recorded as the trial's failure.
      a.epochError = `handling epoch ${metrics.epoch} failed: ${errorLine(err)}`;
      throw err;
    }
    if (!replayed) this.emit({ type: 'epoch', trial, metrics, prune });
    // Ctrl-C: end the trial at this epoch; it stays running and resumes from its checkpoint next time.
    if (this.opts.stopSignal?.aborted && !prune && !outOfEpochs && !last) a.interrupted = true;
    return prune || outOfEpochs || a.interrupted;
  }

  /** Records how a trial ended: complete or pruned (an outcome), failed (an error), or left running (suspended). */
  private async record(a: Attempt, outcome: TrialOutcome | null, error: string | null, saveDir: string | null): Promise<void> {
    const { trial, phase } = a;
    // An epoch the loop could not handle fails the trial, whatever the runner made of it.
    if (a.epochError !== null) {
      outcome = null;
      error = a.epochError;
    }
    if (outcome && a.interrupted) {
      // Suspended by Ctrl-C: left running (with its checkpoint) for the next run to continue.
      this.emit({ type: 'trial-end', trial, resumedAt: outcome.resumedAt });
      return;
    }
    if (outcome && !phase.prunable && (outcome.stopped || a.nonFinite !== null)) {
      // Stopped by the trainer or the loop (a non-finite value): a trial that cannot be pruned has no model to use.
      outcome = null;
      error = a.nonFinite ?? `${phase.name} stopped at epoch ${trial.epochs.length} of ${a.epochs}`;
    }
    const now = this.isoNow();
    if (outcome) {
      const complete = !outcome.stopped && a.nonFinite === null;
      await this.save(trial, {
        state: complete ? 'complete' : 'pruned',
        value: phase.value(trial, false),
        datetimeComplete: now,
        backend: outcome.backend,
        backendInfo: outcome.backendInfo,
        modelDir: complete && saveDir && existsSync(join(saveDir, 'model.json')) ? relative(this.opts.studyDir, saveDir) : null,
        ...(a.nonFinite ? { error: a.nonFinite } : {}),
      });
      this.consecutiveFailures = 0;
      if (complete) await this.keepBestModels();
    } else {
      if (saveDir) await rm(saveDir, { recursive: true, force: true });
      await this.save(trial, { state: 'fail', error: error ?? 'unknown error', datetimeComplete: now, value: phase.value(trial, true) });
      const { maxConsecutiveFailures } = this.opts.space.budget;
      if (++this.consecutiveFailures >= maxConsecutiveFailures && !this.stopReason) {
        this.stopReason = `${this.consecutiveFailures} trials failed in a row (last: ${error ?? ''}); stopping the sweep`;
        this.failed = true;
      }
    }
    await this.opts.checkpoints?.remove(trial.number);
    this.emit({ type: 'trial-end', trial, ...(outcome ? { resumedAt: outcome.resumedAt } : {}) });
  }

  /** Keeps the models of the `keepModels` best complete search trials (refit trials keep theirs). */
  private async keepBestModels(): Promise<void> {
    const { space, studyDir } = this.opts;
    const sign = space.objective.direction === 'maximize' ? -1 : 1;
    const complete = this.all()
      .filter((t) => isSearchTrial(t) && t.state === 'complete' && t.value !== null && t.modelDir)
      .sort((a, b) => sign * (a.value! - b.value!) || a.number - b.number);
    for (const t of complete.slice(space.keepModels)) {
      await rm(join(studyDir, t.modelDir!), { recursive: true, force: true });
      await this.save(t, { modelDir: null });
    }
  }
}
