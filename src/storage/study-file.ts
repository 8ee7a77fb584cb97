/**
 * The one reader of `runs/<study>/study.json`, for the store (lowdb.ts), the reports and export: a zod
 * schema of the StudyRecord and one set of one-line errors. A missing field is an error, never a
 * default (a study without `direction` is not silently maximized).
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../core/errors.js';
import type { StudyRecord } from '../core/types.js';

export const STUDY_FILE = 'study.json';
export const BACKUP_SUFFIX = '.bak';
const TRIAL_STATES = ['running', 'complete', 'pruned', 'fail'] as const;

// A metric or intermediate value may be NaN or ±Infinity in memory (what the store is asked to write),
// which JSON writes as null (what it reads back). zod's z.number() refuses non-finite numbers.
const numberOrNull = (error: string) => z.custom<number | null>((v) => v === null || typeof v === 'number', { error });
const metric = numberOrNull('not a number or null');
const epochSchema = z.looseObject({ epoch: z.number().int().min(1), trainLoss: metric, trainAcc: metric, valLoss: metric, valAcc: metric, lr: metric, seconds: metric });

const trialSchema = z.looseObject({
  number: z.number({ error: 'not a trial number' }).int({ error: 'not a trial number' }).min(0, { error: 'not a trial number' }),
  state: z.enum(TRIAL_STATES, { error: `expected one of ${TRIAL_STATES.join(', ')}` }),
  params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]), { error: 'not an object' }),
  intermediateValues: z.array(numberOrNull('not a list of numbers'), { error: 'not a list of numbers' }),
  epochs: z.array(epochSchema, { error: 'not a list of epoch metrics' }),
  value: z.number({ error: 'not a number or null' }).nullable(),
  datetimeStart: z.string({ error: 'not a date string' }),
  datetimeComplete: z.string({ error: 'not a date string or null' }).nullable(),
  backend: z.string({ error: 'not a string or null' }).nullable(),
  backendInfo: z.record(z.string(), z.string()).optional(),
  seed: z.number({ error: 'not a number' }),
  error: z.string({ error: 'not a string' }).optional(),
  modelDir: z.string({ error: 'not a string or null' }).nullable().optional(),
  kind: z.enum(['search', 'refit'], { error: 'expected search or refit' }).optional(),
  refit: z
    .strictObject({ source: z.number().int().min(0), epochs: z.number().int().min(1) }, { error: 'expected { source, epochs }' })
    .optional(),
});

export const studyRecordSchema = z
  .looseObject({
    name: z.string({ error: 'no study name' }).min(1, { error: 'no study name' }),
    createdAt: z.string({ error: 'not a date string' }),
    spaceFile: z.string({ error: 'not a string' }),
    space: z.unknown(),
    direction: z.enum(['maximize', 'minimize'], { error: 'expected maximize or minimize' }),
    dataSource: z.string({ error: 'not a string' }),
    dataFingerprint: z.string({ error: 'not a string' }),
    trials: z.array(trialSchema, { error: 'no trials list' }),
    nextTrialNumber: z.number().int().min(0).optional(),
  }, { error: 'not a JSON object' })
  .superRefine((s, ctx) => {
    const seen = new Set<number>();
    s.trials.forEach((t, i) => {
      if (seen.has(t.number)) ctx.addIssue({ code: 'custom', path: ['trials', i, 'number'], message: `trial ${t.number} appears twice`, params: { plain: true } });
      seen.add(t.number);
    });
  });

/** `trials[1].state` from ['trials', 1, 'state']. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** Why `data` is not a study record ("trials[1].state: expected one of … (got "done")"), or null when it is one. */
export function studyProblem(data: unknown): string | null {
  const r = studyRecordSchema.safeParse(data);
  if (r.success) return null;
  const issue = r.error.issues[0]!;
  // The whole record, or a top-level field missing: the message says it all.
  if (issue.path.length === 0 || (issue.path.length === 1 && ['name', 'trials'].includes(String(issue.path[0])))) return issue.message;
  // An element of a list stands for the list (trials[1].intermediateValues, not ….intermediateValues[0]).
  let path = issue.path;
  const listAt = path.findIndex((p, i) => typeof p === 'number' && i > 1);
  if (listAt > 0 && ['intermediateValues'].includes(String(path[listAt - 1]))) path = path.slice(0, listAt);
  const got = (issue as { params?: { plain?: boolean } }).params?.plain ? '' : ` (got ${JSON.stringify(valueAt(data, path)) ?? 'nothing'})`;
  return `${formatPath(path)}: ${issue.message}${got}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The `cp` that restores the backup the store keeps, or that there is none (a file the store never wrote twice). */
function restoreHint(file: string): string {
  return existsSync(`${file}${BACKUP_SUFFIX}`) ? `restore the previous copy with: cp ${file}${BACKUP_SUFFIX} ${file}` : `there is no ${file}${BACKUP_SUFFIX} to restore`;
}

/**
 * Reads and validates a study file; null when it does not exist (and has no backup). A missing file
 * with a backup, an empty, truncated, non-JSON or invalid file is a one-line UserError naming the file
 * and the problem, with the `cp` that restores the backup.
 */
export async function readStudyFile(file: string): Promise<StudyRecord | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new UserError(`${file}: cannot read the study (${code ?? (err as Error).message})`);
    if (await exists(`${file}${BACKUP_SUFFIX}`)) throw new UserError(`${file}: missing, but ${file}${BACKUP_SUFFIX} exists; ${restoreHint(file)}`);
    return null;
  }
  if (text.trim() === '') throw new UserError(`${file}: empty (truncated) study file; ${restoreHint(file)}`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const why = (err as Error).message.split('\n')[0]!;
    throw new UserError(`${file}: invalid JSON, the file is truncated or corrupt (${why}); ${restoreHint(file)}`);
  }
  const problem = studyProblem(data);
  if (problem) throw new UserError(`${file}: not a study file (${problem}); ${restoreHint(file)}`);
  return data as StudyRecord;
}

/** The study in folder `studyDir` (status, report, export): as readStudyFile, and a missing study is an error. */
export async function readStudy(studyDir: string): Promise<StudyRecord> {
  const file = join(studyDir, STUDY_FILE);
  const record = await readStudyFile(file);
  if (!record) throw new UserError(`${file}: no such study (study.json not found)`);
  return record;
}
