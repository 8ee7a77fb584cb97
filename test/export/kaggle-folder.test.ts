/** `export` of a study trained on a Kaggle folder: predicts that folder's test.csv; accuracy unknown. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportKaggle, kaggleSplit } from '../../src/data/index.js';
import { predictEnsemble } from '../../src/train/predict.js';
import { argmaxLabels } from '../../src/export/index.js';
import { cli, tempDir, trainTinyModel, writeStudy } from './helpers.js';

describe('digit-sweep export of a Kaggle-folder study', () => {
  const root = tempDir();
  const model = join(root, 'model');
  const kaggle = join(root, 'kaggle');
  beforeAll(async () => {
    await trainTinyModel(model, { images: 500, epochs: 2 });
    await exportKaggle(kaggle, { limit: 120 });
  });

  it("writes one row per image of the folder's test.csv and says the accuracy is unknown", async () => {
    const runs = writeStudy(join(root, 'runs'), 'k', [{ number: 3, value: 0.8, model }], { data: { source: 'kaggle', dir: kaggle, valFraction: 0.1 } });
    const out = join(root, 'out');
    const r = await cli(['export', 'k', '--runs', runs, '--out', out, '--backend', 'wasm']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`test: 120 images from ${join(kaggle, 'test.csv')}`);
    expect(r.out).toContain('test accuracy unknown (the test set has no labels; score it on Kaggle)');
    const lines = readFileSync(join(out, 'submission.csv'), 'latin1').trim().split('\n');
    expect(lines).toHaveLength(121);
    const { test } = await kaggleSplit();
    const expected = argmaxLabels((await predictEnsemble([model], { count: 120, images: test.images.subarray(0, 120 * 784), labels: null })).probabilities);
    expect(lines.slice(1)).toEqual(Array.from(expected, (l, i) => `${i + 1},${l}`));
    expect(JSON.parse(readFileSync(join(out, 'export.json'), 'utf8'))).toMatchObject({ accuracy: null, rows: 120, trials: [{ number: 3, testAccuracy: null }] });
  });
});
