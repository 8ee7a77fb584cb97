/** Stratified train / validation split of a labeled image set. */
import { createRng, permutation } from '../random.js';
import { selectImages } from './mnist.js';
import { NUM_CLASSES, type ImageSet } from './types.js';

/**
 * Splits `set` per class: of the n images of each class, round(n * valFraction), chosen with a
 * seeded shuffle, go to validation, the rest to training. Both keep the order of `set`.
 */
export function stratifiedSplit(set: ImageSet, valFraction: number, seed: number): { train: ImageSet; val: ImageSet } {
  const labels = set.labels;
  if (!labels) throw new Error('stratifiedSplit: the set has no labels');
  const byClass: number[][] = Array.from({ length: NUM_CLASSES }, () => []);
  for (let i = 0; i < set.count; i++) byClass[labels[i]!]!.push(i);
  const rng = createRng(seed);
  const isVal = new Uint8Array(set.count);
  for (const members of byClass) {
    const take = Math.round(members.length * valFraction);
    const order = permutation(members.length, rng);
    for (let k = 0; k < take; k++) isVal[members[order[k]!]!] = 1;
  }
  const trainIdx: number[] = [];
  const valIdx: number[] = [];
  for (let i = 0; i < set.count; i++) (isVal[i] ? valIdx : trainIdx).push(i);
  return { train: selectImages(set, trainIdx), val: selectImages(set, valIdx) };
}
