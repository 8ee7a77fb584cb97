/** `predict --model DIR FILE.csv`: Kaggle test.csv rows, with or without the header. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KAGGLE_TEST_HEADER, kaggleSplit } from '../../src/data/index.js';
import { predictEnsemble } from '../../src/train/predict.js';
import { argmaxLabels } from '../../src/export/index.js';
import { cli, tempDir, trainTinyModel } from './helpers.js';

describe('digit-sweep predict --model DIR FILE.csv', () => {
  const root = tempDir();
  const model = join(root, 'model');
  beforeAll(() => trainTinyModel(model, { images: 1000, epochs: 3 }));

  it('reads every row, header or not, and predicts what the model predicts on those images', async () => {
    const { test } = await kaggleSplit();
    const n = 6;
    const rows = Array.from({ length: n }, (_, i) => Array.from(test.images.subarray(i * 784, (i + 1) * 784)).join(','));
    const withHeader = join(root, 'with-header.csv');
    const bare = join(root, 'bare.csv');
    writeFileSync(withHeader, `${KAGGLE_TEST_HEADER}\r\n${rows.join('\r\n')}\r\n`);
    writeFileSync(bare, `${rows.join('\n')}\n\n`);
    const expected = argmaxLabels((await predictEnsemble([model], { count: n, images: test.images.subarray(0, n * 784), labels: null })).probabilities);

    const a = await cli(['predict', '--model', model, withHeader, '--json', '--backend', 'wasm']);
    const b = await cli(['predict', '--model', model, bare, '--json', '--backend', 'wasm']);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const ra = JSON.parse(a.out);
    const rb = JSON.parse(b.out);
    expect(ra.map((r: { input: string }) => r.input)).toEqual(rows.map((_, i) => `${withHeader}:${i + 2}`));
    expect(rb.map((r: { input: string }) => r.input)).toEqual(rows.map((_, i) => `${bare}:${i + 1}`));
    expect(ra.map((r: { digit: number }) => r.digit)).toEqual(Array.from(expected));
    expect(rb.map((r: { digit: number }) => r.digit)).toEqual(Array.from(expected));
    expect(rb.map((r: { probability: number }) => r.probability)).toEqual(ra.map((r: { probability: number }) => r.probability));
  });
});
