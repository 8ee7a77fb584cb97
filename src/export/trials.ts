/** Choosing the trials an export uses: the best complete trials whose models are still on disk. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import type { Direction, FrozenTrial, StudyRecord } from '../core/types.js';

export interface ChosenTrial {
  trial: FrozenTrial;
  /** Absolute path of its model folder. */
  dir: string;
}

export interface TrialChoice {
  /** The first min(K, kept) complete trials with a kept model, best first. */
  chosen: ChosenTrial[];
  /** Complete trials with a value, best first. */
  complete: FrozenTrial[];
  /** Complete trials better than the last chosen one whose model was not kept. */
  notKept: FrozenTrial[];
}

/** Complete trials with a finite value, best first (ties: lower number first). Pure. */
export function rankComplete(trials: readonly FrozenTrial[], direction: Direction): FrozenTrial[] {
  const sign = direction === 'minimize' ? 1 : -1;
  return trials
    .filter((t) => t.state === 'complete' && typeof t.value === 'number' && Number.isFinite(t.value))
    .sort((a, b) => sign * (a.value! - b.value!) || a.number - b.number);
}

/**
 * The `k` best complete trials that kept a model (`modelDir` set). A trial whose `modelDir` names a
 * folder that is gone is an error, not a skip: the study says the model is there.
 */
export function chooseTrials(record: StudyRecord, studyDir: string, k: number): TrialChoice {
  if (!(Number.isInteger(k) && k >= 1)) throw new UserError(`--top must be a positive integer (got ${k})`);
  const complete = rankComplete(record.trials, record.direction);
  if (complete.length === 0) {
    const states = record.trials.length ? ` (${countStates(record.trials)})` : ' (no trials yet)';
    throw new UserError(`study ${record.name}: no complete trial to export${states}`);
  }
  const chosen: ChosenTrial[] = [];
  const notKept: FrozenTrial[] = [];
  for (const trial of complete) {
    if (chosen.length === k) break;
    if (!trial.modelDir) {
      notKept.push(trial);
      continue;
    }
    const dir = resolve(studyDir, trial.modelDir);
    if (!existsSync(dir)) throw new UserError(`${dir}: model folder of trial #${trial.number} is missing`);
    chosen.push({ trial, dir });
  }
  if (chosen.length === 0) {
    throw new UserError(`study ${record.name}: none of its ${complete.length} complete trials kept a model (modelDir is empty)`);
  }
  return { chosen, complete, notKept };
}

function countStates(trials: readonly FrozenTrial[]): string {
  const counts = new Map<string, number>();
  for (const t of trials) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
}
