/**
 * The TrialStore interface: where a study and its trials live. Implementations: memory.ts (tests,
 * simulations) and lowdb.ts (runs/<study>/study.json). One store holds one study. Only the optimize
 * loop writes through it; everything it returns is a copy (a frozen snapshot), never live state.
 */
import type { FrozenTrial, Params, RefitOf, StudyRecord, TrialKind } from '../core/types.js';

/** What createStudy needs: the study record without trials. */
export type NewStudy = Omit<StudyRecord, 'trials' | 'nextTrialNumber'>;

/** What createTrial needs; the trial starts in state 'running' with no values. */
export interface NewTrial {
  params: Params;
  seed: number;
  datetimeStart?: string;
  backend?: string | null;
  /** Default `search`; a `refit` trial names its source in `refit`. */
  kind?: TrialKind;
  refit?: RefitOf;
}

/** The fields of a trial the optimize loop may change. */
export type TrialUpdate = Partial<
  Pick<
    FrozenTrial,
    | 'state'
    | 'params'
    | 'intermediateValues'
    | 'epochs'
    | 'value'
    | 'datetimeStart'
    | 'datetimeComplete'
    | 'backend'
    | 'backendInfo'
    | 'error'
    | 'modelDir'
  >
>;

export interface TrialStore {
  /** Creates the study; fails if this store already holds one. */
  createStudy(study: NewStudy): Promise<StudyRecord>;
  /** The study with all its trials, or null when none was created. */
  getStudy(): Promise<StudyRecord | null>;
  /** Creates a running trial and returns its number (monotonic, never reused). */
  createTrial(init: NewTrial): Promise<number>;
  /** Changes some fields of a trial and returns the updated snapshot. */
  updateTrial(number: number, update: TrialUpdate): Promise<FrozenTrial>;
  getTrial(number: number): Promise<FrozenTrial | null>;
  /** All trials, ordered by number. */
  listTrials(): Promise<FrozenTrial[]>;
}

/** Shared logic of the implementations: mutates `study` in place. */
export function applyCreateTrial(study: StudyRecord, init: NewTrial): number {
  const used = study.trials.reduce((m, t) => Math.max(m, t.number + 1), 0);
  const number = Math.max(study.nextTrialNumber ?? 0, used);
  study.nextTrialNumber = number + 1;
  study.trials.push({ number, ...newTrialRecord(init) });
  return number;
}

/** A new trial's fields (state running, no values yet), without its number. */
export function newTrialRecord(init: NewTrial): Omit<FrozenTrial, 'number'> {
  return {
    state: 'running',
    params: structuredClone(init.params),
    intermediateValues: [],
    epochs: [],
    value: null,
    datetimeStart: init.datetimeStart ?? new Date().toISOString(),
    datetimeComplete: null,
    backend: init.backend ?? null,
    seed: init.seed,
    // Search trials keep the record of earlier versions (no kind field); refit trials say what they are.
    ...(init.kind === 'refit' ? { kind: 'refit' as const, ...(init.refit ? { refit: { ...init.refit } } : {}) } : {}),
  };
}

export function applyUpdateTrial(study: StudyRecord, number: number, update: TrialUpdate): FrozenTrial {
  const trial = study.trials.find((t) => t.number === number);
  if (!trial) throw new RangeError(`study ${study.name} has no trial ${number}`);
  for (const [k, v] of Object.entries(update)) {
    if (v === undefined) continue;
    (trial as unknown as Record<string, unknown>)[k] = structuredClone(v);
  }
  return structuredClone(trial);
}

export function newStudyRecord(study: NewStudy): StudyRecord {
  return { ...structuredClone(study), trials: [], nextTrialNumber: 0 };
}
