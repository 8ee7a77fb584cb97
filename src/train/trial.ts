/**
 * The `tfjs` trainer kind: one trial of the real trainer (train.ts) as the pool's workers run it.
 * DIGIT_SWEEP_BATCH_LOG=<file> appends "<trial> <epoch> <batch>/<batches>" after every training batch
 * (as the scripted trainer's DIGIT_SWEEP_SCRIPTED_EPOCH_LOG does per epoch): the fault test of the real
 * trainer kills the driver in the middle of an epoch on it, an event rather than a delay.
 */
import { appendFileSync } from 'node:fs';
import type { Dataset } from '../data/types.js';
import type { TrialOutcome, TrialTask } from '../core/trial.js';
import type { EpochMetrics } from '../core/types.js';
import { train } from './train.js';

export async function runTfjsTrial(task: TrialTask, data: Dataset, onEpochEnd: (m: EpochMetrics) => Promise<boolean>): Promise<TrialOutcome> {
  const batchLog = process.env.DIGIT_SWEEP_BATCH_LOG;
  const result = await train(task.params, data, {
    epochs: task.epochs,
    batchSize: task.batchSize,
    seed: task.seed,
    objective: task.objective,
    backend: task.backend as never,
    ...(task.threads !== undefined ? { threads: task.threads } : {}),
    onEpochEnd,
    ...(batchLog ? { onBatchEnd: (b: number, n: number, epoch: number) => appendFileSync(batchLog, `${task.number} ${epoch} ${b}/${n}\n`) } : {}),
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
}
