/**
 * The pool's worker: runs one trial per task with the trainer kind the task names (trainers.ts: TF.js,
 * loaded once per thread, or the scripted one of tests; both by dynamic import), reporting each epoch
 * through the task's port and obeying the prune decision.
 * Workers never write the study: they return the outcome and the driver records it.
 * The same file is the entry of a ProcessRunner's child processes (see the end of this file).
 */
import { once } from 'node:events';
import { isMainThread } from 'node:worker_threads';
import type { EpochMetrics } from '../core/types.js';
import { loadTrainer } from './trainers.js';
import { CHILD_DATA_ENV, type DriverMessage, type TrialOutcome, type WorkerMessage, type WorkerTask } from './protocol.js';

export default async function runWorkerTask(task: WorkerTask): Promise<TrialOutcome> {
  const { port } = task;
  const onEpochEnd = async (metrics: EpochMetrics): Promise<boolean> => {
    const reply = once(port, 'message') as Promise<[DriverMessage]>;
    port.postMessage({ type: 'epoch', metrics } satisfies WorkerMessage);
    const [message] = await reply;
    return message.prune;
  };
  try {
    const runTrial = await loadTrainer(task.trainer);
    return await runTrial(task, task.data, onEpochEnd);
  } finally {
    port.close();
  }
}

// Forked by a ProcessRunner rather than started by piscina: serve trials over the IPC channel.
if (isMainThread && typeof process.send === 'function' && process.env[CHILD_DATA_ENV]) {
  const { serveChild } = await import('./process-runner.js');
  await serveChild(runWorkerTask);
}
