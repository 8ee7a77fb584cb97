import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  exportKaggle,
  kaggleSplit,
  loadDataset,
  readKaggleTest,
  readKaggleTrain,
} from '../../src/data/index.js';
import { tempDir } from './helpers.js';

const ROWS = 300;

describe('Kaggle CSV round trip', () => {
  it('reads back exactly what export-kaggle wrote', async () => {
    const dir = tempDir();
    const result = await exportKaggle(dir, { limit: ROWS });
    const { train, test } = await kaggleSplit();
    const readTrain = await readKaggleTrain(result.train.file);
    expect(readTrain.count).toBe(ROWS);
    expect(Buffer.from(readTrain.images).equals(Buffer.from(train.images.subarray(0, ROWS * 784)))).toBe(true);
    expect(Buffer.from(readTrain.labels).equals(Buffer.from(train.labels.subarray(0, ROWS)))).toBe(true);
    const readTest = await readKaggleTest(result.test.file);
    expect(readTest.labels).toBeNull();
    expect(Buffer.from(readTest.images).equals(Buffer.from(test.images.subarray(0, ROWS * 784)))).toBe(true);

    // A Kaggle-format dataset equals the bundled one except for the hidden test labels.
    const fromCsv = await loadDataset({ source: 'kaggle', dir });
    const bundled = await loadDataset({ source: 'mnist', limit: ROWS });
    expect(Buffer.from(fromCsv.train.images).equals(Buffer.from(bundled.train.images))).toBe(true);
    expect(Buffer.from(fromCsv.val.labels!).equals(Buffer.from(bundled.val.labels!))).toBe(true);
    expect(fromCsv.source).toBe(`kaggle:${dir}`);
  });

  it("writes Kaggle's exact format: headers, LF, no BOM, final newline", async () => {
    const dir = tempDir();
    const result = await exportKaggle(dir, { limit: 5 });
    const train = readFileSync(result.train.file, 'latin1');
    const test = readFileSync(result.test.file, 'latin1');
    const solution = readFileSync(result.solution.file, 'latin1');
    expect(train.startsWith('label,pixel0,pixel1,')).toBe(true);
    expect(train.split('\n')[0]!.endsWith(',pixel783')).toBe(true);
    expect(test.startsWith('pixel0,pixel1,')).toBe(true);
    for (const text of [train, test, solution]) {
      expect(text.includes('\r')).toBe(false);
      expect(text.charCodeAt(0)).not.toBe(0xfeff);
      expect(text.endsWith('\n')).toBe(true);
      expect(text.endsWith('\n\n')).toBe(false);
    }
    const rows = train.trimEnd().split('\n');
    expect(rows).toHaveLength(6);
    for (const row of rows.slice(1)) expect(row).toMatch(/^[0-9](,(0|[1-9][0-9]{0,2})){784}$/);
    const { test: hidden } = await kaggleSplit();
    expect(solution).toBe(['ImageId,Label', ...Array.from(hidden.labels.subarray(0, 5), (l, i) => `${i + 1},${l}`)].join('\n') + '\n');
  });
});
