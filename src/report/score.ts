/**
 * Scoring a Kaggle Digit Recognizer submission (`ImageId,Label`) against a solution file with the
 * same columns (extra columns after Label, e.g. Kaggle's `Usage`, are allowed in the solution only).
 * A UTF-8 BOM, CRLF line ends, quoted fields and blank lines are tolerated. Any bad input is a one-line
 * UserError naming `file:line`.
 */
import { readFile } from 'node:fs/promises';
import Table from 'cli-table3';
import { UserError } from '../core/errors.js';
import { COMPACT_TABLE_CHARS } from './format.js';

export interface ClassScore {
  label: number;
  /** Rows of the solution with this label. */
  support: number;
  correct: number;
  /** correct / support, null when the class never occurs. */
  accuracy: number | null;
  /** Rows of the submission that predict this label. */
  predicted: number;
}

export interface ScoreResult {
  submission: string;
  solution: string;
  rows: number;
  correct: number;
  accuracy: number;
  perClass: ClassScore[];
  /** confusion[true][predicted] counts. */
  confusion: number[][];
}

interface LabelRow {
  label: number;
  line: number;
}

interface LabelFile {
  rows: Map<number, LabelRow>;
  /** Line number after the last row (where a missing row would be). */
  endLine: number;
}

function unquote(field: string): string {
  const f = field.trim();
  return f.length >= 2 && f.startsWith('"') && f.endsWith('"') ? f.slice(1, -1).replace(/""/g, '"').trim() : f;
}

function show(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

/** Parses the text of an `ImageId,Label` CSV. `file` names the file in error messages. */
export function parseLabelCsv(text: string, file: string, options: { allowExtraColumns?: boolean } = {}): LabelFile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const header = (lines[0] ?? '').split(',').map(unquote);
  const headerOk =
    header.length >= 2 &&
    header[0]!.toLowerCase() === 'imageid' &&
    header[1]!.toLowerCase() === 'label' &&
    (header.length === 2 || options.allowExtraColumns === true);
  if (!headerOk) throw new UserError(`${file}:1: bad header: expected "ImageId,Label" (got ${show(lines[0] ?? '')})`);
  const rows = new Map<number, LabelRow>();
  let endLine = 2;
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = i + 1;
    if (raw.trim() === '') continue;
    endLine = line + 1;
    const fields = raw.split(',').map(unquote);
    if (fields.length < 2 || (fields.length > 2 && options.allowExtraColumns !== true)) {
      throw new UserError(`${file}:${line}: expected 2 fields "ImageId,Label" (got ${show(raw)})`);
    }
    const [idText, labelText] = fields as [string, string];
    if (idText === '') throw new UserError(`${file}:${line}: missing ImageId`);
    if (!/^\d+$/.test(idText) || Number(idText) < 1 || !Number.isSafeInteger(Number(idText))) {
      throw new UserError(`${file}:${line}: ImageId must be a positive integer (got ${show(idText)})`);
    }
    if (labelText === '') throw new UserError(`${file}:${line}: missing Label`);
    if (!/^\d+$/.test(labelText) || Number(labelText) > 9) {
      throw new UserError(`${file}:${line}: label outside 0..9 (got ${show(labelText)})`);
    }
    const id = Number(idText);
    const first = rows.get(id);
    if (first) throw new UserError(`${file}:${line}: duplicate ImageId ${id} (first on line ${first.line})`);
    rows.set(id, { label: Number(labelText), line });
  }
  if (rows.size === 0) throw new UserError(`${file}:2: no rows after the header`);
  return { rows, endLine };
}

async function readCsv(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${file}: file not found`);
    if (code === 'EISDIR') throw new UserError(`${file}: is a folder, not a CSV file`);
    throw new UserError(`${file}: cannot read (${code ?? (err as Error).message})`);
  }
}

/** Scores two already parsed files (see {@link scoreSubmission}). */
export function scoreParsed(sub: LabelFile, sol: LabelFile, subFile: string, solFile: string): ScoreResult {
  if (sub.rows.size !== sol.rows.size) {
    const where = sub.rows.size > sol.rows.size ? [...sub.rows.values()][sol.rows.size]!.line : sub.endLine;
    throw new UserError(`${subFile}:${where}: row counts differ: ${sub.rows.size} rows, but ${solFile} has ${sol.rows.size}`);
  }
  for (const [id, row] of sub.rows) {
    if (!sol.rows.has(id)) throw new UserError(`${subFile}:${row.line}: ImageId ${id} is not in ${solFile}`);
  }
  const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  let correct = 0;
  for (const [id, truth] of sol.rows) {
    const pred = sub.rows.get(id);
    if (!pred) throw new UserError(`${subFile}: missing ImageId ${id} (${solFile}:${truth.line})`);
    confusion[truth.label]![pred.label]!++;
    if (pred.label === truth.label) correct++;
  }
  const perClass: ClassScore[] = confusion.map((row, label) => {
    const support = row.reduce((a, b) => a + b, 0);
    const ok = row[label]!;
    return {
      label,
      support,
      correct: ok,
      accuracy: support > 0 ? ok / support : null,
      predicted: confusion.reduce((a, r) => a + r[label]!, 0),
    };
  });
  return { submission: subFile, solution: solFile, rows: sol.rows.size, correct, accuracy: correct / sol.rows.size, perClass, confusion };
}

/** Reads and scores a submission CSV against a solution CSV. Bad input: UserError naming file:line. */
export async function scoreSubmission(subFile: string, solFile: string): Promise<ScoreResult> {
  const [subText, solText] = await Promise.all([readCsv(subFile), readCsv(solFile)]);
  const sub = parseLabelCsv(subText, subFile);
  const sol = parseLabelCsv(solText, solFile, { allowExtraColumns: true });
  return scoreParsed(sub, sol, subFile, solFile);
}

const pct = (v: number | null): string => (v === null ? '-' : `${(v * 100).toFixed(2)}%`);

/** Human-readable score: accuracy line, per-class table and confusion matrix (cli-table3, no colors). */
export function renderScore(r: ScoreResult, options: { color?: boolean } = {}): string {
  const style = options.color ? {} : { head: [], border: [] };
  const perClass = new Table({ head: ['digit', 'support', 'correct', 'accuracy', 'predicted'], colAligns: ['right', 'right', 'right', 'right', 'right'], style, chars: COMPACT_TABLE_CHARS });
  for (const c of r.perClass) perClass.push([String(c.label), String(c.support), String(c.correct), pct(c.accuracy), String(c.predicted)]);
  const conf = new Table({ head: ['true \\ pred', ...r.confusion.map((_, i) => String(i))], colAligns: new Array(11).fill('right'), style, chars: COMPACT_TABLE_CHARS });
  r.confusion.forEach((row, t) => conf.push([String(t), ...row.map((c) => String(c))]));
  return [
    `accuracy: ${pct(r.accuracy)} (${r.correct}/${r.rows} correct)`,
    '',
    'per class:',
    perClass.toString(),
    '',
    'confusion matrix (rows: true digit, columns: predicted):',
    conf.toString(),
  ].join('\n');
}
