import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import yargs, { type CommandModule } from 'yargs';
import { UserError } from '../../src/core/errors.js';
import { command as reportCommand } from '../../src/commands/report.js';
import { command as scoreCommand } from '../../src/commands/score.js';
import { csvDir, labelsCsv } from './helpers/csv.js';
import { writeStudyFixture } from './helpers/fixture.js';

/** Runs one command module the way src/commands/index.ts does, capturing what it prints. */
async function run(cmd: CommandModule<any, any>, argv: string[]): Promise<{ out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  await yargs(argv)
    .strict()
    .fail((msg, e) => {
      throw e ?? new UserError(msg);
    })
    .command(cmd)
    .parseAsync();
  return { out: out.join('\n'), err: err.join('\n') };
}

afterEach(() => vi.restoreAllMocks());

describe('report command', () => {
  it('writes the reports of a study and prints the files', async () => {
    const fx = await writeStudyFixture();
    const { out } = await run(reportCommand, ['report', 'mnist-cnn', '--runs', fx.runsDir, '--reports', fx.reportsDir]);
    const dir = join(fx.reportsDir, 'mnist-cnn');
    for (const f of ['leaderboard.md', 'leaderboard.csv', 'leaderboard.json', 'report.html', 'accuracy.png', 'loss.png', 'confusion_matrix.png']) {
      expect(existsSync(join(dir, f)), f).toBe(true);
      expect(out).toContain(join(dir, f));
    }
  });

  it('a missing study is a one-line UserError', async () => {
    const fx = await writeStudyFixture();
    const p = run(reportCommand, ['report', 'nope', '--runs', fx.runsDir, '--reports', fx.reportsDir]);
    await expect(p).rejects.toBeInstanceOf(UserError);
    await expect(p).rejects.toThrow(`${join(fx.runsDir, 'nope', 'study.json')}: no such study (study.json not found)`);
    await expect(run(reportCommand, ['report', '../x', '--runs', fx.runsDir])).rejects.toThrow(/bad study name/);
  });
});

describe('score command', () => {
  it('prints the score, or JSON with --json', async () => {
    const file = await csvDir();
    const sub = await file('sub.csv', labelsCsv([1, 2, 3, 4]));
    const sol = await file('sol.csv', labelsCsv([1, 2, 3, 3]));
    const text = await run(scoreCommand, ['score', sub, '--solution', sol]);
    expect(text.out).toContain('accuracy: 75.00% (3/4 correct)');
    const json = await run(scoreCommand, ['score', sub, '--solution', sol, '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ rows: 4, correct: 3, accuracy: 0.75 });
  });

  it('requires --solution and reports bad files as UserError', async () => {
    await expect(run(scoreCommand, ['score', 'x.csv'])).rejects.toThrow(/solution/);
    await expect(run(scoreCommand, ['score', 'x.csv', '--solution', 'y.csv'])).rejects.toBeInstanceOf(UserError);
  });
});
