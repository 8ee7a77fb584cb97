/** `digit-sweep dashboard [NAME]`: serves a study (or the list of studies) on 127.0.0.1, updated as trials run. */
import type { CommandModule } from 'yargs';

interface DashboardArgs {
  name?: string;
  port: string;
  runs: string;
  redis?: string;
}

export const command: CommandModule<object, DashboardArgs> = {
  command: 'dashboard [name]',
  describe: 'Serve a study on 127.0.0.1 as a page that updates itself while trials run (without NAME: the list of studies)',
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'study name (folder under --runs, or a study in --redis)' })
      .option('port', { type: 'string', default: '8050', describe: 'port on 127.0.0.1 (0: any free port)' })
      .option('runs', { type: 'string', default: 'runs', describe: 'folder of the studies' })
      .option('redis', { type: 'string', describe: 'read the studies from Redis (sweep --redis studies, live)' }),
  handler: async (argv) => {
    const { UserError } = await import('../core/errors.js');
    const port = /^\d{1,5}$/.test(argv.port) ? Number(argv.port) : NaN;
    if (!(port <= 65535)) throw new UserError(`argument --port: expected a port number 0-65535, got ${JSON.stringify(argv.port)}`);
    const { startDashboard } = await import('../report/dashboard.js');
    let lastError = ''; // a problem that lasts (a study.json being replaced by hand) is said once, not every poll
    const dashboard = await startDashboard({
      port,
      runsDir: argv.runs,
      ...(argv.name !== undefined ? { name: argv.name } : {}),
      ...(argv.redis ? { redis: argv.redis } : {}),
      onError: (err) => {
        const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
        if (message !== lastError) console.error(`warning: dashboard: ${message} (the page keeps what it shows and updates once the study reads again)`);
        lastError = message;
      },
    });
    console.log(`dashboard: ${dashboard.url} (only reads the study; Ctrl-C to stop)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await dashboard.close();
  },
};
