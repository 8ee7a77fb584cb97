/**
 * The reports of a study: leaderboard (md/csv/json), report.html and the notebook-like PNGs, all in
 * `<reportsDir>/<study folder name>/`. Public API of src/report.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FrozenTrial, StudyRecord } from '../core/types.js';
import { loadEvaluation, type EvaluationLoad } from './evaluation.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { renderReportHtml, type ReportInput } from './html.js';
import { buildLeaderboard, writeLeaderboardFiles } from './leaderboard.js';
import { LIVE_REPORT_INTERVAL_MS, ThrottledWriter, type LiveWriteMessage, type LiveWriteReply, type LiveWriteRequest } from './live.js';
import { writeBestTrialPngs } from './png.js';
import { readStudy } from '../storage/study-file.js';

export {
  buildLeaderboard,
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

export interface LiveReports {
  /** A trial started, ended or reported an epoch: rewrite the reports (throttled). */
  update(): void;
  /** Stops: drops a waiting write, waits for one in progress, ends the render thread (then write the final reports). */
  close(): Promise<void>;
  /** Whether a live write has been started (the reports folder then holds a report.html with the live banner). */
  readonly started: boolean;
}

/** The compiled render thread beside this module (under vitest, src/ maps to the built dist/). */
function liveWorkerFile(): string {
  const here = fileURLToPath(new URL('./live-worker.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = here.replace(/([\\/])src([\\/])report([\\/])live-worker\.js$/, '$1dist$2report$3live-worker.js');
  if (existsSync(built)) return built;
  throw new Error(`live report worker not found at ${here} or ${built}: run npm run build`);
}

/**
 * One render thread, started on the first write; a thread that died is replaced on the next. A write
 * still rendering (no file touched yet) can be cancelled by ending the thread: the sweep is over and
 * its final write comes next, so waiting seconds for a page nobody will see would only delay it.
 */
class LiveRenderThread {
  private worker: Worker | null = null;
  private reply: { resolve: () => void; reject: (err: Error) => void } | null = null;
  /** The write in progress was let write its files: it must finish (see cancelIfRendering). */
  private writing = false;
  private cancelled = false;

  write(req: LiveWriteRequest): Promise<void> {
    if (this.cancelled) return Promise.resolve(); // the sweep has ended: its final write comes next
    if (!this.worker) {
      const w = new Worker(liveWorkerFile());
      w.unref(); // never keeps the process alive: the final write does not need it
      w.on('message', (m: LiveWriteReply) => {
        if (m.type !== 'rendered') return this.settle(m.type === 'done' ? null : new Error(m.message));
        // Rendered, nothing written yet: write, unless the sweep ended meanwhile.
        if (this.cancelled) return this.cancelIfRendering();
        this.writing = true;
        w.postMessage({ type: 'go' } satisfies LiveWriteMessage);
      });
      w.on('error', (err) => this.settle(err));
      w.on('exit', (code) => {
        if (this.worker === w) this.worker = null;
        this.settle(new Error(`live report thread exited (code ${code})`));
      });
      this.worker = w;
    }
    const worker = this.worker;
    this.writing = false;
    return new Promise<void>((resolve, reject) => {
      this.reply = { resolve, reject };
      worker.postMessage({ type: 'write', ...req } satisfies LiveWriteMessage);
    });
  }

  private settle(err: Error | null): void {
    const r = this.reply;
    this.reply = null;
    if (err) r?.reject(err);
    else r?.resolve();
  }

  /**
   * Ends a write that is still rendering: it wrote nothing (the thread writes only after our `go`), and
   * it is not an error (no warning). A write already let go runs to its end.
   */
  cancelIfRendering(): void {
    this.cancelled = true;
    if (!this.reply || this.writing) return;
    this.settle(null);
    void this.close();
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    await w?.terminate();
  }
}

/**
 * The live reports of a running sweep: leaderboard.md/.csv/.json and report.html (not the PNGs: the
 * final write makes them), rewritten at most every LIVE_REPORT_INTERVAL_MS (see ThrottledWriter; the
 * first no sooner than that after the start, so a sweep of a few seconds writes none), with a report.html
 * whose banner says it is live and names the dashboard (it never reloads itself). Rendered in a worker thread (live-worker.ts).
 * `readStudy` gives the study as its store has it now (lowdb or Redis). The caller writes the final
 * reports (plain writeReports, no banner) after `close()`.
 */
export function startLiveReports(opts: {
  studyDir: string;
  reportsDir: string;
  readStudy: () => Promise<StudyRecord>;
  onError: (err: unknown) => void;
  minIntervalMs?: number;
}): LiveReports {
  const thread = new LiveRenderThread();
  const writer = new ThrottledWriter(
    async () => {
      const study = await opts.readStudy();
      await thread.write({ studyDir: opts.studyDir, reportsDir: opts.reportsDir, study });
    },
    { minIntervalMs: opts.minIntervalMs ?? LIVE_REPORT_INTERVAL_MS, onError: opts.onError, firstAfterMs: opts.minIntervalMs ?? LIVE_REPORT_INTERVAL_MS },
  );
  return {
    update: () => writer.request(),
    close: async () => {
      thread.cancelIfRendering();
      await writer.close();
      await thread.close();
    },
    get started() {
      return writer.writes > 0;
    },
  };
}
