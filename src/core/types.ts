/**
 * The vocabulary shared by the search engine, the pool, the trainer and the reports.
 * TF.js-free: everything outside src/train imports these types, never @tensorflow/*.
 */

/** A sampled value of one searched parameter. */
export type ParamValue = number | string | boolean;
/** Sampled parameters of one trial, by name (e.g. { lr: 1e-3, dropout: 0.3, l2: 1e-5, noise: 0.05 }). */
export type Params = Record<string, ParamValue>;

export type TrialState = 'running' | 'complete' | 'pruned' | 'fail';
/**
 * `search`: a trial of the search (trained on the training split, validated, ranked, seen by the sampler
 * and the pruner). `refit`: a search trial's configuration retrained on the whole labeled set (training
 * split + validation split) for a fixed number of epochs, never validated, never pruned, never ranked
 * against search trials (see study/refit.ts).
 */
export type TrialKind = 'search' | 'refit';

/** What a refit trial retrains: its source search trial and the epochs it trains. */
export interface RefitOf {
  /** Number of the search trial whose params (and seed-independent recipe) it retrains. */
  source: number;
  /** Epochs it trains (the source's best epoch, or the number given). */
  epochs: number;
}
export type Direction = 'maximize' | 'minimize';
/** What a trial's value is: the best epoch's value of `metric` in `direction`. */
export interface Objective {
  metric: 'valAcc' | 'valLoss';
  direction: Direction;
}

/** Hyperparameters the trainer understands: declared once, in train-params.ts. */
export type { TrainParams } from './train-params.js';

/** Training settings that are not searched (the search space's `fixed` section). */
export interface TrainSettings {
  epochs: number;
  batchSize: number;
  seed: number;
}

/** What the trainer reports after every epoch. Accuracy in 0..1. */
export interface EpochMetrics {
  epoch: number; // 1-based
  trainLoss: number;
  trainAcc: number;
  valLoss: number;
  valAcc: number;
  lr: number;
  seconds: number;
}

/** The stored record of one trial. Only the optimize loop (src/study) creates or changes these. */
export interface FrozenTrial {
  number: number;
  state: TrialState;
  params: Params;
  /** Intermediate values of the objective, one per epoch (index = step - 1). */
  intermediateValues: number[];
  /** Full per-epoch metrics. */
  epochs: EpochMetrics[];
  /** Final objective value (best validation accuracy for the default objective); null unless complete/pruned. */
  value: number | null;
  datetimeStart: string;
  datetimeComplete: string | null;
  backend: string | null;
  /** Backend details (adapter name, driver) recorded by the worker. */
  backendInfo?: Record<string, string>;
  seed: number;
  /** Reason of a failure ("interrupted", the error message, ...). */
  error?: string;
  /** Folder of the saved model, relative to the study folder, when kept. */
  modelDir?: string | null;
  /** Absent (studies of earlier versions) means `search`. */
  kind?: TrialKind;
  /** Set on refit trials only. */
  refit?: RefitOf;
}

/** A trial's kind (`search` when the record has none: studies of earlier versions). */
export function trialKind(t: Pick<FrozenTrial, 'kind'>): TrialKind {
  return t.kind ?? 'search';
}

/** Whether a trial is a search trial (the ones samplers, pruners, budgets and rankings see). */
export function isSearchTrial(t: Pick<FrozenTrial, 'kind'>): boolean {
  return trialKind(t) === 'search';
}

/**
 * What the trainer measures on the validation set with the best-epoch weights of a finished trial.
 * Written by the worker as `runs/<study>/trials/<n>/eval.json`; read by the reports.
 */
export interface TrialEvaluation {
  valAcc: number;
  /** confusion[true][pred] counts over the validation set. */
  confusion: number[][];
  /** Up to 100 misclassified validation digits. `pixels` is 784 values 0..255, row-major. */
  mistakes: Array<{ index: number; label: number; predicted: number; probability: number; pixels: number[] }>;
}

/** The persisted study: `runs/<study>/study.json`. */
export interface StudyRecord {
  name: string;
  createdAt: string;
  /** Path of the search-space file the study was created from. */
  spaceFile: string;
  /** The resolved search space (as validated), so `status`/`report`/`export` need not re-read the file. */
  space: unknown;
  direction: Direction;
  /** Dataset.source and Dataset.fingerprint at creation; a resumed sweep must see the same data. */
  dataSource: string;
  dataFingerprint: string;
  trials: FrozenTrial[];
  /** Number the next created trial gets (trial numbers are monotonic and never reused). Kept by the store. */
  nextTrialNumber?: number;
}
