/**
 * The pool's worker: runs one trial per task with the real trainer (TF.js, loaded once per thread) or the
 * scripted one (tests), reporting each epoch through the task's port and obeying the prune decision.
 * Workers never write the study: they return the outcome and the driver records it.
 * The same file is the entry of a ProcessRunner's child processes (see the end of this file).
 */
import { once } from 'node:events';
import { isMainThread } from 'node:worker_threads';
import type { EpochMetrics } from '../study/types.js';
import { CHILD_DATA_ENV, type DriverMessage, type TrialOutcome, type WorkerMessage, type WorkerTask } from './protocol.js';

export default async function runTrial(task: WorkerTask): Promise<TrialOutcome> {
  const { port } = task;
  const onEpochEnd = async (metrics: EpochMetrics): Promise<boolean> => {
    const reply = once(port, 'message') as Promise<[DriverMessage]>;
    port.postMessage({ type: 'epoch', metrics } satisfies WorkerMessage);
    const [message] = await reply;
    return message.prune;
  };
  try {
    if (task.trainer === 'scripted') {
      const { runScriptedTrial } = await import('../study/scripted-trainer.js');
      return await runScriptedTrial(task, onEpochEnd);
    }
    const { train } = await import('../train/index.js');
    // A refit trains on every labeled image, with no validation (see pool/protocol.ts TrialTask.refit).
    const data = task.refit ? (await import('../data/dataset.js')).withoutHoldOut(task.data) : task.data;
    const result = await train(task.params, data, {
      epochs: task.epochs,
      batchSize: task.batchSize,
      seed: task.seed,
      objective: task.objective,
      backend: task.backend as never,
      onEpochEnd,
      ...(task.saveDir ? { saveDir: task.saveDir } : {}),
      ...(task.checkpoint ? { checkpoint: task.checkpoint } : {}),
    });
    return {
      history: result.history,
      stopped: result.stopped,
      bestEpoch: result.bestEpoch,
      resumedAt: result.resumedAt,
      backend: result.backend.name,
      backendInfo: result.backend.info,
    };
  } finally {
    port.close();
  }
}

// Forked by a ProcessRunner rather than started by piscina: serve trials over the IPC channel.
if (isMainThread && typeof process.send === 'function' && process.env[CHILD_DATA_ENV]) {
  const { serveChild } = await import('./process-runner.js');
  await serveChild(runTrial);
}
