/**
 * Reading what `export` needs from a study: `runs/<study>/study.json` (through the lowdb TrialStore's
 * reader, which turns a missing, truncated or foreign file into a one-line UserError) and its data.
 */
import { describeBadValue, UserError } from '../errors.js';
import { LowdbTrialStore } from '../storage/index.js';
import type { FrozenTrial, StudyRecord } from '../study/types.js';

const STATES = new Set(['running', 'complete', 'pruned', 'fail']);

/** Loads `studyDir/study.json` and checks the trial fields export relies on. */
export async function readStudyRecord(studyDir: string): Promise<StudyRecord> {
  const store = new LowdbTrialStore(studyDir);
  let record: StudyRecord | null;
  try {
    record = await store.getStudy();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') record = null;
    else if (typeof code === 'string') throw new UserError(`${store.file}: cannot read the study (${code})`);
    else throw err;
  }
  if (!record) throw new UserError(`${store.file}: no such study (study.json not found)`);
  const file = store.file;
  record.trials.forEach((t: Partial<FrozenTrial>, i) => {
    const bad = (field: string, problem: string, value: unknown): never => {
      throw new UserError(describeBadValue(file, `trials[${i}].${field}`, problem, value));
    };
    if (!STATES.has(t.state as string)) bad('state', 'must be running, complete, pruned or fail', t.state);
    if (t.value !== null && t.value !== undefined && typeof t.value !== 'number') bad('value', 'must be a number or null', t.value);
    if (t.modelDir !== null && t.modelDir !== undefined && typeof t.modelDir !== 'string') bad('modelDir', 'must be a string or null', t.modelDir);
  });
  return {
    ...record,
    direction: record.direction === 'minimize' ? 'minimize' : 'maximize',
    dataSource: typeof record.dataSource === 'string' ? record.dataSource : '',
  };
}

/** Where a study's test images come from. */
export type StudyData = { source: 'mnist' } | { source: 'kaggle'; dir: string };

/** The data of a study: `space.data` (as validated by the search space), else its `dataSource`. */
export function studyData(record: StudyRecord, file: string): StudyData {
  const data = (record.space as { data?: { source?: unknown; dir?: unknown } } | null)?.data;
  if (data && typeof data === 'object') {
    if (data.source === undefined || data.source === 'mnist') return { source: 'mnist' };
    if (data.source === 'kaggle') {
      if (typeof data.dir !== 'string' || data.dir === '') throw new UserError(describeBadValue(file, 'space.data.dir', 'must name the Kaggle folder', data.dir));
      return { source: 'kaggle', dir: data.dir };
    }
    throw new UserError(describeBadValue(file, 'space.data.source', 'must be "mnist" or "kaggle"', data.source));
  }
  if (record.dataSource.startsWith('kaggle:')) return { source: 'kaggle', dir: record.dataSource.slice('kaggle:'.length) };
  return { source: 'mnist' };
}
