/** `digit-sweep report NAME`: writes the leaderboard, report.html and PNGs of a study. */
import type { CommandModule } from 'yargs';

interface ReportArgs {
  name: string;
  runs: string;
  reports: string;
  redis?: string;
}

export const command: CommandModule<object, ReportArgs> = {
  command: 'report <name>',
  describe: 'Write the leaderboard (md/csv/json), report.html and PNGs of a study into <reports>/<name>/',
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true, describe: 'study name (folder under --runs)' })
      .option('runs', { type: 'string', default: 'runs', describe: 'folder of the studies' })
      .option('reports', { type: 'string', default: 'reports', describe: 'folder the reports go to' })
      .option('redis', { type: 'string', describe: 'read the study from Redis (a sweep --redis study); a copy goes to <runs>/<name>/study.json' }),
  handler: async (argv) => {
    const { join } = await import('node:path');
    const { writeReports } = await import('../report/index.js');
    const { UserError } = await import('../core/errors.js');
    if (/[/\\\0]/.test(argv.name) || argv.name === '..' || argv.name === '.') {
      throw new UserError(`report: bad study name ${JSON.stringify(argv.name)} (a folder name under ${argv.runs})`);
    }
    if (argv.redis) await (await import('../study/remote.js')).syncFromRedis(argv.redis, argv.name, argv.runs);
    const out = await writeReports(join(argv.runs, argv.name), argv.reports);
    for (const f of out.files) console.log(f);
    if (out.evaluation && !out.evaluation.ok) console.error(`note: best trial #${out.bestTrial}: ${out.evaluation.reason}`);
  },
};
