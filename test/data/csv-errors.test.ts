import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { readKaggleTest, readKaggleTrain } from '../../src/data/index.js';
import { goodTrainRows, pixels, tempDir, testCsv, trainCsv, writeText } from './helpers.js';

const dir = tempDir();

/** Reads `text` as train.csv (or test.csv) and returns the error: a UserError with one line. */
async function errorOf(name: string, text: string, read: (file: string) => Promise<unknown> = readKaggleTrain): Promise<string> {
  const file = writeText(dir, name, text);
  const err = await read(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  const message = (err as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

function rowsWith(row: number, change: (cells: string[]) => void): string[][] {
  const rows = goodTrainRows();
  change(rows[row]!);
  return rows;
}

describe('bad Kaggle CSV files', () => {
  it('wrong header', async () => {
    const f = `${dir}/header.csv`;
    expect(await errorOf('header.csv', 'label,pixel0,pixel1\n1,2,3\n')).toBe(
      `${f}:1: expected the header label,pixel0,...,pixel783 (got "label,pixel0,pixel1")`,
    );
    const t = `${dir}/swapped.csv`;
    expect(await errorOf('swapped.csv', testCsv([pixels(0)]))).toMatch(
      new RegExp(`^${t}:1: expected the header label,pixel0,\\.\\.\\.,pixel783 \\(this looks like test\\.csv\\) \\(got "pixel0,pixel1,`),
    );
  });

  it('wrong column count', async () => {
    const f = `${dir}/columns.csv`;
    expect(await errorOf('columns.csv', trainCsv(rowsWith(1, (r) => r.pop())))).toBe(`${f}:3: expected 785 columns (got 784)`);
    const g = `${dir}/columns2.csv`;
    expect(await errorOf('columns2.csv', trainCsv(rowsWith(2, (r) => r.push('0'))))).toBe(`${g}:4: expected 785 columns (got 786)`);
    const h = `${dir}/blank.csv`;
    expect(await errorOf('blank.csv', trainCsv(goodTrainRows()).replace('\n3,', '\n\n3,'))).toBe(
      `${h}:2: empty line, expected 785 columns`,
    );
  });

  it('value outside 0..255', async () => {
    const f = `${dir}/range.csv`;
    expect(await errorOf('range.csv', trainCsv(rowsWith(0, (r) => (r[6] = '256'))))).toBe(`${f}:2: pixel5 outside 0..255 (got 256)`);
    const g = `${dir}/negative.csv`;
    expect(await errorOf('negative.csv', trainCsv(rowsWith(2, (r) => (r[784] = '-1'))))).toBe(`${g}:4: pixel783 outside 0..255 (got -1)`);
  });

  it('non-integer value', async () => {
    const f = `${dir}/float.csv`;
    expect(await errorOf('float.csv', trainCsv(rowsWith(1, (r) => (r[1] = '1.5'))))).toBe(`${f}:3: pixel0 is not an integer (got "1.5")`);
    const g = `${dir}/empty-cell.csv`;
    expect(await errorOf('empty-cell.csv', trainCsv(rowsWith(0, (r) => (r[10] = ''))))).toBe(`${g}:2: pixel9 is not an integer (got "")`);
    const h = `${dir}/word.csv`;
    expect(await errorOf('word.csv', testCsv([pixels(0), ['x', ...pixels(1).slice(1)]]), readKaggleTest)).toBe(
      `${h}:3: pixel0 is not an integer (got "x")`,
    );
  });

  it('label outside 0..9', async () => {
    const f = `${dir}/label.csv`;
    expect(await errorOf('label.csv', trainCsv(rowsWith(2, (r) => (r[0] = '10'))))).toBe(`${f}:4: label outside 0..9 (got 10)`);
    const g = `${dir}/label-word.csv`;
    expect(await errorOf('label-word.csv', trainCsv(rowsWith(0, (r) => (r[0] = 'seven'))))).toBe(
      `${g}:2: label is not an integer (got "seven")`,
    );
  });

  it('empty file, header only', async () => {
    const f = `${dir}/empty.csv`;
    expect(await errorOf('empty.csv', '')).toBe(`${f}:1: empty file, expected the header label,pixel0,...,pixel783`);
    const g = `${dir}/bom-only.csv`;
    expect(await errorOf('bom-only.csv', '\uFEFF\r\n', readKaggleTest)).toBe(`${g}:1: empty file, expected the header pixel0,...,pixel783`);
    const h = `${dir}/header-only.csv`;
    expect(await errorOf('header-only.csv', trainCsv([]))).toBe(`${h}:2: no data rows after the header`);
  });

  it('missing file', async () => {
    const f = `${dir}/missing/train.csv`;
    await expect(readKaggleTrain(f)).rejects.toThrow(UserError);
    await expect(readKaggleTrain(f)).rejects.toThrow(`${f}: file not found`);
  });
});
