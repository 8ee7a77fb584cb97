/**
 * Reading what `export` needs from a study: `runs/<study>/study.json` (through the one study-file reader,
 * which turns a missing, truncated or foreign file into a one-line UserError) and its data.
 */
import { describeBadValue, UserError } from '../core/errors.js';
import { readStudy } from '../storage/study-file.js';
import type { StudyRecord } from '../core/types.js';
import type { ExportChoices } from '../core/export-options.js';
import { exportSchema, formatPath } from '../search-space/index.js';

/** Loads `studyDir/study.json` through the store's one reader (storage/study-file.ts). */
export async function readStudyRecord(studyDir: string): Promise<StudyRecord> {
  return readStudy(studyDir);
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

/** The `export:` section of the study's space (what `export NAME` does without flags), or undefined. */
export function studyExportSection(record: StudyRecord, file: string): ExportChoices | undefined {
  const section = (record.space as { export?: unknown } | null)?.export;
  if (section === undefined) return undefined;
  const parsed = exportSchema.safeParse(section);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new UserError(describeBadValue(file, formatPath(['space', 'export', ...issue.path]), issue.message.toLowerCase(), (section as Record<PropertyKey, unknown>)[issue.path[0]!]));
}
