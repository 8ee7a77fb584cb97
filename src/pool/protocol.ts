/**
 * The driver <-> worker protocol. TF.js-free. A task carries everything a worker needs (the dataset's
 * buffers are SharedArrayBuffers, so they travel by reference, never copied); progress comes back through
 * a MessagePort passed in the task's transferList, as in piscina's own examples:
 *   worker -> driver: { type: 'epoch', metrics }      after every epoch
 *   driver -> worker: { type: 'decision', prune }     continue or stop (prune) the trial
 * The task's resolved value is the TrialOutcome.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Dataset, ImageSet } from '../data/types.js';
import type { EpochMetrics, Objective, TrainParams } from '../study/types.js';

export type TrainerKind = 'tfjs' | 'scripted';

/** Set in a ProcessRunner child's environment to the dataset file: tells the worker file it was forked (process-runner.ts). */
export const CHILD_DATA_ENV = 'DIGIT_SWEEP_CHILD_DATA';

export interface TrialTask {
  number: number;
  params: TrainParams;
  epochs: number;
  batchSize: number;
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
}

export interface WorkerTask extends TrialTask {
  data: Dataset;
  port: MessagePort;
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

/**
 * Inference on one batch-aligned slice of images (pool/predict-pool.ts): the worker runs
 * train/predict.ts's predictEnsemble on `images` and resolves to each model's probabilities.
 *   worker -> driver: { type: 'batch' }   after every batch of every model and view (progress)
 */
export interface PredictTask {
  kind: 'predict';
  modelDirs: string[];
  /** The slice (a view on the caller's SharedArrayBuffer: not copied). */
  images: ImageSet;
  tta: boolean;
  batchSize: number;
  backend: string;
  port: MessagePort;
}
export interface PredictOutcome {
  /** Each model's probabilities on the slice, [count * 10], in the order of `modelDirs`. */
  perModel: Float32Array[];
}
export type PredictMessage = { type: 'batch' };

export type WorkerMessage = { type: 'epoch'; metrics: EpochMetrics };
export type DriverMessage = { type: 'decision'; prune: boolean };

/** Runs trials somewhere (a thread pool, processes, another machine). */
export interface TrialRunner {
  /** Number of trials it runs at once. */
  readonly concurrency: number;
  /**
   * Runs one trial. `onEpoch` is awaited after every epoch and answers true to prune. Rejects when the
   * trial throws, its worker dies, or `signal` aborts it (per-trial time limit, second Ctrl-C). When
   * `onEpoch` itself rejects (a store write failed, a pruner threw), the runner stops the trial and
   * rejects with that error: an error is never turned into a prune decision.
   */
  run(task: TrialTask, onEpoch: (metrics: EpochMetrics) => Promise<boolean>, signal?: AbortSignal): Promise<TrialOutcome>;
  close(): Promise<void>;
}
