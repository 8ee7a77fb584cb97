/**
 * `digit-sweep sweep [SPACE]`: run (or resume) a study. First Ctrl-C: no new trials, running ones stop
 * at their next epoch end (suspended: the rerun continues them from their checkpoints), the store and the
 * leaderboard are written, exit 130. Second Ctrl-C: exit at once; the study still resumes.
 */
import { basename, join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { UserError } from '../core/errors.js';
import type { TrainerKind } from '../pool/protocol.js';
import type { LiveReports } from '../report/live-reports.js';
import type { ExportConfig } from '../search-space/index.js';
import { exportWithProgress } from './export.js';
import { BACKEND_CHOICES, BACKEND_DESCRIBE, TRAINER_CHOICES } from './shared.js';
import { createSweepView, type SweepView } from './sweep-view.js';

export interface SweepArgs {
  space?: string;
  study?: string;
  workers?: number;
  backend: string;
  trials?: number;
  runs: string;
  reports: string;
  trainer: string;
  isolation?: string;
  redis?: string;
  /** `digit-sweep refit`: only the refit of an existing study (see study/sweep.ts refitOnly). */
  refitOnly?: boolean;
  top?: number;
  epochs?: number;
  /** Hidden: ms between live report writes (default LIVE_REPORT_INTERVAL_MS; tests make it short). */
  'live-report-ms'?: number;
  /** No reports, live or final (`digit-sweep report NAME` writes them later). */
  'skip-reports'?: boolean;
}

export const command: CommandModule<object, SweepArgs> = {
  command: 'sweep [space]',
  describe: 'Run or resume a hyperparameter sweep (default: the embedded quickstart space)',
  builder: (y) =>
    y
      .positional('space', { type: 'string', describe: 'search-space file (YAML or JSON), e.g. search-spaces/quickstart.yaml' })
      .option('study', { type: 'string', describe: 'study name (default: the space file name); an existing study is resumed' })
      .option('workers', { type: 'number', describe: 'parallel trials (default: the space budget.workers, else one per core on wasm, one per GPU)' })
      .option('backend', { type: 'string', choices: BACKEND_CHOICES, default: 'auto', describe: BACKEND_DESCRIBE })
      .option('trials', { type: 'number', describe: 'override the space budget.trials' })
      .option('runs', { type: 'string', default: 'runs', describe: 'folder of the studies' })
      .option('reports', { type: 'string', default: 'reports', describe: 'folder of the reports' })
      .option('skip-reports', { type: 'boolean', default: false, describe: 'write no reports, live or final (digit-sweep report NAME writes them later)' })
      .option('isolation', {
        type: 'string',
        choices: ['thread', 'process'],
        describe: 'run trials in worker threads or child processes (default: process on tensorflow, else thread)',
      })
      .option('redis', { type: 'string', describe: 'keep the study in Redis and run trials on `digit-sweep worker` processes, e.g. redis://redis-host.example:6379' })
      .option('trainer', { type: 'string', choices: TRAINER_CHOICES, default: 'tfjs', hidden: true })
      .option('live-report-ms', { type: 'number', hidden: true, describe: 'ms between live report writes, the first one too (default 5000)' }),
  handler: (argv) => sweepCommand(argv),
};

/** The sweep command's body, shared with `digit-sweep refit` (refitOnly): progress, live report, Ctrl-C, final reports. */
export async function sweepCommand(argv: SweepArgs): Promise<void> {
  const { runSweep } = await import('../study/sweep.js');
  // The report writer (vega, resvg) loads at the final write, not here: a sweep stopped before its end
  // never pays for it, and the live writes render in their own thread.
  const liveReports = await import('../report/live-reports.js');
  const reportWriter = () => import('../report/index.js');
  // Here, not at the top: `digit-sweep --help` loads every command module, and these load zod and yaml.
  const { epochsRange } = await import('../search-space/index.js');
  const { describeSampler } = await import('../study/recorded-sampler.js');
  const stop = new AbortController();
  let view: SweepView | null = null;
  let live: LiveReports | null = null;
  let studyDir: string | null = null;
  let exportSection: ExportConfig | undefined;
  const reportsDir = resolve(argv.reports);
  const skipReports = argv['skip-reports'] === true;
  const liveMs = argv['live-report-ms'];
  if (liveMs !== undefined && !(Number.isFinite(liveMs) && liveMs >= 0)) throw new UserError(`argument --live-report-ms: must be a number of milliseconds >= 0 (got ${liveMs})`);
  const onSigint = () => {
    if (stop.signal.aborted) {
      view?.stop();
      console.error('\nsecond Ctrl-C: exiting now; run the same command again to resume the study');
      process.exit(130);
    }
    stop.abort();
    console.error('\nCtrl-C: no new trials; running trials stop after their current epoch (Ctrl-C again to exit now)');
  };
  process.on('SIGINT', onSigint);
  try {
    const result = await runSweep({
      ...(argv.space ? { spaceFile: argv.space } : {}),
      ...(argv.study ? { study: argv.study } : {}),
      ...(argv.workers !== undefined ? { workers: argv.workers } : {}),
      ...(argv.trials !== undefined ? { trials: argv.trials } : {}),
      backend: argv.backend,
      runsDir: argv.runs,
      trainer: argv.trainer as TrainerKind,
      ...(argv.isolation ? { isolation: argv.isolation as 'thread' | 'process' } : {}),
      ...(argv.redis ? { redis: argv.redis } : {}),
      ...(argv.refitOnly ? { refitOnly: true } : {}),
      ...(argv.top !== undefined || argv.epochs !== undefined ? { refit: { top: argv.top ?? 1, epochs: argv.epochs ?? ('auto' as const) } } : {}),
      onRefit: (plan) => {
        const text = plan.map((c) => `#${c.refit.source} x ${c.refit.epochs} epoch(s)`).join(', ');
        console.log(`refit: ${plan.length} configuration(s) on every labeled image, no validation (${text || 'none'}); ones already done are not redone`);
      },
      stopSignal: stop.signal,
      log: (line) => console.error(line),
      onStart: (s) => {
        console.log(`study ${s.study} in ${s.studyDir} (space: ${s.spaceFile})`);
        console.log(`data: ${s.data.source}: ${s.data.train.count} train / ${s.data.val.count} validation / ${s.data.test.count} test images`);
        if (argv.redis) console.log(`backend: ${s.backend} (${s.backendReason}); study in Redis ${argv.redis}, up to ${s.workers} trial(s) at once on digit-sweep worker processes`);
        else console.log(`backend: ${s.backend} (${s.backendReason}); ${s.workers} worker ${s.isolation === 'process' ? 'process' : 'thread'}(s)`);
        const p = s.space.pruner.type;
        const epochs = epochsRange(s.space);
        const perTrial = epochs.searched ? `${epochs.min}-${epochs.max} (searched)` : String(epochs.max);
        if (!argv.refitOnly) console.log(`sampler: ${describeSampler(s.space.sampler)}; pruner: ${p}; budget: ${s.space.budget.trials} trials x ${perTrial} epochs`);
        if (s.resumed.length) console.log(`resuming: ${s.resumed.length} trial(s) already in the study`);
        view = createSweepView({
          total: s.space.budget.trials,
          epochs: epochs.max,
          already: s.resumed,
          metric: s.space.objective.metric,
          maximize: s.space.objective.direction === 'maximize',
        });
        studyDir = s.studyDir;
        exportSection = s.space.export;
        // Said before the progress bar starts (a line printed later would break the bar on a terminal).
        if (!skipReports) console.log(`live report: ${join(reportsDir, basename(s.studyDir), 'report.html')} (rewritten as trials run)`);
        console.log(`dashboard (a page that updates itself as trials run): ${studyCommand('dashboard', s.study, argv)}`);
        if (skipReports) return;
        live = startLiveReports(liveReports, { studyDir: s.studyDir, reportsDir, readStudy: s.readStudy, ...(liveMs !== undefined ? { minIntervalMs: liveMs } : {}) });
        live.update();
      },
      onEvent: (e) => {
        view?.onEvent(e);
        if (e.type !== 'stop') live?.update();
      },
      // Before the store closes: a live write in progress ends, a waiting one is dropped.
      onEnd: () => live?.close(),
    }).catch(async (err: unknown) => {
      // The sweep failed after its live report began: rewrite the report without the live banner, so
      // it stops saying the sweep is running. Best effort: the sweep's own error is what this command
      // reports, so a failure here is a warning (a Redis study has no study.json yet, for one).
      if (live?.started && studyDir) {
        await (await reportWriter()).writeReports(studyDir, reportsDir).catch((e: unknown) =>
          console.error(`warning: ${join(reportsDir, basename(studyDir!), 'report.html')} may still say the sweep is running (${(e as Error).message}); digit-sweep report writes it again`),
        );
      }
      throw err;
    });
    (view as SweepView | null)?.stop();
    console.log(`sweep ended: ${result.reason}`);
    const board = await import('../report/leaderboard.js');
    const study = await (await import('../storage/study-file.js')).readStudy(result.studyDir);
    console.log(board.renderStudyTable(study, { limit: 15 }));
    const rows = board.buildLeaderboard(study);
    const refitTable = board.renderRefitTable(board.buildRefitRows(study, rows));
    if (refitTable) console.log(refitTable);
    const best = board.bestTrialOf(study, rows);
    if (best) console.log(`best: trial ${best.number}, value ${best.value?.toFixed(4)}${best.modelDir ? `, model in ${resolve(result.studyDir, best.modelDir)}` : ''}`);
    if (skipReports) {
      console.log(`reports: not written (--skip-reports); write them with: ${studyCommand('report', result.study, argv)}`);
    } else {
      // The final write: no live banner in report.html, and an error here is the command's error (exit 1).
      const reports = await (await reportWriter()).writeReports(result.studyDir, reportsDir, { study });
      console.log(`reports: ${reports.dir} (leaderboard.md/.csv/.json, report.html)`);
    }
    if (stop.signal.aborted) process.exitCode = 130;
    else if (result.failed) {
      console.error(`digit-sweep: sweep stopped: ${result.reason}; see the errors with: digit-sweep status ${result.study}`);
      process.exitCode = 1;
    } else if (exportSection && !argv.refitOnly) await exportAtEnd(result.study, argv, exportSection);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/**
 * The space's `export:` section, run when the sweep ends: the submission, through the export command's
 * own code path. A failure here takes nothing from the study (its trials and models are written and
 * stay): it is reported in one line with the command that reruns the export, and the exit code is 1.
 */
async function exportAtEnd(study: string, argv: SweepArgs, section: ExportConfig): Promise<void> {
  const outDir = resolve(argv.reports, study, 'export');
  console.log(`export (the space's export: section: top ${section.top}, tta ${section.tta}, models ${section.models}):`);
  try {
    const result = await exportWithProgress({ study, runsDir: argv.runs, outDir, ...section, backend: argv.backend as never });
    console.log(`submission: ${join(result.outDir, 'submission.csv')}`);
  } catch (err) {
    // Not swallowed: reported in one line with exit code 1; a sweep's trained study is worth more than
    // the export's stack trace, and `digit-sweep export` reruns it (and shows any stack) from the study.
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
    const where = `${argv.runs === 'runs' ? '' : ` --runs ${argv.runs}`}${argv.reports === 'reports' ? '' : ` --out ${outDir}`}`;
    console.error(`digit-sweep: the study ${study} is trained and kept, but its submission was not written: ${message}; rerun it with: digit-sweep export ${study}${where}`);
    process.exitCode = 1;
  }
}

/**
 * The sweep's live report (reports/NAME/ rewritten while trials run, report.html with a live banner).
 * A failed live write does not stop the sweep: the trials and the study are what a sweep is for, and
 * the reports can be rewritten from the study at any time (the final write at the end, `digit-sweep
 * report`). Nor is it silent: the first failure, and any with a different message, print a warning line
 * on stderr; a persistent problem (disk full, a read-only folder) then fails the final write, loudly.
 */
function startLiveReports(
  live: typeof import('../report/live-reports.js'),
  opts: Omit<Parameters<typeof import('../report/live-reports.js').startLiveReports>[0], 'onError'>,
): LiveReports {
  let lastError = '';
  return live.startLiveReports({
    ...opts,
    onError: (err) => {
      const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
      if (message === lastError) return;
      lastError = message;
      console.error(`warning: live report not written (${message}); the sweep goes on and writes the reports again when it ends`);
    },
  });
}

/** The exact `digit-sweep dashboard|report` command for this study (the options that differ from the defaults). */
function studyCommand(command: 'dashboard' | 'report', study: string, argv: Pick<SweepArgs, 'runs' | 'redis' | 'reports'>): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);
  return [
    `digit-sweep ${command}`,
    q(study),
    argv.runs !== 'runs' ? `--runs ${q(argv.runs)}` : '',
    command === 'report' && argv.reports !== 'reports' ? `--reports ${q(argv.reports)}` : '',
    argv.redis ? `--redis ${q(argv.redis)}` : '',
  ].filter(Boolean).join(' ');
}
