/** `export NAME`: submission.csv in Kaggle's format on the 28,000 bundled test images, model copied, export.json. */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KAGGLE_SUBMISSION_HEADER, loadKaggleSolution } from '../../src/data/index.js';
import { cli, tempDir, trainTinyModel, writeStudy } from './helpers.js';

describe('digit-sweep export NAME', () => {
  const root = tempDir();
  const model = join(root, 'model');
  const runs = join(root, 'runs');
  beforeAll(async () => {
    await trainTinyModel(model);
    writeStudy(runs, 'tiny', [
      { number: 0, value: 0.5, state: 'pruned' },
      { number: 1, value: 0.9, model },
      { number: 2, state: 'fail' },
    ]);
  });

  it('writes a Kaggle submission for all 28,000 test images and prints its accuracy', async () => {
    const out = join(root, 'export');
    const r = await cli(['export', 'tiny', '--runs', runs, '--out', out, '--backend', 'wasm']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['export.json', 'model.json', 'submission.csv', 'weights.bin']);

    const text = readFileSync(join(out, 'submission.csv'), 'latin1');
    expect(text.endsWith('\n')).toBe(true);
    expect(text).not.toContain('\r');
    const lines = text.slice(0, -1).split('\n');
    expect(lines[0]).toBe(KAGGLE_SUBMISSION_HEADER);
    expect(lines).toHaveLength(28_001);
    const labels = lines.slice(1).map((line, i) => {
      const m = /^(\d+),(\d)$/.exec(line);
      expect(m, `line ${i + 2}: ${line}`).not.toBeNull();
      expect(Number(m![1])).toBe(i + 1);
      return Number(m![2]);
    });
    expect(new Set(labels).size).toBe(10); // a trained model predicts every class somewhere

    // The printed accuracy is the submission's accuracy against the hidden labels.
    const solution = await loadKaggleSolution();
    const correct = labels.filter((l, i) => l === solution[i]).length;
    const accuracy = correct / 28_000;
    expect(accuracy).toBeGreaterThan(0.75);
    expect(r.out).toContain(`submission: test accuracy ${(accuracy * 100).toFixed(2)}%`);
    expect(r.out).toContain('model: trial #1');

    const summary = JSON.parse(readFileSync(join(out, 'export.json'), 'utf8'));
    expect(summary).toMatchObject({ study: 'tiny', kind: 'search', top: 1, used: 1, tta: false, rows: 28_000, accuracy });
    expect(summary.trials).toEqual([{ number: 1, kind: 'search', refitOf: null, value: 0.9, modelDir: 'trials/1', testAccuracy: accuracy, exportedTo: '.' }]);

    // The model is copied byte for byte.
    for (const f of ['model.json', 'weights.bin']) expect(readFileSync(join(out, f)).equals(readFileSync(join(model, f)))).toBe(true);
  });

  it('defaults to reports/<study>/export and replaces an earlier export as a whole', async () => {
    const cwd = process.cwd();
    process.chdir(root);
    const out = join(root, 'reports', 'tiny', 'export');
    // An earlier export (of a 2-model ensemble): its trial-9/ must not survive the new one.
    mkdirSync(join(out, 'trial-9'), { recursive: true });
    writeFileSync(join(out, 'export.json'), '{}');
    try {
      const r = await cli(['export', 'tiny', '--runs', runs, '--backend', 'wasm']);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`wrote ${out}:`);
      expect(readdirSync(out).sort()).toEqual(['export.json', 'model.json', 'submission.csv', 'weights.bin']);
      expect(readdirSync(join(root, 'reports', 'tiny'))).toEqual(['export']); // no temp folder left
    } finally {
      process.chdir(cwd);
    }
  });
});
