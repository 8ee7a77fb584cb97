/** Shared helpers of the data tests (not a test file). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { KAGGLE_TEST_HEADER, KAGGLE_TRAIN_HEADER } from '../../src/data/index.js';

/** A temporary folder removed after the test file. */
export function tempDir(prefix = 'digit-sweep-data-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** 784 pixel values, pixel i = (seed + i) % 256, as strings. */
export function pixels(seed: number): string[] {
  return Array.from({ length: 784 }, (_, i) => String((seed + i) % 256));
}

/** The text of a train.csv with the given rows of `label,pixels...` cells. */
export function trainCsv(rows: string[][], eol = '\n'): string {
  return [KAGGLE_TRAIN_HEADER, ...rows.map((r) => r.join(','))].join(eol) + eol;
}

export function testCsv(rows: string[][], eol = '\n'): string {
  return [KAGGLE_TEST_HEADER, ...rows.map((r) => r.join(','))].join(eol) + eol;
}

/** Three valid train rows (labels 3, 1, 4). */
export function goodTrainRows(): string[][] {
  return [3, 1, 4].map((label, k) => [String(label), ...pixels(k * 7)]);
}

export function writeText(dir: string, name: string, text: string | Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}
