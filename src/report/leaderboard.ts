/**
 * The leaderboard of a study: one row per trial, ranked. Complete trials come first (best value
 * first, in the study's direction), then pruned trials by value, then running, then failed trials;
 * ties and missing values keep trial-number order. Writers for markdown, CSV (RFC 4180) and JSON, and a
 * cli-table3 rendering for the terminal (the sweep's final table and `status`).
 *
 * Refit trials (study/refit.ts) are not ranked with the search trials: they have no validation value
 * (their value is a training-set figure). They get their own table (RefitRow), ordered by their source
 * trial's rank, in leaderboard.md and .json, report.html and `status`; leaderboard.csv lists the search
 * trials only.
 */
import Table from 'cli-table3';
import { join } from 'node:path';
import { isSearchTrial, type Direction, type FrozenTrial, type Params, type ParamValue, type StudyRecord, type TrialState } from '../core/types.js';
import { refitTrialsByRank } from '../study/refit.js';
import { enqueueOf, isEnqueuedTrial } from '../search-space/enqueue.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { COMPACT_TABLE_CHARS, formatAccuracy, formatDuration, formatParams, formatParamValue, formatValue } from './format.js';

export interface LeaderboardRow {
  /** 1-based position in the leaderboard. */
  rank: number;
  trial: number;
  state: TrialState;
  params: Params;
  /** The trial's objective value (null while running or after a failure). */
  value: number | null;
  /** Best and last validation accuracy over the epochs run (null when no epoch finished). */
  bestValAcc: number | null;
  lastValAcc: number | null;
  /** Epoch of the best validation accuracy (1-based), null when no epoch finished. */
  bestEpoch: number | null;
  epochs: number;
  /** Wall-clock seconds from start to completion; for a running trial, the sum of its epochs so far. */
  durationSeconds: number | null;
  backend: string | null;
  error: string | null;
  /** The trial ran a parameter set of the space's `enqueue:` list (shown as "<state> (enqueued)"). */
  enqueued: boolean;
}

const STATE_ORDER: Record<TrialState, number> = { complete: 0, pruned: 1, running: 2, fail: 3 };

/** Compares two trials in leaderboard order. */
export function compareTrials(a: FrozenTrial, b: FrozenTrial, direction: Direction): number {
  const s = STATE_ORDER[a.state] - STATE_ORDER[b.state];
  if (s !== 0) return s;
  const va = a.value !== null && Number.isFinite(a.value) ? a.value : null;
  const vb = b.value !== null && Number.isFinite(b.value) ? b.value : null;
  if (va !== null && vb === null) return -1;
  if (va === null && vb !== null) return 1;
  if (va !== null && vb !== null && va !== vb) return direction === 'maximize' ? vb - va : va - vb;
  return a.number - b.number;
}

function durationOf(t: FrozenTrial): number | null {
  if (t.datetimeComplete) {
    const ms = Date.parse(t.datetimeComplete) - Date.parse(t.datetimeStart);
    if (Number.isFinite(ms) && ms >= 0) return ms / 1000;
  }
  if (t.epochs.length > 0) return t.epochs.reduce((sum, e) => sum + (Number.isFinite(e.seconds) ? e.seconds : 0), 0);
  return null;
}

export function toLeaderboardRow(t: FrozenTrial, rank: number, enqueued = false): LeaderboardRow {
  const accs = t.epochs.map((e) => e.valAcc).filter((v) => Number.isFinite(v));
  let bestEpoch: number | null = null;
  let bestValAcc: number | null = null;
  for (const e of t.epochs) {
    if (Number.isFinite(e.valAcc) && (bestValAcc === null || e.valAcc > bestValAcc)) {
      bestValAcc = e.valAcc;
      bestEpoch = e.epoch;
    }
  }
  return {
    rank,
    trial: t.number,
    state: t.state,
    params: { ...t.params },
    value: t.value,
    bestValAcc,
    lastValAcc: accs.length > 0 ? accs[accs.length - 1]! : null,
    bestEpoch,
    epochs: t.epochs.length,
    durationSeconds: durationOf(t),
    backend: t.backend,
    error: t.error ?? null,
    enqueued,
  };
}

