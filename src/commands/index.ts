/**
 * The CLI's dispatch: yargs maps sub-commands to the modules of this folder. Each module only turns
 * argv into options, calls the library (imported lazily inside its handler, so `digit-sweep --help`
 * never loads TF.js) and prints. Only commands print or exit. A process loads only the module of the
 * command it runs (`train` never loads sweep's search-space parser, zod and yaml), all of them only when
 * no known command comes first (`--help`, a typo: yargs then lists or recommends them).
 */
import yargs, { type CommandModule } from 'yargs';
import { RedisUnavailableError, UserError } from '../core/errors.js';

// Each entry is a yargs command module, keyed by its command's name; keep one file per command.
export const COMMANDS: Record<string, () => Promise<{ command: CommandModule<any, any> }>> = {
  train: () => import('./train.js'),
  data: () => import('./data.js'),
  report: () => import('./report.js'),
  score: () => import('./score.js'),
  export: () => import('./export.js'),
  predict: () => import('./predict.js'),
  sweep: () => import('./sweep.js'),
  refit: () => import('./refit.js'),
  status: () => import('./status.js'),
  worker: () => import('./worker.js'),
  migrate: () => import('./migrate.js'),
  dashboard: () => import('./dashboard.js'),
};

/** Runs the CLI and resolves to the process exit code. */
export async function run(argv: string[]): Promise<number> {
  const first = argv[0];
  const named = first !== undefined && Object.hasOwn(COMMANDS, first) ? [COMMANDS[first]!] : Object.values(COMMANDS);
  const modules = await Promise.all(named.map((load) => load()));
  let cli = yargs(argv)
    .scriptName('digit-sweep')
    .strict()
    .demandCommand(1, 'Name a command (see --help).')
    .recommendCommands()
    .help()
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((msg, err) => {
      // yargs spreads some messages over lines ("Invalid values:\n  Argument: backend, Given: ..."): one line.
      throw err ?? new UserError(msg.replace(/\s*\n\s*/g, ' '));
    });
  for (const m of modules) cli = cli.command(m.command);
  try {
    await cli.parseAsync();
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof UserError || err instanceof RedisUnavailableError) {
      console.error(`digit-sweep: ${err.message.split('\n')[0]}`);
      return err.exitCode;
    }
    throw err;
  }
}
