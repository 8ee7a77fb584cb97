/**
 * `digit-sweep worker --redis URL`: runs the trials of Redis studies on this machine (see
 * docs/scale-out.md). Ctrl-C / SIGTERM: take no new trials, finish the running ones; again: exit now
 * (the driver re-queues those trials once another worker notices their lock expired).
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
      .option('lock-ms', { type: 'number', hidden: true, describe: 'BullMQ lock of a running trial (ms); a dead worker is noticed after it' }),
  handler: async (argv) => {
    const { RemoteWorker } = await import('../pool/remote-worker.js');
    const { checkStudyName } = await import('../study/names.js');
    const worker = new RemoteWorker({
      url: argv.redis,
      workers: argv.workers,
      trainer: argv.trainer as TrainerKind,
      ...(argv.backend ? { backend: argv.backend } : {}),
      ...(argv.study ? { study: checkStudyName(argv.study) } : {}),
      ...(argv['lock-ms'] ? { lockMs: argv['lock-ms'] } : {}),
      loadData: async (space) => (await import('../study/data.js')).loadSpaceData(space, 'study space'),
      log: (line) => console.log(`[worker ${process.pid}] ${line}`),
    });
    let signals = 0;
    const onSignal = () => {
      if (++signals > 1) process.exit(130);
      console.error('stopping: no new trials; running trials finish (signal again to exit now)');
      void worker.close();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    console.log(`worker ${worker.id}: waiting for trials on ${argv.redis} (${argv.workers} slot(s))`);
    try {
      await worker.serve();
    } catch (err) {
      await worker.close(true);
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
