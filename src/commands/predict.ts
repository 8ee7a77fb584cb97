/** `digit-sweep predict --model DIR FILE...`: the digit in PNG pictures or CSV pixel rows. */
import type { CommandModule } from 'yargs';
import { describeBadValue, UserError } from '../core/errors.js';
import { BACKEND_CHOICES, BACKEND_DESCRIBE, inferenceProgress } from './shared.js';

interface PredictArgs {
  model: string;
  files: string[];
  backend: string;
  tta: boolean;
  json: boolean;
  workers?: number;
}

export const command: CommandModule<object, PredictArgs> = {
  command: 'predict <files..>',
  describe: 'Predict the digit of PNG pictures (any size, made MNIST-like) or CSV rows of 784 pixels',
  builder: (y) =>
    y
      .positional('files', { type: 'string', array: true, demandOption: true, describe: 'PNG pictures or CSV files (Kaggle test.csv layout)' })
      .option('model', { type: 'string', demandOption: true, describe: 'model folder (model.json + weights.bin), e.g. an export' })
      .option('backend', { type: 'string', choices: BACKEND_CHOICES, default: 'auto', describe: BACKEND_DESCRIBE })
      .option('tta', { type: 'boolean', default: false, describe: 'test-time augmentation' })
      .option('workers', { type: 'number', describe: 'inference threads (default: one per core on wasm/cpu; 1 = the main thread only)' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON: one object per image' }),
  handler: async (argv) => {
    const { readPredictInputs, argmaxLabels } = await import('../export/index.js');
    const inputs = await readPredictInputs(argv.files);
    const { initBackend } = await import('../train/backend.js');
    const { predictEnsembleParallel } = await import('../pool/predict-pool.js');
    if (argv.workers !== undefined && !(Number.isInteger(argv.workers) && argv.workers >= 1)) {
      throw new UserError(describeBadValue('argument', '--workers', 'must be a positive integer', argv.workers));
    }
    const backend = await initBackend(argv.backend as never);
    // Progress only for files big enough to take a while (a CSV of thousands of rows, not a few pictures).
    const bar = inputs.images.count >= 2048 ? inferenceProgress(inputs.images.count) : null;
    const { probabilities } = await predictEnsembleParallel([argv.model], inputs.images, {
      tta: argv.tta,
      backend: backend.name,
      ...(argv.workers !== undefined ? { workers: argv.workers } : {}),
      ...(bar ? { onProgress: (done: number, total: number) => bar.update(done, total) } : {}),
    });
    bar?.stop();
    const labels = argmaxLabels(probabilities);
    const rows = inputs.names.map((name, i) => ({
      input: name,
      digit: labels[i]!,
      probability: probabilities[i * 10 + labels[i]!]!,
      probabilities: Array.from(probabilities.subarray(i * 10, i * 10 + 10), (p) => Number(p.toFixed(6))),
    }));
    if (argv.json) console.log(JSON.stringify(rows, null, 2));
    else for (const r of rows) console.log(`${r.input}: ${r.digit} (probability ${r.probability.toFixed(4)})`);
  },
};
