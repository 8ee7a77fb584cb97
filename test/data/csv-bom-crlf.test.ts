import { describe, expect, it } from 'vitest';
import { readKaggleTest, readKaggleTrain } from '../../src/data/index.js';
import { goodTrainRows, tempDir, testCsv, trainCsv, writeText } from './helpers.js';

const dir = tempDir();
const expected = goodTrainRows();

function check(set: { count: number; images: Uint8Array; labels: Uint8Array | null }): void {
  expect(set.count).toBe(3);
  expect(Array.from(set.labels ?? [])).toEqual([3, 1, 4]);
  expect(Array.from(set.images.subarray(784, 1568))).toEqual(expected[1]!.slice(1).map(Number));
}

describe('Kaggle CSV tolerances', () => {
  it('accepts a UTF-8 BOM and CRLF line endings', async () => {
    const file = writeText(dir, 'bom-crlf.csv', `\uFEFF${trainCsv(expected, '\r\n')}`);
    check(await readKaggleTrain(file));
  });

  it('accepts a missing or repeated final newline', async () => {
    const text = trainCsv(expected);
    check(await readKaggleTrain(writeText(dir, 'no-final.csv', text.slice(0, -1))));
    check(await readKaggleTrain(writeText(dir, 'two-final.csv', `${text}\r\n\n`)));
  });

  it('reads a test.csv with BOM and CRLF', async () => {
    const rows = expected.map((r) => r.slice(1));
    const set = await readKaggleTest(writeText(dir, 'test.csv', `\uFEFF${testCsv(rows, '\r\n')}`));
    expect(set.count).toBe(3);
    expect(set.labels).toBeNull();
    expect(Array.from(set.images.subarray(784 * 2))).toEqual(rows[2]!.map(Number));
  });
});
