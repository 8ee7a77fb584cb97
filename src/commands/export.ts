/** `digit-sweep export NAME`: the best model(s) of a study -> model files, submission.csv, export.json. */
import type { CommandModule } from 'yargs';
import { describeBadValue, UserError } from '../core/errors.js';
import { checkStudyName } from '../study/names.js';
import { BACKEND_CHOICES, progressBar } from './shared.js';

interface ExportArgs {
  name: string;
  runs: string;
  redis?: string;
  out?: string;
  top: number;
  tta: boolean;
  backend: string;
}

export const command: CommandModule<object, ExportArgs> = {
  command: 'export <name>',
  describe: "Export a study's best model and a Kaggle submission.csv predicted on its test set",
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true, describe: 'study name (folder under --runs)' })
      .option('runs', { type: 'string', default: 'runs', describe: 'folder of the studies' })
      .option('out', { type: 'string', describe: 'destination folder (default reports/<study>/export)' })
      .option('top', { type: 'number', default: 1, describe: 'average the softmax of the K best complete trials with a kept model' })
      .option('tta', { type: 'boolean', default: false, describe: 'test-time augmentation: average over the clean image and fixed shifts/rotations' })
      .option('backend', { type: 'string', choices: BACKEND_CHOICES, default: 'auto' })
      .option('redis', { type: 'string', describe: 'read the study from Redis (a sweep --redis study); a copy goes to <runs>/<name>/study.json' }),
  handler: async (argv) => {
    checkStudyName(argv.name);
    if (!(Number.isInteger(argv.top) && argv.top >= 1)) throw new UserError(describeBadValue('argument', '--top', 'must be a positive integer', argv.top));
    if (argv.redis) await (await import('../study/remote.js')).syncFromRedis(argv.redis, argv.name, argv.runs);
    const { exportStudy } = await import('../export/index.js');
    const bar = progressBar();
    const result = await exportStudy({
      study: argv.name,
      runsDir: argv.runs,
      ...(argv.out !== undefined ? { outDir: argv.out } : {}),
      top: argv.top,
      tta: argv.tta,
      backend: argv.backend as never,
      onStart: (info) => {
        console.log(`backend: ${info.backend}`);
        const used = info.trials.map((c) => `#${c.trial.number}`).join(', ');
        const skipped = info.notKept.length ? `; not kept on disk: ${info.notKept.map((n) => `#${n}`).join(', ')}` : '';
        console.log(
          argv.top === 1
            ? `model: trial ${used}${skipped}`
            : `ensemble: ${info.trials.length} of the ${argv.top} requested models (trials ${used})${skipped}`,
        );
        console.log(`test: ${info.images} images from ${info.testSource}${argv.tta ? ', with test-time augmentation' : ''}`);
      },
      onProgress: (done, total) => bar.update(done, total),
    });
    bar.stop();
    const pct = (v: number | null) => (v === null ? 'unknown' : `${(v * 100).toFixed(2)}%`);
    for (const t of result.trials) console.log(`trial #${t.number}  value ${t.value.toFixed(4)}  test accuracy ${pct(t.testAccuracy)}`);
    const what = result.used > 1 ? `ensemble of ${result.used}` : 'submission';
    const views = result.tta ? ` (TTA over ${result.views.length} views)` : '';
    console.log(
      result.accuracy === null
        ? `${what}${views}: test accuracy unknown (the test set has no labels; score it on Kaggle)`
        : `${what}${views}: test accuracy ${pct(result.accuracy)}`,
    );
    console.log(`wrote ${result.outDir}: ${result.files.join(', ')} (${result.rows} rows in submission.csv)`);
  },
};
