/**
 * The pool's worker: runs one trial per task with the trainer kind the task names (trainers.ts: TF.js,
 * loaded once per thread, or the scripted one of tests; both by dynamic import), reporting each epoch
 * through the task's port and obeying the prune decision.
 * Workers never write the study: they return the outcome and the driver records it.
 * The same file is the entry of a ProcessRunner's child processes (see the end of this file), and serves
 * export's and predict's inference slices (pool/predict-pool.ts) in the same kind of thread.
 */
import { once } from 'node:events';
import { isMainThread } from 'node:worker_threads';
import type { EpochMetrics } from '../core/types.js';
import { loadTrainer } from './trainers.js';
import { CHILD_DATA_ENV, type DriverMessage, type PredictMessage, type PredictOutcome, type PredictTask, type TrialOutcome, type WorkerMessage, type WorkerTask } from './protocol.js';

/** A piscina task: a trial, or a slice of inference for export/predict (pool/predict-pool.ts). */
export default async function runTask(task: WorkerTask | PredictTask): Promise<TrialOutcome | PredictOutcome> {
  return isPredictTask(task) ? predictSlice(task) : runWorkerTask(task);
}

function isPredictTask(task: WorkerTask | PredictTask): task is PredictTask {
  return (task as PredictTask).kind === 'predict';
}

async function predictSlice(task: PredictTask): Promise<PredictOutcome> {
  try {
    const { initBackend } = await import('../train/backend.js');
    const { predictEnsemble } = await import('../train/predict.js');
    await initBackend(task.backend as never);
    const { perModel } = await predictEnsemble(task.modelDirs, task.images, {
      tta: task.tta,
      batchSize: task.batchSize,
      onProgress: () => task.port.postMessage({ type: 'batch' } satisfies PredictMessage),
    });
    return { perModel };
  } finally {
    task.port.close();
  }
}

export async function runWorkerTask(task: WorkerTask): Promise<TrialOutcome> {
  const { port } = task;
  const onEpochEnd = async (metrics: EpochMetrics): Promise<boolean> => {
    const reply = once(port, 'message') as Promise<[DriverMessage]>;
    port.postMessage({ type: 'epoch', metrics } satisfies WorkerMessage);
    const [message] = await reply;
    return message.prune;
  };
  try {
    const runTrial = await loadTrainer(task.trainer);
    // A refit trains on every labeled image, with no validation (core/trial.ts TrialTask.refit).
    const data = task.refit ? (await import('../data/dataset.js')).withoutHoldOut(task.data) : task.data;
    return await runTrial(task, data, onEpochEnd);
  } finally {
    port.close();
  }
}

// Forked by a ProcessRunner rather than started by piscina: serve trials over the IPC channel.
if (isMainThread && typeof process.send === 'function' && process.env[CHILD_DATA_ENV]) {
  const { serveChild } = await import('./process-runner.js');
  await serveChild(runWorkerTask);
}
