/** `digit-sweep migrate --from SRC --to DST`: copies a study between a lowdb folder and Redis. */
import type { CommandModule } from 'yargs';

interface MigrateArgs {
  from: string;
  to: string;
  study?: string;
}

export const command: CommandModule<object, MigrateArgs> = {
  command: 'migrate',
  describe: 'Copy a study between lowdb (runs/NAME) and Redis (redis://HOST:PORT/DB#NAME or --study NAME)',
  builder: (y) =>
    y
      .option('from', { type: 'string', demandOption: true, describe: 'runs/NAME (a study folder) or redis://host:port[/db][#NAME]' })
      .option('to', { type: 'string', demandOption: true, describe: 'runs/NAME (a study folder) or redis://host:port[/db][#NAME]' })
      .option('study', { type: 'string', describe: 'the study name in Redis (default: after #, else the folder name)' })
      .example('$0 migrate --from redis://redis-host.example:6379 --to runs/mnist --study mnist', 'Redis study mnist -> runs/mnist/study.json')
      .example('$0 migrate --from runs/mnist --to redis://redis-host.example:6379', 'runs/mnist -> Redis study mnist'),
  handler: async (argv) => {
    const { migrateStudy } = await import('../study/migrate.js');
    const r = await migrateStudy({ from: argv.from, to: argv.to, ...(argv.study ? { study: argv.study } : {}) });
    console.log(`copied study ${r.study}: ${r.trials} trial(s) from ${r.from} to ${r.to}`);
  },
};
