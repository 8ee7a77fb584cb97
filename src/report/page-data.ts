/**
 * The trials of report.html and the dashboard as data, embedded once in the page as JSON: the page's
 * script renders the leaderboard from it (sort, filter, all rows, a trial's detail, compare), while the
 * first FIRST_ROWS rows are also written as plain HTML rows (rowHtml) so the page shows them without
 * script. Cells are formatted here, once (format.ts), and carried as text; the script only escapes
 * and places them. Curves are rounded to 5 significant digits to keep a 1,000-trial page small.
 */
import { join } from 'node:path';
import type { FrozenTrial, ParamValue, StudyRecord, TrialState } from '../core/types.js';
import { escapeHtml as e, formatAccuracy, formatDuration, formatParamValue, formatValue } from './format.js';
import { paramNames, type LeaderboardRow } from './leaderboard.js';

/** Rows the page shows first (and the only ones written as HTML). */
export const FIRST_ROWS = 20;

export interface PageTrial {
  /** Trial number, rank, state, whether it came from the space's enqueue list. */
  n: number;
  rank: number;
  state: TrialState;
  enq: boolean;
  /** Display text per column (PageData.columns). */
  cells: string[];
  /** Sort key per column: a number, a string or null (sorted last). */
  keys: Array<number | string | null>;
  params: Record<string, ParamValue>;
  start: string;
  end: string | null;
  seed: number;
  backend: string | null;
  error: string | null;
  /** Path of the kept model (under the study folder), or null. */
  model: string | null;
  /** Per epoch: [epoch, trainAcc, valAcc, trainLoss, valLoss] (null where not finite). */
  curve: Array<Array<number | null>>;
}

export interface PageData {
  study: string;
  columns: Array<{ label: string; num: boolean }>;
  params: string[];
  first: number;
  trials: PageTrial[];
}

const FIXED_COLUMNS: Array<[string, boolean]> = [
  ['#', true], ['trial', true], ['state', false], ['value', true], ['best val acc', true], ['last val acc', true],
  ['epochs', true], ['duration', true], ['backend', false],
];

const r5 = (v: number | null | undefined): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : Number(v.toPrecision(5)));

function pageTrial(r: LeaderboardRow, t: FrozenTrial, names: string[], studyDir: string | undefined): PageTrial {
  const p = (n: string): ParamValue | undefined => r.params[n];
  return {
    n: r.trial,
    rank: r.rank,
    state: r.state,
    enq: r.enqueued,
    cells: [
      String(r.rank), String(r.trial), r.enqueued ? `${r.state} (enqueued)` : r.state, formatValue(r.value), formatAccuracy(r.bestValAcc),
      formatAccuracy(r.lastValAcc), String(r.epochs), formatDuration(r.durationSeconds), r.backend ?? '-',
      ...names.map((n) => (p(n) === undefined ? '' : formatParamValue(p(n)!))),
      r.error ?? '',
    ],
    keys: [
      r.rank, r.trial, r.state, r5(r.value), r5(r.bestValAcc), r5(r.lastValAcc), r.epochs, r5(r.durationSeconds), r.backend,
      ...names.map((n) => { const v = p(n); return v === undefined ? null : typeof v === 'number' ? v : String(v); }),
      r.error,
    ],
    params: r.params,
    start: t.datetimeStart,
    end: t.datetimeComplete,
    seed: t.seed,
    backend: t.backend,
    error: t.error ?? null,
    model: t.modelDir ? (studyDir ? join(studyDir, t.modelDir) : t.modelDir) : null,
    curve: t.epochs.map((m) => [m.epoch, r5(m.trainAcc), r5(m.valAcc), r5(m.trainLoss), r5(m.valLoss)]),
  };
}

/** The page's data for the ranked `rows` of `study`; `studyDir` makes the model paths whole. */
export function buildPageData(study: Pick<StudyRecord, 'name' | 'trials'>, rows: LeaderboardRow[], studyDir?: string): PageData {
  const names = paramNames(rows);
  const byNumber = new Map(study.trials.map((t) => [t.number, t]));
  return {
    study: study.name,
    columns: [...FIXED_COLUMNS.map(([label, num]) => ({ label, num })), ...names.map((n) => ({ label: n, num: false })), { label: 'error', num: false }],
    params: names,
    first: FIRST_ROWS,
    trials: rows.map((r) => pageTrial(r, byNumber.get(r.trial)!, names, studyDir)),
  };
}

/** The data as the text of a `<script type="application/json">` (no `<` that could end the element). */
export function pageDataJson(data: PageData): string {
  return JSON.stringify(data).replace(/</g, '\\u003c');
}

/** One leaderboard row as HTML, the same markup the page's script writes (see client.ts `rowHtml`). */
export function rowHtml(data: PageData, t: PageTrial): string {
  const cells = t.cells.map((c, i) => {
    const col = data.columns[i]!;
    if (col.label === 'state') return `<td><span class="state ${e(t.state)}">${e(c)}</span></td>`;
    return `<td class="${col.num ? 'num' : col.label === 'error' ? 'err' : ''}">${e(c)}</td>`;
  });
  return `<tr data-trial="${t.n}"><td><input type="checkbox" class="pick" aria-label="compare trial ${t.n}" disabled></td>${cells.join('')}</tr>`;
}