/** The state cell of the markdown and terminal tables: "complete", or "complete (enqueued)". */
function stateCell(r: LeaderboardRow): string {
  return r.enqueued ? `${r.state} (enqueued)` : r.state;
}

/** The ranked rows of a study (see the module comment for the order); trials of the space's `enqueue` list are marked. */
export function buildLeaderboard(study: Pick<StudyRecord, 'trials' | 'direction'> & { space?: unknown }): LeaderboardRow[] {
  const enqueue = enqueueOf(study.space);
  return study.trials
    .filter(isSearchTrial)
    .sort((a, b) => compareTrials(a, b, study.direction))
    .map((t, i) => toLeaderboardRow(t, i + 1, isEnqueuedTrial(enqueue, t)));
}

/** One refit trial: what it retrains and how far it got. */
export interface RefitRow {
  trial: number;
  /** The search trial it retrains, and that trial's leaderboard rank (null when it is not ranked). */
  source: number | null;
  sourceRank: number | null;
  /** The source trial's value (its validation figure). */
  sourceValue: number | null;
  state: TrialState;
  /** Epochs done and planned. */
  epochs: number;
  plannedEpochs: number | null;
  /** Training accuracy and loss of the last epoch done (the kept model's), null before the first. */
  trainAcc: number | null;
  trainLoss: number | null;
  durationSeconds: number | null;
  backend: string | null;
  modelDir: string | null;
  error: string | null;
  params: Params;
}

/** The study's refit trials, ordered by their source trial's rank (then by number). */
export function buildRefitRows(study: Pick<StudyRecord, 'trials' | 'direction'> & { space?: unknown }, rows = buildLeaderboard(study)): RefitRow[] {
  const rankOf = new Map(rows.map((r) => [r.trial, r]));
  const finite = (v: number | undefined) => (v !== undefined && v !== null && Number.isFinite(v) ? v : null);
  return refitTrialsByRank(study.trials, study.direction).map((t) => {
    const last = t.epochs.at(-1);
    const src = t.refit ? rankOf.get(t.refit.source) : undefined;
    return {
      trial: t.number,
      source: t.refit?.source ?? null,
      sourceRank: src?.rank ?? null,
      sourceValue: src?.value ?? null,
      state: t.state,
      epochs: t.epochs.length,
      plannedEpochs: t.refit?.epochs ?? null,
      trainAcc: finite(last?.trainAcc),
      trainLoss: finite(last?.trainLoss),
      durationSeconds: durationOf(t),
      backend: t.backend,
      modelDir: t.modelDir ?? null,
      error: t.error ?? null,
      params: { ...t.params },
    };
  });
}

/** The refit table in markdown ("" when there is none). */
export function refitToMarkdown(refit: RefitRow[]): string {
  if (refit.length === 0) return '';
  const head = ['trial', 'refit of', 'source rank', 'source value', 'state', 'epochs', 'last train acc', 'last train loss', 'duration', 'model', 'error'];
  const lines = [
    '## Refit models',
    '',
    'Retrained on every labeled image (no validation hold-out): not ranked against the search trials; `export` ensembles them first.',
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map((h) => (['state', 'model', 'error'].includes(h) ? ' --- ' : ' ---: ')).join('|')}|`,
  ];
  for (const r of refit) {
    const cells = [
      String(r.trial), r.source === null ? '-' : String(r.source), r.sourceRank === null ? '-' : String(r.sourceRank), formatValue(r.sourceValue),
      r.state, `${r.epochs}/${r.plannedEpochs ?? '?'}`, formatAccuracy(r.trainAcc), formatValue(r.trainLoss), formatDuration(r.durationSeconds),
      r.modelDir ?? '-', r.error ?? '',
    ];
    lines.push(`| ${cells.map(mdCell).join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}

/** The refit table for the terminal ("" when there is none). */
export function renderRefitTable(refit: RefitRow[], options: { color?: boolean } = {}): string {
  if (refit.length === 0) return '';
  const table = new Table({
    head: ['refit', 'of', 'src rank', 'state', 'epochs', 'last train acc', 'last train loss', 'duration', 'model'],
    colAligns: ['right', 'right', 'right', 'left', 'right', 'right', 'right', 'right', 'left'],
    style: options.color ? {} : { head: [], border: [] },
    chars: COMPACT_TABLE_CHARS,
  });
  for (const r of refit) {
    table.push([
      String(r.trial), r.source === null ? '-' : `#${r.source}`, r.sourceRank === null ? '-' : String(r.sourceRank), r.state,
      `${r.epochs}/${r.plannedEpochs ?? '?'}`, formatAccuracy(r.trainAcc), formatValue(r.trainLoss), formatDuration(r.durationSeconds),
      (r.modelDir ?? '-').replace(/[\u0000-\u001f\u007f]/g, ' '),
    ]);
  }
  return `refit models (every labeled image, no validation; export uses these first):\n${table.toString()}`;
}

/** Param names over all rows, in first-appearance order. */
export function paramNames(rows: ReadonlyArray<{ params: Params }>): string[] {
  const names = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r.params)) names.add(k);
  return [...names];
}

