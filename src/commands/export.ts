/** `digit-sweep export NAME`: the best model(s) of a study -> model files, submission.csv, export.json. */
import type { CommandModule } from 'yargs';
import { describeBadValue, UserError } from '../core/errors.js';
import { EXPORT_OPTIONS, MODEL_CHOICES, type ModelChoice } from '../core/export-options.js';
import type { ExportOptions, ExportResult } from '../export/index.js';
import { checkStudyName } from '../study/names.js';
import { BACKEND_CHOICES, BACKEND_DESCRIBE, inferenceProgress } from './shared.js';

interface ExportArgs {
  name: string;
  runs: string;
  redis?: string;
  out?: string;
  top?: number;
  tta?: boolean;
  models?: string;
  backend: string;
  workers?: number;
}

export const command: CommandModule<object, ExportArgs> = {
  command: 'export <name>',
  describe: "Export a study's best model and a Kaggle submission.csv predicted on its test set",
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true, describe: 'study name (folder under --runs)' })
      .option('runs', { type: 'string', default: 'runs', describe: 'folder of the studies' })
      .option('out', { type: 'string', describe: 'destination folder (default reports/<study>/export)' })
      // No defaults here: an option not given comes from the study's space's export: section (core/export-options.ts).
      .option('top', { type: 'number', describe: `${EXPORT_OPTIONS.top.describe} (default: the space's export.top, else ${EXPORT_OPTIONS.top.default})` })
      .option('models', { type: 'string', choices: MODEL_CHOICES, describe: `${EXPORT_OPTIONS.models.describe} (default: the space's export.models, else ${EXPORT_OPTIONS.models.default})` })
      .option('tta', { type: 'boolean', describe: `${EXPORT_OPTIONS.tta.describe} (default: the space's export.tta, else ${EXPORT_OPTIONS.tta.default})` })
      .option('backend', { type: 'string', choices: BACKEND_CHOICES, default: 'auto', describe: BACKEND_DESCRIBE })
      .option('workers', { type: 'number', describe: 'inference threads (default: one per core on wasm/cpu; 1 = the main thread only)' })
      .option('redis', { type: 'string', describe: 'read the study from Redis (a sweep --redis study); a copy goes to <runs>/<name>/study.json' }),
  handler: async (argv) => {
    checkStudyName(argv.name);
    if (argv.top !== undefined && !(Number.isInteger(argv.top) && argv.top >= 1)) throw new UserError(describeBadValue('argument', '--top', 'must be a positive integer', argv.top));
    if (argv.workers !== undefined && !(Number.isInteger(argv.workers) && argv.workers >= 1)) {
      throw new UserError(describeBadValue('argument', '--workers', 'must be a positive integer', argv.workers));
    }
    if (argv.redis) await (await import('../study/remote.js')).syncFromRedis(argv.redis, argv.name, argv.runs);
    await exportWithProgress({
      study: argv.name,
      runsDir: argv.runs,
      ...(argv.out !== undefined ? { outDir: argv.out } : {}),
      ...(argv.top !== undefined ? { top: argv.top } : {}),
      ...(argv.tta !== undefined ? { tta: argv.tta } : {}),
      ...(argv.models !== undefined ? { models: argv.models as ModelChoice } : {}),
      backend: argv.backend as never,
      ...(argv.workers !== undefined ? { workers: argv.workers } : {}),
    });
  },
};

/** `exportStudy` with the export command's printout (also what `sweep` runs at its end for a space's export: section). */
export async function exportWithProgress(opts: Omit<ExportOptions, 'onStart' | 'onProgress'>): Promise<ExportResult> {
  const { exportStudy } = await import('../export/index.js');
  let bar: ReturnType<typeof inferenceProgress> | null = null;
  let started = performance.now();
  const result = await exportStudy({
    ...opts,
    onStart: (info) => {
      bar = inferenceProgress(info.images, { label: 'export' });
      started = performance.now();
      const { top, tta, models } = info.choices;
      console.log(`backend: ${info.backend}; top ${top}, tta ${tta}, models ${models}`);
      const used = info.trials.map((c) => (c.trial.refit ? `#${c.trial.number} (refit of #${c.trial.refit.source})` : `#${c.trial.number}`)).join(', ');
      const skipped = info.notKept.length ? `; not kept on disk: ${info.notKept.map((n) => `#${n}`).join(', ')}` : '';
      const kind = info.kind === 'refit' ? ' (refit models, retrained on every labeled image)' : '';
      console.log(
        top === 1
          ? `model${kind}: trial ${used}${skipped}`
          : `ensemble${kind}: ${info.trials.length} of the ${top} requested models (trials ${used})${skipped}`,
      );
      console.log(`test: ${info.images} images from ${info.testSource}${tta ? ', with test-time augmentation' : ''}`);
    },
    onProgress: (done, total) => bar?.update(done, total),
  });
  (bar as ReturnType<typeof inferenceProgress> | null)?.stop();
  const seconds = (performance.now() - started) / 1000;
  const predictions = result.rows * result.used * result.views.length;
  console.log(`inference: ${result.rows} images x ${result.used} model(s) x ${result.views.length} view(s) in ${seconds.toFixed(1)} s (${Math.round(predictions / seconds)} predictions/s)`);
  const pct = (v: number | null) => (v === null ? 'unknown' : `${(v * 100).toFixed(2)}%`);
  for (const t of result.trials) {
    const what = t.kind === 'refit' ? `refit of #${t.refitOf}  last-epoch train ${t.value.toFixed(4)}` : `value ${t.value.toFixed(4)}`;
    console.log(`trial #${t.number}  ${what}  test accuracy ${pct(t.testAccuracy)}`);
  }
  const what = result.used > 1 ? `ensemble of ${result.used}` : 'submission';
  const views = result.tta ? ` (TTA over ${result.views.length} views)` : '';
  console.log(
    result.accuracy === null
      ? `${what}${views}: test accuracy unknown (the test set has no labels; score it on Kaggle)`
      : `${what}${views}: test accuracy ${pct(result.accuracy)}`,
  );
  console.log(`wrote ${result.outDir}: ${result.files.join(', ')} (${result.rows} rows in submission.csv)`);
  return result;
}
