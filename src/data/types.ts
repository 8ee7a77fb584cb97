/** Image sets as the trainer and the pool see them. TF.js-free. */

export const IMAGE_SIDE = 28;
export const IMAGE_SIZE = IMAGE_SIDE * IMAGE_SIDE; // 784
export const NUM_CLASSES = 10;

/**
 * `count` greyscale 28x28 images, row-major, 0..255, image i at [i*784, (i+1)*784).
 * Buffers are backed by SharedArrayBuffer where they are shared with pool workers (no copy per trial).
 */
export interface ImageSet {
  count: number;
  images: Uint8Array;
  /** Labels 0..9, or null for an unlabeled set (Kaggle's test.csv). */
  labels: Uint8Array | null;
}

/** What a sweep trains on: train and validation split of the labeled data, plus the test images. */
export interface Dataset {
  /** Human-readable origin, e.g. "bundled MNIST (Kaggle-like split)" or "kaggle:/path/to/dir". */
  source: string;
  /** Stable hash of the data (images + labels of every set); workers check it matches the study's. */
  fingerprint: string;
  train: ImageSet;
  val: ImageSet;
  test: ImageSet;
}
