/**
 * Choosing the trials an export uses: the refit models when the study has any (trials of kind `refit`,
 * retrained on every labeled image; ordered by their source trial's rank), else the best complete search
 * trials whose models are still on disk. `models` forces one kind.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { trialKind, type Direction, type FrozenTrial, type StudyRecord, type TrialKind } from '../core/types.js';
import { rankSearchTrials, refitTrialsByRank } from '../study/refit.js';

import { MODEL_CHOICES, type ModelChoice } from '../core/export-options.js';
export { MODEL_CHOICES, type ModelChoice };

export interface ChosenTrial {
  trial: FrozenTrial;
  /** Absolute path of its model folder. */
  dir: string;
}

export interface TrialChoice {
  /** The kind of every chosen trial. */
  kind: TrialKind;
  /** The first min(K, kept) complete trials with a kept model, best first (refit: by their source's rank). */
  chosen: ChosenTrial[];
  /** Complete trials with a value, best first. */
  complete: FrozenTrial[];
  /** Complete trials better than the last chosen one whose model was not kept. */
  notKept: FrozenTrial[];
}

/** Complete search trials with a finite value, best first (ties: lower number first). Pure. */
export function rankComplete(trials: readonly FrozenTrial[], direction: Direction): FrozenTrial[] {
  return rankSearchTrials(trials, direction);
}

/**
 * The `k` best complete trials that kept a model (`modelDir` set). A trial whose `modelDir` names a
 * folder that is gone is an error, not a skip: the study says the model is there.
 */
export function chooseTrials(record: StudyRecord, studyDir: string, k: number, models: ModelChoice = 'auto'): TrialChoice {
  if (!(Number.isInteger(k) && k >= 1)) throw new UserError(`--top must be a positive integer (got ${k})`);
  if (!MODEL_CHOICES.includes(models)) throw new UserError(`--models must be one of ${MODEL_CHOICES.join(', ')} (got ${JSON.stringify(models)})`);
  const refits = refitTrialsByRank(record.trials, record.direction).filter((t) => t.state === 'complete' && t.modelDir);
  if (models === 'refit' && refits.length === 0) throw new UserError(`study ${record.name}: no complete refit trial with a model (run: digit-sweep refit ${record.name})`);
  if (models === 'refit' || (models === 'auto' && refits.length > 0)) {
    const chosen = refits.slice(0, k).map((trial) => {
      const dir = resolve(studyDir, trial.modelDir!);
      if (!existsSync(dir)) throw new UserError(`${dir}: model folder of refit trial #${trial.number} is missing`);
      return { trial, dir };
    });
    return { kind: 'refit', chosen, complete: refits, notKept: [] };
  }
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
  return { kind: 'search', chosen, complete, notKept };
}

function countStates(trials: readonly FrozenTrial[]): string {
  const counts = new Map<string, number>();
  for (const t of trials) if (trialKind(t) === 'search') counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
}
