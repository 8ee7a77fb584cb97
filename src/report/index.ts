/**
 * The reports of a study: leaderboard (md/csv/json), report.html and the notebook-like PNGs, all in
 * `<reportsDir>/<study folder name>/`. Public API of src/report.
 */
import { rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { StudyRecord } from '../core/types.js';
import { loadEvaluation, type EvaluationLoad } from './evaluation.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { renderReportHtml, type ReportInput } from './html.js';
import { bestTrialOf, buildLeaderboard, writeLeaderboardFiles } from './leaderboard.js';
import { writeBestTrialPngs } from './png.js';
import { readStudy } from '../storage/study-file.js';

export {
  buildLeaderboard,
  bestTrialOf,
  buildRefitRows,
  refitToMarkdown,
  renderRefitTable,
  type RefitRow,
  compareTrials,
  csvField,
  csvText,
  leaderboardToCsv,
  leaderboardToJson,
  leaderboardToMarkdown,
  renderLeaderboardTable,
  renderStudyTable,
  writeLeaderboardFiles,
  type LeaderboardRow,
  type LeaderboardTableOptions,
} from './leaderboard.js';
export { renderReportHtml, renderReportParts, reportPage, type ReportInput, type ReportParts } from './html.js';
export { svgToPng, digitPng, writeBestTrialPngs } from './png.js';
export { renderSvg } from './vega.js';
export { computeImportance, IMPORTANCE_METHOD, type ImportanceResult, type ParamImportance } from './importance.js';
export { loadEvaluation, type EvaluationLoad } from './evaluation.js';
export { readStudy } from '../storage/study-file.js';
export { escapeHtml } from './format.js';
export { writeFileAtomic } from '../core/atomic-write.js';
export { LIVE_REPORT_INTERVAL_MS, ThrottledWriter } from './live.js';
export { startLiveReports, type LiveReports } from './live-reports.js';
export { scoreSubmission, renderScore, type ScoreResult } from './score.js';

export interface WrittenReports {
  study: string;
  /** The folder written: `<reportsDir>/<basename(studyDir)>`. */
  dir: string;
  files: string[];
  /** The trial the details are about, and whether its eval.json was usable. */
  bestTrial: number | null;
  evaluation: EvaluationLoad | null;
}

/** What report.html and the dashboard render for `study`: its leaderboard, best trial and that trial's eval.json. */
export async function reportInputOf(study: StudyRecord, studyDir: string): Promise<ReportInput> {
  const rows = buildLeaderboard(study);
  const best = bestTrialOf(study, rows);
  const evaluation = best ? await loadEvaluation(studyDir, best.number) : null;
  return { study, rows, best, evaluation, studyDir };
}

/**
 * Writes every report of the study in `studyDir` into `<reportsDir>/<basename(studyDir)>/`:
 * leaderboard.md/.csv/.json, report.html, accuracy.png, loss.png and (when the best trial has an
 * eval.json) confusion_matrix.png. Reads the current study.json, so it works while a sweep runs.
 * A missing study is a UserError. `options.study` is the record to report instead of study.json (a
 * running sweep's store, e.g. Redis); `options.live` gives report.html the live banner (never a reload);
 * `options.pngs: false` leaves the PNGs as they are (neither written nor removed: the live report's
 * writes skip them, they cost as much as the rest together).
 */
export async function writeReports(
  studyDir: string,
  reportsDir: string,
  options: {
    now?: Date;
    study?: StudyRecord;
    live?: boolean;
    pngs?: boolean;
    /** Awaited once report.html is rendered, before the first file is written (until then, stopping writes nothing). */
    onRendered?: () => Promise<void> | void;
  } = {},
): Promise<WrittenReports> {
  const study = options.study ?? (await readStudy(studyDir));
  const dir = join(reportsDir, basename(resolve(studyDir)));
  const input = await reportInputOf(study, studyDir);
  const { rows, best, evaluation } = input;
  const html = await renderReportHtml({ ...input, generatedAt: options.now ?? new Date(), live: options.live ?? false });
  await options.onRendered?.();
  const files = await writeLeaderboardFiles(study, dir, rows);
  const htmlFile = join(dir, 'report.html');
  await writeFileAtomic(htmlFile, html);
  files.push(htmlFile);
  if (options.pngs === false) return { study: study.name, dir, files, bestTrial: best?.number ?? null, evaluation };
  const pngs = best ? await writeBestTrialPngs(best, evaluation?.ok ? evaluation.evaluation : null, dir) : [];
  files.push(...pngs);
  // A PNG of an earlier run that this run did not redo would be stale: remove it.
  for (const name of ['accuracy.png', 'loss.png', 'confusion_matrix.png']) {
    if (!pngs.includes(join(dir, name))) await rm(join(dir, name), { force: true });
  }
  return { study: study.name, dir, files, bestTrial: best?.number ?? null, evaluation };
}
