/**
 * The reports of a study: leaderboard (md/csv/json), report.html and the notebook-like PNGs, all in
 * `<reportsDir>/<study folder name>/`. Public API of src/report.
 */
import { rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { FrozenTrial, StudyRecord } from '../study/types.js';
import { loadEvaluation, type EvaluationLoad } from './evaluation.js';
import { writeFileAtomic } from './fs.js';
import { renderReportHtml } from './html.js';
import { buildLeaderboard, writeLeaderboardFiles } from './leaderboard.js';
import { LIVE_REPORT_INTERVAL_MS, LIVE_REPORT_REFRESH_SECONDS, ThrottledWriter } from './live.js';
import { writeBestTrialPngs } from './png.js';
import { readStudy } from './study.js';

export {
  buildLeaderboard,
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
export { renderReportHtml, type ReportInput } from './html.js';
export { svgToPng, digitPng, writeBestTrialPngs } from './png.js';
export { renderSvg } from './vega.js';
export { computeImportance, IMPORTANCE_METHOD, type ImportanceResult, type ParamImportance } from './importance.js';
export { loadEvaluation, type EvaluationLoad } from './evaluation.js';
export { readStudy } from './study.js';
export { escapeHtml } from './format.js';
export { writeFileAtomic } from './fs.js';
export { LIVE_REPORT_INTERVAL_MS, LIVE_REPORT_REFRESH_SECONDS, ThrottledWriter } from './live.js';
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

/** The best complete trial (first complete row of the leaderboard `rows` of `study`), or null. */
export function bestTrialOf(study: StudyRecord, rows = buildLeaderboard(study)): FrozenTrial | null {
  const row = rows.find((r) => r.state === 'complete' && r.value !== null);
  return row ? (study.trials.find((t) => t.number === row.trial) ?? null) : null;
}

/**
 * Writes every report of the study in `studyDir` into `<reportsDir>/<basename(studyDir)>/`:
 * leaderboard.md/.csv/.json, report.html, accuracy.png, loss.png and (when the best trial has an
 * eval.json) confusion_matrix.png. Reads the current study.json, so it works while a sweep runs.
 * A missing study is a UserError. `options.study` is the record to report instead of study.json (a
 * running sweep's store, e.g. Redis); `options.refreshSeconds` makes report.html reload itself (live).
 */
export async function writeReports(
  studyDir: string,
  reportsDir: string,
  options: { now?: Date; study?: StudyRecord; refreshSeconds?: number } = {},
): Promise<WrittenReports> {
  const study = options.study ?? (await readStudy(studyDir));
  const dir = join(reportsDir, basename(resolve(studyDir)));
  const rows = buildLeaderboard(study);
  const best = bestTrialOf(study, rows);
  const evaluation = best ? await loadEvaluation(studyDir, best.number) : null;
  const files = await writeLeaderboardFiles(study, dir, rows);
  const html = await renderReportHtml({
    study,
    rows,
    best,
    evaluation,
    generatedAt: options.now ?? new Date(),
    ...(options.refreshSeconds !== undefined ? { refreshSeconds: options.refreshSeconds } : {}),
  });
  const htmlFile = join(dir, 'report.html');
  await writeFileAtomic(htmlFile, html);
  files.push(htmlFile);
  const pngs = best ? await writeBestTrialPngs(best, evaluation?.ok ? evaluation.evaluation : null, dir) : [];
  files.push(...pngs);
  // A PNG of an earlier run that this run did not redo would be stale: remove it.
  for (const name of ['accuracy.png', 'loss.png', 'confusion_matrix.png']) {
    if (!pngs.includes(join(dir, name))) await rm(join(dir, name), { force: true });
  }
  return { study: study.name, dir, files, bestTrial: best?.number ?? null, evaluation };
}

export interface LiveReports {
  /** A trial started, ended or reported an epoch: rewrite the reports (throttled). */
  update(): void;
  /** Stops: drops a waiting write and waits for one in progress (then write the final reports). */
  close(): Promise<void>;
  /** Whether a live write has been started (the reports folder then holds a reloading report.html). */
  readonly started: boolean;
}

/**
 * The live reports of a running sweep: every file writeReports writes, rewritten at most every
 * LIVE_REPORT_INTERVAL_MS (see ThrottledWriter), with a report.html that reloads itself every
 * LIVE_REPORT_REFRESH_SECONDS. `readStudy` gives the study as its store has it now (lowdb or Redis).
 * The caller writes the final reports (plain writeReports, no reload) after `close()`.
 */
export function startLiveReports(opts: {
  studyDir: string;
  reportsDir: string;
  readStudy: () => Promise<StudyRecord>;
  onError: (err: unknown) => void;
  minIntervalMs?: number;
  refreshSeconds?: number;
}): LiveReports {
  const writer = new ThrottledWriter(
    async () => {
      const study = await opts.readStudy();
      await writeReports(opts.studyDir, opts.reportsDir, { study, refreshSeconds: opts.refreshSeconds ?? LIVE_REPORT_REFRESH_SECONDS });
    },
    { minIntervalMs: opts.minIntervalMs ?? LIVE_REPORT_INTERVAL_MS, onError: opts.onError },
  );
  return {
    update: () => writer.request(),
    close: () => writer.close(),
    get started() {
      return writer.writes > 0;
    },
  };
}
