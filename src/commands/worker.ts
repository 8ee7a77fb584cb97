/**
 * `digit-sweep worker --redis URL`: runs the trials of Redis studies on this machine (see
 * docs/scale-out.md). Ctrl-C / SIGTERM: take no new trials; running ones get `--grace` seconds to
 * finish, then go back to the queue (another worker continues them from their checkpoints); exit 0.
 * A second signal: exit 130 at once (the trials are re-queued when their lock expires). Redis
 * unreachable for `--redis-timeout` seconds: exit 75.
 */
import type { CommandModule } from 'yargs';
import type { TrainerKind } from '../pool/protocol.js';
import { BACKEND_CHOICES, TRAINER_CHOICES } from './shared.js';

interface WorkerArgs {
  redis: string;
  workers: number;
  backend?: string;
  trainer: string;
  study?: string;
  'lock-ms'?: number;
  'redis-timeout': number;
  grace: number;
  'outage-log-ms'?: number;
}

export const command: CommandModule<object, WorkerArgs> = {
  command: 'worker',
  describe: 'Run trials of Redis studies (started with sweep --redis) on this machine',
  builder: (y) =>
    y
      .option('redis', { type: 'string', demandOption: true, describe: 'Redis URL, e.g. redis://redis-host.example:6379' })
      .option('workers', { type: 'number', default: 1, describe: 'trials run at once on this machine' })
      .option('backend', { type: 'string', choices: BACKEND_CHOICES.filter((b) => b !== 'auto'), describe: "override the driver's backend on this machine" })
      .option('trainer', { type: 'string', choices: TRAINER_CHOICES, default: 'tfjs' })
      .option('study', { type: 'string', describe: 'serve only this study (default: every study whose driver is running)' })
      .option('redis-timeout', { type: 'number', default: 300, describe: 'exit (code 75) after Redis was unreachable this many seconds' })
      .option('grace', { type: 'number', default: 30, describe: 'on SIGTERM/Ctrl-C, seconds running trials get to finish before they go back to the queue' })
      .option('lock-ms', { type: 'number', describe: "ms a running trial's BullMQ lock lasts unless renewed (default 30000): a dead worker's trials go back to the queue once it expires" })
      .option('outage-log-ms', { type: 'number', hidden: true, describe: 'at most one "Redis unreachable" line per this many ms (default 30000)' }),
  handler: async (argv) => {
    const { RemoteWorker } = await import('../pool/remote-worker.js');
    const { checkStudyName } = await import('../study/names.js');
    const { RedisUnavailableError, UserError } = await import('../core/errors.js');
    for (const name of ['redis-timeout', 'grace'] as const) {
      if (!Number.isFinite(argv[name]) || argv[name] < 0) throw new UserError(`argument --${name}: must be a number of seconds >= 0 (got ${argv[name]})`);
    }
    const lockMs = argv['lock-ms'];
    if (lockMs !== undefined && !(Number.isFinite(lockMs) && lockMs >= 1000)) throw new UserError(`argument --lock-ms: must be a number of milliseconds >= 1000 (got ${lockMs})`);
    const worker = new RemoteWorker({
      url: argv.redis,
      workers: argv.workers,
      trainer: argv.trainer as TrainerKind,
      ...(argv.backend ? { backend: argv.backend } : {}),
      ...(argv.study ? { study: checkStudyName(argv.study) } : {}),
      ...(lockMs !== undefined ? { lockMs } : {}),
      redisTimeoutMs: argv['redis-timeout'] * 1000,
      ...(argv['outage-log-ms'] ? { outageLogMs: argv['outage-log-ms'] } : {}),
      loadData: async (space) => (await import('../data/space-data.js')).loadSpaceData(space, 'study space'),
      log: (line) => console.log(`[worker ${process.pid}] ${line}`),
    });
    let signals = 0;
    const onSignal = () => {
      if (++signals > 1) process.exit(130);
      console.error(`stopping: no new trials; running trials get ${argv.grace} s to finish, then go back to the queue (signal again to exit now)`);
      void worker.shutdown(argv.grace * 1000);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    console.log(`worker ${worker.id}: waiting for trials on ${argv.redis} (${argv.workers} slot(s))`);
    try {
      await worker.serve();
    } catch (err) {
      await worker.close(true);
      if (err instanceof RedisUnavailableError) {
        // Exit now: BullMQ may still hold a reconnecting connection that would keep the process alive.
        console.error(`digit-sweep: ${err.message}`);
        process.exit(err.exitCode);
      }
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
