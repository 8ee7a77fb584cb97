/** `loadDataset`: what a sweep trains on, from the bundled MNIST or a folder with Kaggle's CSV files. */
import { join } from 'node:path';
import { describeBadValue, UserError } from '../core/errors.js';
import { readKaggleTest, readKaggleTrain } from './csv-read.js';
import { fingerprintSets } from './fingerprint.js';
import { headImages, kaggleSplitHead, selectImages } from './mnist.js';
import { stratifiedSplit } from './split.js';
import type { Dataset, ImageSet } from './types.js';

export type DataSource = { source: 'mnist' } | { source: 'kaggle'; dir: string };

export type DatasetSpec = DataSource & {
  /** Use only the first N labeled images (and at most N test images). */
  limit?: number;
  /** Share of the labeled images held out for validation, per class. Default 0.1. */
  valFraction?: number;
  /** Seed of the validation split. Default 42. */
  seed?: number;
};

export const DEFAULT_VAL_FRACTION = 0.1;
export const DEFAULT_SPLIT_SEED = 42;

function checkSpec(spec: DatasetSpec): { limit: number; valFraction: number; seed: number } {
  const { limit = Infinity, valFraction = DEFAULT_VAL_FRACTION, seed = DEFAULT_SPLIT_SEED } = spec;
  if (limit !== Infinity && !(Number.isInteger(limit) && limit > 0)) {
    throw new UserError(describeBadValue('data', 'limit', 'must be a positive integer', limit));
  }
  if (!(typeof valFraction === 'number' && valFraction >= 0 && valFraction < 1)) {
    throw new UserError(describeBadValue('data', 'valFraction', 'must be at least 0 and below 1', valFraction));
  }
  if (!Number.isInteger(seed)) throw new UserError(describeBadValue('data', 'seed', 'must be an integer', seed));
  if (spec.source !== 'mnist' && spec.source !== 'kaggle') {
    throw new UserError(describeBadValue('data', 'source', 'must be "mnist" or "kaggle"', (spec as { source: unknown }).source));
  }
  return { limit, valFraction, seed };
}

/** The source's labeled and test images, before limit and split (the bundled MNIST's already limited). */
async function loadSource(spec: DataSource, limit: number): Promise<{ name: string; labeled: ImageSet; test: ImageSet }> {
  if (spec.source === 'mnist') {
    // Only the images a limit keeps: the bundled split's labeled and test heads.
    const { train, test } = await kaggleSplitHead(limit);
    return { name: 'bundled MNIST (Kaggle-like split)', labeled: train, test };
  }
  const [labeled, test] = await Promise.all([
    readKaggleTrain(join(spec.dir, 'train.csv')),
    readKaggleTest(join(spec.dir, 'test.csv')),
  ]);
  return { name: `kaggle:${spec.dir}`, labeled, test };
}

/**
 * Loads a dataset: the labeled images split (stratified, seeded) into train and validation, plus the
 * test images (labeled for the bundled MNIST, unlabeled for Kaggle's test.csv). Every buffer is backed
 * by a SharedArrayBuffer of its own.
 */
export async function loadDataset(spec: DatasetSpec): Promise<Dataset> {
  const { limit, valFraction, seed } = checkSpec(spec);
  const { name, labeled, test } = await loadSource(spec, limit);
  const { train, val } = stratifiedSplit(headImages(labeled, limit), valFraction, seed);
  const testSet = selectImages(test, indicesTo(Math.min(test.count, limit)));
  const fingerprint = fingerprintSets([['train', train], ['val', val], ['test', testSet]]);
  return { source: name, fingerprint, train, val, test: testSet };
}

function indicesTo(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/**
 * What a refit trial trains on: every labeled image (the training split, then the validation split) as
 * the training set, and an empty validation set. A copy (one per refit trial, 33 MB on 42,000 images).
 */
export function withoutHoldOut(data: Dataset): Dataset {
  const { train, val } = data;
  if (!train.labels || !val.labels) throw new Error('withoutHoldOut: the training and validation sets need labels');
  const images = new Uint8Array(train.images.length + val.images.length);
  images.set(train.images, 0);
  images.set(val.images, train.images.length);
  const labels = new Uint8Array(train.count + val.count);
  labels.set(train.labels, 0);
  labels.set(val.labels, train.count);
  return {
    ...data,
    train: { count: train.count + val.count, images, labels },
    val: { count: 0, images: new Uint8Array(0), labels: new Uint8Array(0) },
  };
}
