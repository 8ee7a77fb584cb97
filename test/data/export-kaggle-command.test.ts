import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import yargs from 'yargs';
import { command } from '../../src/commands/data.js';
import { exportKaggle, loadDataset } from '../../src/data/index.js';
import { UserError } from '../../src/core/errors.js';
import { tempDir } from './helpers.js';

/** Runs `digit-sweep data ...` through the data command module; returns what it printed. */
async function cli(args: string[]): Promise<string> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    await yargs(args).command(command).strict().fail((msg, err) => {
      throw err ?? new UserError(msg);
    }).parseAsync();
  } finally {
    log.mockRestore();
  }
  return lines.join('\n');
}

afterEach(() => vi.restoreAllMocks());

describe('digit-sweep data export-kaggle DIR', () => {
  it('writes train.csv, test.csv and solution.csv into a new folder and prints them', async () => {
    const dir = join(tempDir(), 'nested', 'out');
    const out = await cli(['data', 'export-kaggle', dir, '--limit', '40']);
    expect(out).toBe(
      [`wrote ${dir}/train.csv (40 rows)`, `wrote ${dir}/test.csv (40 rows)`, `wrote ${dir}/solution.csv (40 rows)`].join('\n'),
    );
    expect(readdirSync(dir).sort()).toEqual(['solution.csv', 'test.csv', 'train.csv']);
    expect(readFileSync(join(dir, 'solution.csv'), 'latin1').split('\n')).toHaveLength(42);

    const info = await cli(['data', 'info', '--data', dir, '--val-fraction', '0.25']);
    const ds = await loadDataset({ source: 'kaggle', dir, valFraction: 0.25 });
    expect(info).toContain(`fingerprint  ${ds.fingerprint}`);
    expect(info).toMatch(/^val +10 /m);
    expect(info).toMatch(/^test +40 +\(unlabeled\)$/m);
  });

  it('leaves nothing half-written when it fails', async () => {
    const dir = tempDir();
    // train.csv is a folder: renaming over it fails, after every temp file was written.
    const blocked = join(dir, 'train.csv');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(blocked, 'x'), { recursive: true }));
    await expect(exportKaggle(dir, { limit: 10 })).rejects.toThrow(UserError);
    await expect(exportKaggle(dir, { limit: 10 })).rejects.toThrow(`${blocked}: cannot write the file (EISDIR)`);
    expect(readdirSync(dir)).toEqual(['train.csv']);
    expect(existsSync(join(dir, 'test.csv'))).toBe(false);
  });

  it('rejects a bad --limit as a UserError', async () => {
    await expect(cli(['data', 'export-kaggle', tempDir(), '--limit', '0'])).rejects.toThrow(
      'export-kaggle: limit: must be a positive integer (got 0)',
    );
  });
});
