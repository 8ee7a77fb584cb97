/** `export` on bad input: one line on stderr, exit code 2, nothing written (an earlier export stays). */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir, trainTinyModel, writeStudy, type CliResult } from './helpers.js';

describe('digit-sweep export on bad input', () => {
  const root = tempDir();
  const good = join(root, 'good');
  const runs = join(root, 'runs');
  beforeAll(() => trainTinyModel(good, { images: 300, epochs: 1 }));

  /** A copy of the good model, damaged by `damage`. */
  function brokenModel(name: string, damage: (dir: string) => void): string {
    const dir = join(root, name);
    cpSync(good, dir, { recursive: true });
    damage(dir);
    return dir;
  }

  async function fails(args: string[], message: string | RegExp): Promise<CliResult> {
    const out = join(root, 'out', args[0]!);
    const r = await cli(['export', ...args, '--runs', runs, '--out', out, '--backend', 'wasm']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err.startsWith('digit-sweep: ')).toBe(true);
    expect(r.err.slice('digit-sweep: '.length)).toMatch(message);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(root, 'out'))).toBe(false);
    return r;
  }

  it('a study that does not exist', async () => {
    await fails(['nope'], `${join(runs, 'nope', 'study.json')}: no such study (study.json not found)`);
  });

  it('a study with no complete trial', async () => {
    writeStudy(runs, 'unfinished', [
      { number: 0, state: 'pruned', value: 0.8, model: good },
      { number: 1, state: 'fail' },
      { number: 2, state: 'running' },
    ]);
    await fails(['unfinished'], 'study unfinished: no complete trial to export (1 pruned, 1 fail, 1 running)');
  });

  it('complete trials that kept no model', async () => {
    writeStudy(runs, 'nomodels', [{ number: 0, value: 0.9, modelDir: null }]);
    await fails(['nomodels'], 'study nomodels: none of its 1 complete trials kept a model (modelDir is empty)');
  });

  it('a model folder that is gone', async () => {
    writeStudy(runs, 'gone', [{ number: 4, value: 0.9, modelDir: 'trials/4' }]);
    await fails(['gone'], `${join(runs, 'gone', 'trials', '4')}: model folder of trial #4 is missing`);
  });

  it('a model without weights.bin', async () => {
    writeStudy(runs, 'noweights', [{ number: 0, value: 0.9, model: brokenModel('noweights', (d) => unlinkSync(join(d, 'weights.bin'))) }]);
    await fails(['noweights'], /trials\/0\/weights\.bin: weights file missing$/);
  });

  it('a truncated weights.bin', async () => {
    writeStudy(runs, 'truncated', [{ number: 0, value: 0.9, model: brokenModel('truncated', (d) => truncateSync(join(d, 'weights.bin'), 1000)) }]);
    await fails(['truncated'], /trials\/0\/weights\.bin: weights are 1000 bytes, model\.json expects \d+$/);
  });

  it('an invalid model.json', async () => {
    writeStudy(runs, 'badjson', [{ number: 0, value: 0.9, model: brokenModel('badjson', (d) => writeFileSync(join(d, 'model.json'), '{"modelTopology": {')) }]);
    await fails(['badjson'], /trials\/0\/model\.json: not a valid model\.json \(/);
  });

  it('a model.json that is JSON but no model', async () => {
    writeStudy(runs, 'notmodel', [{ number: 0, value: 0.9, model: brokenModel('notmodel', (d) => writeFileSync(join(d, 'model.json'), '{"hello": 1}')) }]);
    await fails(['notmodel'], /trials\/0\/model\.json: not a TF\.js layers model/);
  });

  it('--top 0', async () => {
    writeStudy(runs, 'ok', [{ number: 0, value: 0.9, model: good }]);
    await fails(['ok', '--top', '0'], 'argument: --top: must be a positive integer (got 0)');
  });

  it('a damaged second model of an ensemble leaves the earlier export untouched', async () => {
    writeStudy(runs, 'ens', [
      { number: 0, value: 0.95, model: good },
      { number: 1, value: 0.9, model: brokenModel('ens-bad', (d) => truncateSync(join(d, 'weights.bin'), 10)) },
    ]);
    const out = join(root, 'earlier');
    const first = await cli(['export', 'ens', '--runs', runs, '--out', out, '--backend', 'wasm']);
    expect(first.code).toBe(0);
    const before = readdirSync(out).map((f) => [f, readFileSync(join(out, f), 'latin1')]);
    const r = await cli(['export', 'ens', '--runs', runs, '--out', out, '--top', '2', '--backend', 'wasm']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^digit-sweep: \S*\/runs\/ens\/trials\/1\/weights\.bin: weights are 10 bytes, model\.json expects \d+$/);
    expect(readdirSync(out).map((f) => [f, readFileSync(join(out, f), 'latin1')])).toEqual(before);
    expect(readdirSync(root).filter((f) => f.startsWith('.earlier'))).toEqual([]);
  });

  it('refuses to replace a folder that is not an export', async () => {
    const out = join(root, 'mine');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'keep me');
    const r = await cli(['export', 'ok', '--runs', runs, '--out', out, '--backend', 'wasm']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`digit-sweep: ${out}: folder is not empty and holds no export.json; choose another --out`);
    expect(readdirSync(out)).toEqual(['notes.txt']);
  });
});
