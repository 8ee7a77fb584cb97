/**
 * `digit-sweep sweep [SPACE]`: run (or resume) a study. First Ctrl-C: no new trials, running ones stop
 * at their next epoch end (suspended: the rerun continues them from their checkpoints), the store and the
 * leaderboard are written, exit 130. Second Ctrl-C: exit at once; the study still resumes.
 */
import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import type { TrainerKind } from '../pool/protocol.js';
import { BACKEND_CHOICES, TRAINER_CHOICES } from './shared.js';
import { createSweepView, type SweepView } from './sweep-view.js';

interface SweepArgs {
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
}

export const command: CommandModule<object, SweepArgs> = {
  command: 'sweep [space]',
  describe: 'Run or resume a hyperparameter sweep (default: the embedded quickstart space)',
  builder: (y) =>
    y
      .positional('space', { type: 'string', describe: 'search-space file (YAML or JSON), e.g. search-spaces/quickstart.yaml' })
      .option('study', { type: 'string', describe: 'study name (default: the space file name); an existing study is resumed' })
      .option('workers', { type: 'number', describe: 'parallel trials (default: the space budget.workers, else one per core on wasm, one per GPU)' })
      .option('backend', { type: 'string', choices: BACKEND_CHOICES, default: 'auto' })
      .option('trials', { type: 'number', describe: 'override the space budget.trials' })
      .option('runs', { type: 'string', default: 'runs', describe: 'folder of the studies' })
      .option('reports', { type: 'string', default: 'reports', describe: 'folder of the reports' })
      .option('isolation', {
        type: 'string',
        choices: ['thread', 'process'],
        describe: 'run trials in worker threads or child processes (default: process on tensorflow, else thread)',
      })
      .option('redis', { type: 'string', describe: 'keep the study in Redis and run trials on `digit-sweep worker` processes, e.g. redis://redis-host.example:6379' })
      .option('trainer', { type: 'string', choices: TRAINER_CHOICES, default: 'tfjs', hidden: true }),
  handler: async (argv) => {
    const { runSweep } = await import('../study/sweep.js');
    const stop = new AbortController();
    let view: SweepView | null = null;
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
        stopSignal: stop.signal,
        log: (line) => console.error(line),
        onStart: (s) => {
          console.log(`study ${s.study} in ${s.studyDir} (space: ${s.spaceFile})`);
          console.log(`data: ${s.data.source}: ${s.data.train.count} train / ${s.data.val.count} validation / ${s.data.test.count} test images`);
          if (argv.redis) console.log(`backend: ${s.backend} (${s.backendReason}); study in Redis ${argv.redis}, up to ${s.workers} trial(s) at once on digit-sweep worker processes`);
          else console.log(`backend: ${s.backend} (${s.backendReason}); ${s.workers} worker ${s.isolation === 'process' ? 'process' : 'thread'}(s)`);
          const p = s.space.pruner.type;
          console.log(`sampler: ${s.space.sampler.type}; pruner: ${p}; budget: ${s.space.budget.trials} trials x ${s.space.fixed.epochs} epochs`);
          if (s.resumed.length) console.log(`resuming: ${s.resumed.length} trial(s) already in the study`);
          view = createSweepView({
            total: s.space.budget.trials,
            epochs: s.space.fixed.epochs,
            already: s.resumed,
            metric: s.space.objective.metric,
            maximize: s.space.objective.direction === 'maximize',
          });
        },
        onEvent: (e) => view?.onEvent(e),
      });
      (view as SweepView | null)?.stop();
      console.log(`sweep ended: ${result.reason}`);
      const { writeReports, readStudy, renderStudyTable } = await import('../report/index.js');
      const study = await readStudy(result.studyDir);
      console.log(renderStudyTable(study, { limit: 15 }));
      const reports = await writeReports(result.studyDir, resolve(argv.reports));
      if (reports.bestTrial !== null) {
        const best = study.trials.find((t) => t.number === reports.bestTrial)!;
        console.log(`best: trial ${best.number}, value ${best.value?.toFixed(4)}${best.modelDir ? `, model in ${resolve(result.studyDir, best.modelDir)}` : ''}`);
      }
      console.log(`reports: ${reports.dir} (leaderboard.md/.csv/.json, report.html)`);
      if (stop.signal.aborted) process.exitCode = 130;
      else if (result.failed) {
        console.error(`digit-sweep: sweep stopped: ${result.reason}; see the errors with: digit-sweep status ${result.study}`);
        process.exitCode = 1;
      }
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};
