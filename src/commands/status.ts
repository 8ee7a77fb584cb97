/** `digit-sweep status [NAME]`: the leaderboard of a study, running or finished; without NAME, the studies. */
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { checkStudyName } from '../study/names.js';

interface StatusArgs {
  name?: string;
  runs: string;
  limit?: number;
  json: boolean;
  redis?: string;
}

export const command: CommandModule<object, StatusArgs> = {
  command: 'status [name]',
  describe: 'Print the leaderboard of a study (running or finished); without a name, list the studies',
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'study name (folder under --runs)' })
      .option('runs', { type: 'string', default: 'runs', describe: 'folder of the studies' })
      .option('limit', { type: 'number', describe: 'show only the best N trials' })
      .option('json', { type: 'boolean', default: false, describe: 'print the leaderboard as JSON' })
      .option('redis', { type: 'string', describe: 'read the study from Redis (a sweep --redis study, live)' }),
  handler: async (argv) => {
    // The leaderboard alone, not the report writer (index.js loads vega and resvg).
    const { buildLeaderboard, buildRefitRows, renderLeaderboardTable, renderRefitTable } = await import('../report/leaderboard.js');
    const { readStudy } = await import('../storage/study-file.js');
    if (argv.name === undefined) {
      await printStudies(argv.runs, argv.json);
      return;
    }
    const name = checkStudyName(argv.name);
    const study = argv.redis
      ? await (await import('../study/remote.js')).requireRedisStudy(argv.redis, name)
      : await readStudy(join(argv.runs, name));
    const rows = buildLeaderboard(study);
    const refit = buildRefitRows(study, rows);
    if (argv.json) {
      console.log(JSON.stringify({ study: study.name, direction: study.direction, rows, refit }, null, 2));
      return;
    }
    const by = (s: string) => rows.filter((r) => r.state === s).length;
    const refitText = refit.length ? `; ${refit.length} refit trial(s) (${refit.filter((r) => r.state === 'complete').length} complete)` : '';
    console.log(
      `study ${study.name}: ${rows.length} trials (${by('complete')} complete, ${by('pruned')} pruned, ` +
        `${by('fail')} failed, ${by('running')} running)${refitText}; data ${study.dataSource}`,
    );
    console.log(renderLeaderboardTable(rows, argv.limit !== undefined ? { limit: argv.limit } : {}));
    if (refit.length) console.log(renderRefitTable(refit));
  },
};

async function printStudies(runs: string, json: boolean) {
  const { listStudies } = await import('../report/studies.js');
  const studies = await listStudies(runs);
  if (json) {
    console.log(JSON.stringify(studies, null, 2));
    return;
  }
  if (studies.length === 0) {
    console.log(`no studies in ${runs}/ (start one with: digit-sweep sweep)`);
    return;
  }
  const { default: Table } = await import('cli-table3');
  const table = new Table({ head: ['study', 'trials', 'complete', 'pruned', 'failed', 'running', 'best', 'created'], style: { head: [], border: [] } });
  for (const s of studies) {
    if (s.problem) table.push([s.name, { colSpan: 7, content: `unreadable: ${s.problem}` }]);
    else table.push([s.name, s.trials, s.complete, s.pruned, s.failed, s.running, s.best === null ? '-' : s.best.toFixed(4), s.createdAt?.slice(0, 16).replace('T', ' ') ?? '-']);
  }
  console.log(table.toString());
}
