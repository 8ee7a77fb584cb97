/**
 * Study names become folders under runs/ and reports/: a name that could leave them (`..`, a path, an
 * absolute path, NUL) is refused with exit 2 by every command that takes one, before anything is written.
 * NUL cannot travel in a real process's argv, so these run the CLI's dispatch in-process.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/commands/index.js';
import { UserError } from '../../src/core/errors.js';
import { checkStudyName } from '../../src/study/names.js';
import { runSweep } from '../../src/study/sweep.js';
import { listTree, tempDir } from './helpers.js';

const BAD = ['../x', '..', '.', '/etc/x', 'a/b', 'a\\b', 'a\0b', 'x\0/../../etc', '', ' x', 'a\nb', `C:${'\\'}x`, 'x'.repeat(81)];

describe('study names cannot escape runs/ or reports/', () => {
  const dir = tempDir();
  const runs = join(dir, 'runs');
  const reports = join(dir, 'reports');
  let errors: string[] = [];
  beforeEach(() => {
    errors = [];
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => vi.restoreAllMocks());

  it('checkStudyName refuses every escaping name and keeps good ones', () => {
    for (const name of BAD) expect(() => checkStudyName(name), JSON.stringify(name)).toThrow(UserError);
    for (const name of ['quickstart', 'kaggle-v2', 'run_3.lr', 'A1']) expect(checkStudyName(name)).toBe(name);
  });

  it('runSweep refuses them (and a space file whose name makes a bad study name) before writing anything', async () => {
    for (const study of BAD.filter((s) => s !== '')) {
      await expect(runSweep({ study, trainer: 'scripted', runsDir: runs }), JSON.stringify(study)).rejects.toThrow(/study name .* is not allowed/);
    }
    const odd = join(dir, '..yaml'); // basename '.': not a study name
    writeFileSync(odd, 'budget: { trials: 1 }\n');
    await expect(runSweep({ spaceFile: odd, trainer: 'scripted', runsDir: runs })).rejects.toThrow(/study name "\." is not allowed/);
    expect(existsSync(runs)).toBe(false);
  });

  it('every command taking a study name exits 2 with one line for a NUL or a path', async () => {
    const before = listTree(dir);
    for (const name of ['a\0b', '../x', join(dir, 'abs')]) {
      for (const args of [
        ['sweep', '--trainer', 'scripted', '--study', name, '--runs', runs, '--reports', reports],
        ['status', name, '--runs', runs],
        ['report', name, '--runs', runs, '--reports', reports],
        ['export', name, '--runs', runs, '--out', join(dir, 'out')],
      ]) {
        errors = [];
        expect(await run(args), args.join(' ')).toBe(2);
        expect(errors, args.join(' ')).toHaveLength(1);
        expect(errors[0]).toMatch(/^digit-sweep: .*(study name|bad study name) /);
        expect(errors[0]).not.toContain('\0'); // shown escaped
        expect(errors[0]!.split('\n')).toHaveLength(1);
      }
    }
    expect(listTree(dir)).toEqual(before);
  });
});
