/**
 * `digit-sweep data export-kaggle DIR`: writes the bundled Kaggle-like split as Kaggle's CSV files.
 * `digit-sweep data info [--data DIR]`: counts per set and class, and the dataset's fingerprint.
 */
import type { Argv, CommandModule } from 'yargs';

interface ExportArgs {
  dir: string;
  limit?: number;
}

interface InfoArgs {
  data?: string;
  limit?: number;
  'val-fraction': number;
  seed: number;
}

const exportKaggleCommand: CommandModule<object, ExportArgs> = {
  command: 'export-kaggle <dir>',
  describe: "Write the bundled MNIST's Kaggle-like split to DIR as train.csv, test.csv and solution.csv",
  builder: (y: Argv) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'Folder to write (created if missing)' })
      .option('limit', { type: 'number', describe: 'Write only the first N rows of each file' }) as unknown as Argv<ExportArgs>,
  handler: async (argv) => {
    const { exportKaggle } = await import('../data/index.js');
    const result = await exportKaggle(argv.dir, argv.limit === undefined ? {} : { limit: argv.limit });
    for (const { file, rows } of [result.train, result.test, result.solution]) {
      console.log(`wrote ${file} (${rows} rows)`);
    }
  },
};

const infoCommand: CommandModule<object, InfoArgs> = {
  command: 'info',
  describe: 'Show the images per set and class, and the fingerprint of a dataset',
  builder: (y: Argv) =>
    y
      .option('data', { type: 'string', describe: 'Folder with Kaggle train.csv and test.csv (default: bundled MNIST)' })
      .option('limit', { type: 'number', describe: 'Use only the first N labeled images' })
      .option('val-fraction', { type: 'number', default: 0.1, describe: 'Share of labeled images for validation' })
      .option('seed', { type: 'number', default: 42, describe: 'Seed of the validation split' }) as unknown as Argv<InfoArgs>,
  handler: async (argv) => {
    const { loadDataset, summarizeDataset, NUM_CLASSES } = await import('../data/index.js');
    const source = argv.data === undefined ? { source: 'mnist' as const } : { source: 'kaggle' as const, dir: argv.data };
    const ds = await loadDataset({
      ...source,
      ...(argv.limit === undefined ? {} : { limit: argv.limit }),
      valFraction: argv['val-fraction'],
      seed: argv.seed,
    });
    const summary = summarizeDataset(ds);
    const classes = Array.from({ length: NUM_CLASSES }, (_, c) => String(c).padStart(6)).join('');
    console.log(`source       ${summary.source}`);
    console.log(`fingerprint  ${summary.fingerprint}`);
    console.log(`set      images${classes}`);
    for (const set of summary.sets) {
      const counts = set.classCounts ? set.classCounts.map((n) => String(n).padStart(6)).join('') : '   (unlabeled)';
      console.log(`${set.name.padEnd(5)}${String(set.count).padStart(10)}${counts}`);
    }
  },
};

export const command: CommandModule<object, object> = {
  command: 'data <command>',
  describe: 'Inspect the data, or export the bundled MNIST as Kaggle CSV files',
  builder: (y: Argv) =>
    y
      .command(exportKaggleCommand as unknown as CommandModule<object, object>)
      .command(infoCommand as unknown as CommandModule<object, object>)
      .demandCommand(1, 'Name a data command: export-kaggle or info.'),
  handler: () => undefined,
};
