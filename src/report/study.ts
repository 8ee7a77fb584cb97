/** Reading `runs/<study>/study.json` for the reports (read-only; a running sweep may rewrite it). */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { StudyRecord } from '../study/types.js';

/** How to get the previous good copy back (the store keeps it as study.json.bak), or '' without one. */
async function restoreHint(file: string): Promise<string> {
  try {
    await access(`${file}.bak`);
    return `; the previous copy is kept: cp ${file}.bak ${file}`;
  } catch {
    return '';
  }
}

/** Loads and sanity-checks a study record; a missing or broken file is a one-line UserError. */
export async function readStudy(studyDir: string): Promise<StudyRecord> {
  const file = join(studyDir, 'study.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UserError(`${file}: no such study (study.json not found)`);
    throw new UserError(`${file}: cannot read (${code ?? (err as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message.split('\n')[0]})${await restoreHint(file)}`);
  }
  const s = doc as Partial<StudyRecord> | null;
  if (!s || typeof s !== 'object' || typeof s.name !== 'string' || !Array.isArray(s.trials)) {
    throw new UserError(`${file}: not a study record (needs "name" and "trials")${await restoreHint(file)}`);
  }
  return {
    ...(s as StudyRecord),
    direction: s.direction === 'minimize' ? 'minimize' : 'maximize',
    dataSource: typeof s.dataSource === 'string' ? s.dataSource : 'unknown',
    dataFingerprint: typeof s.dataFingerprint === 'string' ? s.dataFingerprint : '',
    spaceFile: typeof s.spaceFile === 'string' ? s.spaceFile : '',
    createdAt: typeof s.createdAt === 'string' ? s.createdAt : '',
    trials: s.trials.map((t) => ({
      ...t,
      params: t.params && typeof t.params === 'object' ? t.params : {},
      epochs: Array.isArray(t.epochs) ? t.epochs : [],
      intermediateValues: Array.isArray(t.intermediateValues) ? t.intermediateValues : [],
      value: typeof t.value === 'number' ? t.value : null,
      backend: typeof t.backend === 'string' ? t.backend : null,
    })),
  };
}
