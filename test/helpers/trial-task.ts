/** Trial tasks for the runner and trainer tests: the params a test names, the rest the trainer's defaults (core/train-params.ts). */
import { DEFAULT_TRAIN_PARAMS, type TrainParams } from '../../src/core/train-params.js';
import type { TrialTask } from '../../src/core/trial.js';

/** Every trainer param: `over`, then the declared defaults. */
export const trainParams = (over: Partial<TrainParams> = {}): TrainParams => ({ ...DEFAULT_TRAIN_PARAMS, ...over });

/** A scripted-trainer task with no model kept and no checkpoint; `over` replaces any field. */
export function scriptedTask(number: number, over: Partial<TrialTask> = {}): TrialTask {
  return {
    number,
    params: trainParams(),
    epochs: 3,
    batchSize: 32,
    seed: number,
    backend: 'scripted',
    saveDir: null,
    objective: { metric: 'valAcc', direction: 'maximize' },
    trainer: 'scripted',
    checkpoint: null,
    ...over,
  };
}
