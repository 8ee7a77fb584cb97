/** `digit-sweep train`: one training run of the seed CNN with the given hyperparameters. */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { availableParallelism } from 'node:os';
import { describeBadValue, UserError } from '../core/errors.js';
import { checkRange, defaultThreads, mapTrainParams, THREADS, trainParamFlag, TRAIN_PARAM_NAMES, TRAIN_PARAMS, type TrainParamName, type TrainParams } from '../core/train-params.js';
import { BACKEND_CHOICES, BACKEND_DESCRIBE, epochLine, progressBar } from './shared.js';

/** One option per trainer param (core/train-params.ts): --lr, --dropout, ..., --lr-decay, --plateau-patience. */
interface TrainArgs extends Record<string, unknown> {
  limit?: number;
  backend: string;
  threads?: number;
  seed: number;
  data?: string;
  'val-fraction': number;
  out: string;
}

/** Where `train` differs from a space's defaults: one epoch unless asked (a space's default is 30). */
const CLI_DEFAULTS: Partial<Record<TrainParamName, number>> = { epochs: 1 };

export const command: CommandModule<object, TrainArgs> = {
  command: 'train',
  describe: 'Train the seed CNN once and save the model and its history',
  builder: (y) =>
    TRAIN_PARAM_NAMES.reduce(
      (yy, name) => {
        const p = TRAIN_PARAMS[name];
        const type = p.kind === 'choice' ? 'string' : 'number';
        return yy.option(trainParamFlag(name), { type, default: CLI_DEFAULTS[name] ?? p.default, describe: p.describe, ...(p.kind === 'choice' ? { choices: p.choices } : {}) });
      },
      y,
    )
      .option('limit', { type: 'number', describe: 'use only the first N labeled images' })
      .option('backend', { type: 'string', choices: BACKEND_CHOICES, default: 'auto', describe: BACKEND_DESCRIBE })
      .option('threads', { type: 'number', describe: `${THREADS.describe}; ${THREADS.min}-${THREADS.max}` })
      .option('seed', { type: 'number', default: 42 })
      .option('data', { type: 'string', describe: 'Kaggle folder with train.csv and test.csv (default: bundled MNIST)' })
      .option('val-fraction', { type: 'number', default: 0.1, describe: 'stratified validation share of the labeled images' })
      .option('out', { type: 'string', demandOption: true, describe: 'folder for model.json, weights.bin, history.json' }),
  handler: async (argv) => {
    const positive = (name: string, v: number, integer = false) => {
      if (!(Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v)))) {
        throw new UserError(describeBadValue('argument', `--${name}`, `must be a positive ${integer ? 'integer' : 'number'}`, v));
      }
    };
    if (argv.limit !== undefined) positive('limit', argv.limit, true);
    // A lone run: every core (core/train-params.ts THREADS).
    const threads = argv.threads ?? defaultThreads(availableParallelism(), 1);
    if (!(Number.isInteger(threads) && threads >= THREADS.min && threads <= THREADS.max)) {
      throw new UserError(describeBadValue('argument', '--threads', `must be an integer from ${THREADS.min} to ${THREADS.max}`, argv.threads));
    }
    // The same ranges as a search space's params (search-space/validate.ts).
    const trainParams = mapTrainParams((_, name) => argv[trainParamFlag(name)]) as TrainParams;
    for (const name of TRAIN_PARAM_NAMES) {
      const value = trainParams[name];
      if (TRAIN_PARAMS[name].kind === 'number' && (typeof value !== 'number' || !Number.isFinite(value))) {
        throw new UserError(describeBadValue('argument', `--${trainParamFlag(name)}`, 'must be a number', value));
      }
      checkRange('argument', `--${trainParamFlag(name)}`, name, value);
    }

    const { loadDataset, writeFilesAtomic } = await import('../data/index.js');
    const data = await loadDataset({
      ...(argv.data ? { source: 'kaggle' as const, dir: argv.data } : { source: 'mnist' as const }),
      ...(argv.limit ? { limit: argv.limit } : {}),
      valFraction: argv['val-fraction'],
      seed: argv.seed,
    });
    const { initBackend, train } = await import('../train/index.js');
    const backend = await initBackend(argv.backend as never, { threads });
    console.log(`backend: ${backend.name} (${backend.reason})${backend.info.threads ? `; ${backend.info.threads} thread(s), ${backend.info.build} build` : ''}`);
    console.log(`data: ${data.source}: ${data.train.count} train / ${data.val.count} validation images`);
    const out = resolve(argv.out);
    await mkdir(out, { recursive: true });
    const bar = progressBar();
    const result = await train(trainParams, data, {
      epochs: trainParams.epochs,
      batchSize: trainParams.batchSize,
      seed: argv.seed,
      backend: backend.name,
      threads,
      saveDir: out,
      onBatchEnd: (b, n) => bar.update(b, n),
      onEpochEnd: (m) => {
        bar.stop();
        console.log(epochLine(m, trainParams.epochs));
      },
    });
    const history = {
      params: trainParams,
      settings: { epochs: trainParams.epochs, batchSize: trainParams.batchSize, seed: argv.seed, limit: argv.limit ?? null, threads },
      data: { source: data.source, fingerprint: data.fingerprint, train: data.train.count, val: data.val.count },
      backend: { name: result.backend.name, ...result.backend.info },
      bestEpoch: result.bestEpoch,
      epochs: result.history,
    };
    await writeFilesAtomic([{ file: join(out, 'history.json'), chunks: [Buffer.from(JSON.stringify(history, null, 2))] }]);
    const best = result.history[result.bestEpoch - 1]!;
    console.log(`best val_acc ${best.valAcc.toFixed(4)} at epoch ${result.bestEpoch}; model and history.json in ${out}`);
  },
};
