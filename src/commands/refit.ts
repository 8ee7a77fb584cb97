/**
 * `digit-sweep refit NAME [--top K] [--epochs N]`: retrain the K best complete search trials of a study
 * on every labeled image, as refit trials of the same study (study/refit.ts), through the sweep's pool,
 * checkpoints and live report. Rerun after a crash or Ctrl-C: running refits continue, finished ones
 * are not redone.
 */
import type { CommandModule } from 'yargs';
import { describeBadValue, UserError } from '../core/errors.js';
import { BACKEND_CHOICES, BACKEND_DESCRIBE, TRAINER_CHOICES } from './shared.js';
import { sweepCommand, type SweepArgs } from './sweep.js';

type RefitArgs = Omit<SweepArgs, 'space' | 'trials' | 'refitOnly'> & { name: string };

export const command: CommandModule<object, RefitArgs> = {
  command: 'refit <name>',
  describe: "Retrain a study's best configurations on every labeled image (no validation hold-out), as refit trials",
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true, describe: 'study name (folder under --runs)' })
      .option('top', { type: 'number', describe: "how many of the best complete search trials to retrain (default: the space's refit.top, else 1)" })
      .option('epochs', { type: 'number', describe: "epochs of every refit (default: the space's refit.epochs, else each source trial's best epoch)" })
      .option('workers', { type: 'number', describe: 'parallel trials (default: as sweep)' })
      .option('backend', { type: 'string', choices: BACKEND_CHOICES, default: 'auto', describe: BACKEND_DESCRIBE })
      .option('runs', { type: 'string', default: 'runs', describe: 'folder of the studies' })
      .option('reports', { type: 'string', default: 'reports', describe: 'folder of the reports' })
      .option('isolation', { type: 'string', choices: ['thread', 'process'], describe: 'run trials in worker threads or child processes (as sweep)' })
      .option('redis', { type: 'string', describe: 'a study kept in Redis: refit trials run on `digit-sweep worker` processes' })
      .option('trainer', { type: 'string', choices: TRAINER_CHOICES, default: 'tfjs', hidden: true }),
  handler: async (argv) => {
    for (const flag of ['top', 'epochs'] as const) {
      const v = argv[flag];
      if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new UserError(describeBadValue('argument', `--${flag}`, 'must be a positive integer', v));
    }
    const { name, ...rest } = argv;
    await sweepCommand({ ...rest, study: name, refitOnly: true });
  },
};
