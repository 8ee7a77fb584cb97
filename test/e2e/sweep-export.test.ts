/**
 * One command from space to submission (real TF.js, wasm, tiny data): a space with an `export:` section
 * makes `sweep` write submission.csv at its end; `export NAME` with no flags follows the section and
 * flags override it; an export that fails at the end of a sweep keeps the study, exits 1 and says how to
 * rerun it. Data: a Kaggle-format folder of 600 labeled and 200 test images cut from the bundled split;
 * one trial of one epoch. The failing export of a scripted sweep (no models) needs no TF.js.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StudyRecord } from '../../src/core/types.js';
import { runCli } from '../helpers/cli.js';
import { writeTinyKaggleFolder } from '../helpers/kaggle-folder.js';

const LABELED = 600;
const TEST = 200;
const dir = mkdtempSync(join(tmpdir(), 'ds-sweep-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

function submissionRows(file: string): string[] {
  const rows = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  expect(rows[0]).toBe('ImageId,Label');
  rows.slice(1).forEach((l, i) => expect(l).toMatch(new RegExp(`^${i + 1},[0-9]$`)));
  return rows;
}

describe('sweep with an export: section (real TF.js, wasm)', () => {
  it('writes submission.csv at the end; export NAME follows the section; a failed export keeps the study', async () => {
    const kaggle = join(dir, 'kaggle');
    await writeTinyKaggleFolder(kaggle, LABELED, TEST);
    const space = join(dir, 'se.yaml');
    writeFileSync(
      space,
      [
        'fixed: { epochs: 1, batchSize: 64 }',
        'budget: { trials: 1, workers: 1 }',
        'pruner: { type: none }',
        `data: { source: kaggle, dir: ${JSON.stringify(kaggle)} }`,
        'keepModels: 1',
        'export: { top: 1, tta: true, models: search }',
        '',
      ].join('\n'),
    );
    const runs = join(dir, 'runs');
    const reports = join(dir, 'reports');
    const args = ['sweep', space, '--study', 'se', '--backend', 'wasm', '--runs', runs, '--reports', reports];
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(0);
    const out = join(reports, 'se', 'export');
    expect(r.stdout).toContain("export (the space's export: section: top 1, tta true, models search):");
    expect(r.stdout).toContain(`submission: ${join(out, 'submission.csv')}`);
    expect(submissionRows(join(out, 'submission.csv'))).toHaveLength(TEST + 1);
    expect(readJson(join(out, 'export.json'))).toMatchObject({ study: 'se', kind: 'search', top: 1, used: 1, tta: true, rows: TEST, views: expect.arrayContaining(['clean']) });
    const study = readJson<StudyRecord>(join(runs, 'se', 'study.json'));
    expect(study.trials.map((t) => t.state)).toEqual(['complete']);

    // `export NAME` with no flags: the study's space's section; a flag given overrides it.
    const again = join(dir, 'again');
    const e = await runCli(['export', 'se', '--runs', runs, '--out', again, '--backend', 'wasm']);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toContain('top 1, tta true, models search');
    expect(readJson(join(again, 'export.json'))).toMatchObject({ top: 1, tta: true, kind: 'search' });
    expect(readFileSync(join(again, 'submission.csv'), 'utf8')).toBe(readFileSync(join(out, 'submission.csv'), 'utf8'));
    const plain = join(dir, 'plain');
    const p = await runCli(['export', 'se', '--runs', runs, '--out', plain, '--no-tta', '--backend', 'wasm']);
    expect(p.code, p.stderr).toBe(0);
    expect(readJson(join(plain, 'export.json'))).toMatchObject({ top: 1, tta: false, views: ['clean'] });

    // The export destination unwritable (a file where the folder goes): the rerun (no trial left to
    // train) keeps the study as it was, exits 1 and says how to rerun the export.
    rmSync(out, { recursive: true });
    writeFileSync(out, 'not a folder');
    const f = await runCli(args);
    expect(f.code).toBe(1);
    const line = f.stderr.trim().split('\n').at(-1)!;
    expect(line).toBe(
      `digit-sweep: the study se is trained and kept, but its submission was not written: ${out}: exists and is not a folder; rerun it with: digit-sweep export se --runs ${runs} --out ${out}`,
    );
    expect(readJson<StudyRecord>(join(runs, 'se', 'study.json')).trials).toEqual(study.trials);
    expect(existsSync(join(runs, 'se', study.trials[0]!.modelDir!, 'model.json'))).toBe(true);
  }, 600_000);
});

describe('a failed export at the end of a sweep (scripted trainer, no TF.js)', () => {
  it('keeps the trained study, exits 1 with one line that says how to rerun the export', async () => {
    const space = join(dir, 'scripted.yaml');
    writeFileSync(space, 'fixed: { epochs: 2 }\nbudget: { trials: 2, workers: 1 }\npruner: { type: none }\nkeepModels: 0\nexport: { top: 2 }\n');
    const runs = join(dir, 'sruns');
    const r = await runCli(['sweep', space, '--study', 'sc', '--trainer', 'scripted', '--runs', runs, '--reports', join(dir, 'sreports')]);
    expect(r.code).toBe(1);
    const errors = r.stderr.trim().split('\n');
    expect(errors.at(-1)).toMatch(/^digit-sweep: the study sc is trained and kept, but its submission was not written: .+; rerun it with: digit-sweep export sc --runs \S+ --out \S+$/);
    const study = readJson<StudyRecord>(join(runs, 'sc', 'study.json'));
    expect(study.trials.map((t) => [t.number, t.state, t.epochs.length])).toEqual([
      [0, 'complete', 2],
      [1, 'complete', 2],
    ]);
    expect(existsSync(join(dir, 'sreports', 'sc', 'leaderboard.md'))).toBe(true);
  }, 120_000);
});
