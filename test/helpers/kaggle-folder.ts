/** A tiny Kaggle-format folder (train.csv with labels, test.csv without) cut from the bundled split. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { kaggleSplit, writeKaggleCsv } from '../../src/data/index.js';

/** Writes `dir` with the first `labeled` train and `test` test images; returns the test labels (kept aside). */
export async function writeTinyKaggleFolder(dir: string, labeled: number, test: number): Promise<Uint8Array> {
  mkdirSync(dir, { recursive: true });
  const split = await kaggleSplit();
  const { train } = split;
  await writeKaggleCsv(join(dir, 'train.csv'), { count: labeled, images: train.images.subarray(0, labeled * 784), labels: train.labels.subarray(0, labeled) }, true);
  await writeKaggleCsv(join(dir, 'test.csv'), { count: test, images: split.test.images.subarray(0, test * 784), labels: null }, false);
  return split.test.labels!.subarray(0, test);
}