// ---- markdown -------------------------------------------------------------------------------------

/** Makes a user string safe inside a markdown table cell: no line breaks, pipes and HTML escaped. */
function mdCell(s: string): string {
  return s
    .replace(/\r?\n|\r/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/`/g, '\\`');
}

export function leaderboardToMarkdown(rows: LeaderboardRow[], title?: string): string {
  const head = ['rank', 'trial', 'state', 'value', 'best val acc', 'last val acc', 'epochs', 'duration', 'backend', 'params', 'error'];
  const lines: string[] = [];
  if (title !== undefined) lines.push(`# ${mdCell(title)}`, '');
  lines.push(`| ${head.join(' | ')} |`, `|${head.map((h) => (['params', 'state', 'backend', 'error'].includes(h) ? ' --- ' : ' ---: ')).join('|')}|`);
  for (const r of rows) {
    const cells = [
      String(r.rank),
      String(r.trial),
      stateCell(r),
      formatValue(r.value),
      formatAccuracy(r.bestValAcc),
      formatAccuracy(r.lastValAcc),
      String(r.epochs),
      formatDuration(r.durationSeconds),
      r.backend ?? '-',
      formatParams(r.params),
      r.error ?? '',
    ];
    lines.push(`| ${cells.map(mdCell).join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}

// ---- CSV ------------------------------------------------------------------------------------------

/** One RFC 4180 field: quoted when it holds a comma, a quote, CR or LF (quotes doubled). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * A text field (never a number) safe to open in a spreadsheet: one that starts with `=`, `+`, `-`, `@`,
 * a tab or a CR would be read as a formula (CSV injection), so it gets a leading `'` as OWASP advises.
 * Numbers are written by csvField alone, so -0.5 stays a number.
 */
export function csvText(value: string): string {
  return csvField(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
}

/**
 * CSV with one column per searched param (`param:<name>`), raw numbers (full precision), CRLF line
 * ends as RFC 4180 asks. Text cells (names, states, string params, errors) are escaped by csvText.
 */
export function leaderboardToCsv(rows: LeaderboardRow[]): string {
  const names = paramNames(rows);
  const head = [
    'rank', 'trial', 'state', 'value', 'best_val_acc', 'last_val_acc', 'best_epoch', 'epochs', 'duration_s', 'backend',
    ...names.map((n) => `param:${n}`),
    'enqueued',
    'error',
  ];
  const num = (v: number | null): string => (v === null || !Number.isFinite(v) ? '' : String(v));
  const param = (v: ParamValue | undefined): string => (v === undefined ? '' : typeof v === 'number' ? String(v) : csvText(String(v)));
  const lines = [head.map(csvText).join(',')];
  for (const r of rows) {
    const cells = [
      String(r.rank), String(r.trial), csvText(r.state), num(r.value), num(r.bestValAcc), num(r.lastValAcc), num(r.bestEpoch),
      String(r.epochs), r.durationSeconds === null ? '' : r.durationSeconds.toFixed(3), csvText(r.backend ?? ''),
      ...names.map((n) => param(r.params[n])),
      r.enqueued ? 'true' : 'false',
      csvText(r.error ?? ''),
    ];
    lines.push(cells.join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

// ---- JSON -----------------------------------------------------------------------------------------

export interface LeaderboardJson {
  study: string;
  direction: Direction;
  generatedAt: string;
  /** The search trials, ranked. */
  rows: LeaderboardRow[];
  /** The refit trials, by their source's rank (not ranked against `rows`). */
  refit: RefitRow[];
}

export function leaderboardToJson(study: Pick<StudyRecord, 'name' | 'direction'>, rows: LeaderboardRow[], now = new Date(), refit: RefitRow[] = []): string {
  const doc: LeaderboardJson = { study: study.name, direction: study.direction, generatedAt: now.toISOString(), rows, refit };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** Writes `leaderboard.md`, `leaderboard.csv` and `leaderboard.json` of `rows` (default: built from `study`) into `dir`; returns their paths. */
export async function writeLeaderboardFiles(study: StudyRecord, dir: string, rows = buildLeaderboard(study)): Promise<string[]> {
  const refit = buildRefitRows(study, rows);
  const md = leaderboardToMarkdown(rows, `Leaderboard of study ${study.name} (${study.direction})`);
  const files: Array<[string, string]> = [
    [join(dir, 'leaderboard.md'), refit.length ? `${md}\n${refitToMarkdown(refit)}` : md],
    [join(dir, 'leaderboard.csv'), leaderboardToCsv(rows)],
    [join(dir, 'leaderboard.json'), leaderboardToJson(study, rows, new Date(), refit)],
  ];
  for (const [file, text] of files) await writeFileAtomic(file, text);
  return files.map(([f]) => f);
}

// ---- terminal -------------------------------------------------------------------------------------

export interface LeaderboardTableOptions {
  /** Show at most this many rows (the best ones); a last line says how many were left out. */
  limit?: number;
  /** Keep cli-table3's colored header and borders (default false: plain text, fit for logs). */
  color?: boolean;
  /** Cut the params column to this many characters (default 60). */
  maxParamsWidth?: number;
}

/** The leaderboard as a cli-table3 table (a string, no trailing newline). Prints nothing. */
export function renderLeaderboardTable(rows: LeaderboardRow[], options: LeaderboardTableOptions = {}): string {
  const { limit, color = false, maxParamsWidth = 60 } = options;
  const shown = limit !== undefined && limit >= 0 ? rows.slice(0, limit) : rows;
  const table = new Table({
    head: ['#', 'trial', 'state', 'best val acc', 'last val acc', 'epochs', 'duration', 'backend', 'params'],
    colAligns: ['right', 'right', 'left', 'right', 'right', 'right', 'right', 'left', 'left'],
    style: color ? {} : { head: [], border: [] },
    chars: COMPACT_TABLE_CHARS,
  });
  for (const r of shown) {
    let params = Object.entries(r.params).map(([k, v]) => `${k}=${formatParamValue(v)}`).join(' ');
    params = params.replace(/[\u0000-\u001f\u007f]/g, ' ');
    if (params.length > maxParamsWidth) params = `${params.slice(0, Math.max(1, maxParamsWidth - 1))}…`;
    table.push([
      String(r.rank), String(r.trial), stateCell(r), formatAccuracy(r.bestValAcc), formatAccuracy(r.lastValAcc),
      String(r.epochs), formatDuration(r.durationSeconds), (r.backend ?? '-').replace(/[\u0000-\u001f\u007f]/g, ' '), params,
    ]);
  }
  let out = table.toString();
  if (shown.length < rows.length) out += `\n… ${rows.length - shown.length} more trial(s) not shown`;
  return out;
}

/** Shortcut: ranks the study's trials and renders them with {@link renderLeaderboardTable}. */
export function renderStudyTable(study: Pick<StudyRecord, 'trials' | 'direction'> & { space?: unknown }, options?: LeaderboardTableOptions): string {
  return renderLeaderboardTable(buildLeaderboard(study), options);
}

/** The best complete trial (first complete row of the leaderboard `rows` of `study`), or null. */
export function bestTrialOf(study: StudyRecord, rows = buildLeaderboard(study)): FrozenTrial | null {
  const row = rows.find((r) => r.state === 'complete' && r.value !== null);
  return row ? (study.trials.find((t) => t.number === row.trial) ?? null) : null;
}
