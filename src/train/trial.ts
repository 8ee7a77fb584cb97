/** The `tfjs` trainer kind: one trial of the real trainer (train.ts) as the pool's workers run it. */
import type { Dataset } from '../data/types.js';
import type { TrialOutcome, TrialTask } from '../core/trial.js';
import type { EpochMetrics } from '../core/types.js';
import { train } from './train.js';

export async function runTfjsTrial(task: TrialTask, data: Dataset, onEpochEnd: (m: EpochMetrics) => Promise<boolean>): Promise<TrialOutcome> {
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
}
