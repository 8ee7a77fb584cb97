/**
 * The trainer kinds a worker can run, by name. Each is loaded by dynamic import the first time a task
 * asks for it, so a worker that only runs `tfjs` trials never loads the scripted (test) trainer, and one
 * that only runs `scripted` trials never loads TF.js.
 */
import type { Dataset } from '../data/types.js';
import type { TrainerKind, TrialOutcome, TrialTask } from '../core/trial.js';
import type { EpochMetrics } from '../core/types.js';

export type RunTrial = (task: TrialTask, data: Dataset, onEpochEnd: (m: EpochMetrics) => Promise<boolean>) => Promise<TrialOutcome>;

const TRAINERS: Record<TrainerKind, () => Promise<RunTrial>> = {
  tfjs: async () => (await import('../train/trial.js')).runTfjsTrial,
  scripted: async () => {
    const { runScriptedTrial } = await import('../scripted/trainer.js');
    return (task, _data, onEpochEnd) => runScriptedTrial(task, onEpochEnd);
  },
};

/** The trainer kind `kind`; an Error naming it when there is none. */
export async function loadTrainer(kind: string): Promise<RunTrial> {
  const load = Object.hasOwn(TRAINERS, kind) ? TRAINERS[kind as TrainerKind] : undefined;
  if (!load) throw new Error(`unknown trainer kind ${JSON.stringify(kind)} (known: ${Object.keys(TRAINERS).join(', ')})`);
  return load();
}
