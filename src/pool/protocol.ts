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
import type { EpochMetrics } from '../core/types.js';

/** Set in a ProcessRunner child's environment to the dataset file: tells the worker file it was forked (process-runner.ts). */
export const CHILD_DATA_ENV = 'DIGIT_SWEEP_CHILD_DATA';

export type { TrainerKind, TrialOutcome, TrialTask } from '../core/trial.js';
import type { TrialOutcome, TrialTask } from '../core/trial.js';

export interface WorkerTask extends TrialTask {
  data: Dataset;
  port: MessagePort;
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
