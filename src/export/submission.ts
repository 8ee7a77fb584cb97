/** The test images a submission is predicted on, and what a submission is made of. TF.js-free. */
import { join, resolve } from 'node:path';
import { kaggleSplit, readKaggleTest } from '../data/index.js';
import { NUM_CLASSES, type ImageSet } from '../data/types.js';
import type { StudyData } from './study.js';

export interface TestSet {
  /** Where the images come from, for messages and export.json. */
  source: string;
  images: ImageSet;
  /** The hidden labels when known (the bundled Kaggle-like split), else null. */
  solution: Uint8Array | null;
}

/**
 * The study's test set: all 28,000 images of the bundled Kaggle-like split (whatever `limit` the
 * study trained with) with their hidden labels, or the Kaggle folder's test.csv (unlabeled).
 */
export async function loadTestSet(data: StudyData): Promise<TestSet> {
  if (data.source === 'mnist') {
    const { test } = await kaggleSplit();
    return { source: 'bundled MNIST (Kaggle-like test split)', images: { ...test, labels: null }, solution: test.labels };
  }
  const file = join(resolve(data.dir), 'test.csv');
  return { source: file, images: await readKaggleTest(file), solution: null };
}

/** The most probable class of each row of `probabilities` ([count * 10]). */
export function argmaxLabels(probabilities: Float32Array): Uint8Array {
  const count = probabilities.length / NUM_CLASSES;
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    let arg = 0;
    for (let c = 1; c < NUM_CLASSES; c++) if (probabilities[i * NUM_CLASSES + c]! > probabilities[i * NUM_CLASSES + arg]!) arg = c;
    labels[i] = arg;
  }
  return labels;
}

/** Share of `labels` equal to `solution`. */
export function accuracy(labels: ArrayLike<number>, solution: ArrayLike<number>): number {
  if (labels.length !== solution.length) throw new Error(`accuracy: ${labels.length} predictions for ${solution.length} labels`);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === solution[i]) correct++;
  return labels.length ? correct / labels.length : 0;
}
