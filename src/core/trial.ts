/**
 * The contract between the optimize loop and a trainer kind: what a trial is told (TrialTask) and what it
 * gives back (TrialOutcome). Pure types: the pool, the trainers (train/, scripted/) and the study loop all
 * speak it, so it sits at the bottom.
 */
import type { EpochMetrics, Objective, TrainParams } from './types.js';

export type TrainerKind = 'tfjs' | 'scripted';

export interface TrialTask {
  number: number;
  params: TrainParams;
  epochs: number;
  batchSize: number;
  /**
   * wasm threads of the trial (`fixed.threads`). Absent: the runner that runs it here sets
   * defaultThreads(this machine's cores, its concurrency) (core/train-params.ts).
   */
  threads?: number;
  seed: number;
  backend: string;
  /**
   * Where the worker saves the model and eval.json if the trial completes: the weights of the epoch that
   * earned the trial's value (the best epoch for `objective`); null: no model kept.
   */
  saveDir: string | null;
  /** The study's objective: which epoch is the trial's best (the kept model). */
  objective: Objective;
  trainer: TrainerKind;
  /**
   * The file where the worker keeps the trial's checkpoint (storage/checkpoint.ts): read at the start
   * (the trial continues after its last saved epoch), rewritten after every epoch, before the epoch is
   * reported. null: no checkpoints. The driver removes it when the trial ends.
   */
  checkpoint: string | null;
  /**
   * A refit trial: train on the whole labeled set (the training and validation splits together) with no
   * validation, keep the last epoch's weights; the epoch metrics' valLoss/valAcc are NaN.
   */
  refit?: boolean;
}

export interface TrialOutcome {
  history: EpochMetrics[];
  /** True when the driver's decision stopped the trial (pruned). */
  stopped: boolean;
  /** The epoch (1-based) that earned the trial's value, whose weights were kept. */
  bestEpoch: number;
  /** The first epoch this run trained (1, or the epoch after its checkpoint's when it resumed one). */
  resumedAt: number;
  backend: string;
  backendInfo: Record<string, string>;
}
