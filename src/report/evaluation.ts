/** Reading a trial's eval.json defensively: the report must say what is wrong, never crash. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrialEvaluation } from '../core/types.js';

export type EvaluationLoad = { ok: true; evaluation: TrialEvaluation; file: string } | { ok: false; file: string; reason: string };

function isMatrix(v: unknown): v is number[][] {
  return Array.isArray(v) && v.length > 0 && v.every((r) => Array.isArray(r) && r.length === v.length && r.every((c) => typeof c === 'number'));
}

/** Loads `<studyDir>/trials/<n>/eval.json`; a missing or malformed file gives a reason instead. */
export async function loadEvaluation(studyDir: string, trialNumber: number): Promise<EvaluationLoad> {
  const file = join(studyDir, 'trials', String(trialNumber), 'eval.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, file, reason: code === 'ENOENT' ? 'no eval.json was written for this trial' : `eval.json unreadable (${code ?? String(err)})` };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { ok: false, file, reason: `eval.json is not valid JSON (${(err as Error).message})` };
  }
  const d = doc as Partial<TrialEvaluation> | null;
  if (!d || typeof d !== 'object' || !isMatrix(d.confusion)) {
    return { ok: false, file, reason: 'eval.json has no square confusion matrix' };
  }
  const mistakes = Array.isArray(d.mistakes)
    ? d.mistakes.filter((m) => m && typeof m === 'object' && Array.isArray(m.pixels) && typeof m.label === 'number' && typeof m.predicted === 'number')
    : [];
  return {
    ok: true,
    file,
    evaluation: { valAcc: typeof d.valAcc === 'number' ? d.valAcc : NaN, confusion: d.confusion, mistakes },
  };
}
