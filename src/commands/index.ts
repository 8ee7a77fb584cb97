/**
 * The CLI's dispatch: yargs maps sub-commands to the modules of this folder. Each module only turns
 * argv into options, calls the library (imported lazily inside its handler, so `digit-sweep --help`
 * never loads TF.js) and prints. Only commands print or exit.
 */
import yargs, { type CommandModule } from 'yargs';
import { RedisUnavailableError, UserError } from '../core/errors.js';

// Each entry is a yargs command module; keep one file per command.
const commands: Array<() => Promise<{ command: CommandModule<any, any> }>> = [
  () => import('./train.js'),
  () => import('./data.js'),
  () => import('./report.js'),
  () => import('./score.js'),
  () => import('./export.js'),
  () => import('./predict.js'),
  () => import('./sweep.js'),
  () => import('./refit.js'),
  () => import('./status.js'),
  () => import('./worker.js'),
  () => import('./migrate.js'),
  () => import('./dashboard.js'),
];

/** Runs the CLI and resolves to the process exit code. */
export async function run(argv: string[]): Promise<number> {
  const modules = await Promise.all(commands.map((load) => load()));
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
