/** Stratified train / validation split of a labeled image set. */
import { createRng, permutation } from '../core/random.js';
import { selectImages } from './mnist.js';
import { NUM_CLASSES, type ImageSet } from './types.js';

/**
 * Splits `set` per class: round(count * valFraction) images go to validation, shared out over the
 * classes in proportion to their sizes (largest remainder, so each class gets floor or ceil of
 * n * valFraction); which images of a class, a seeded shuffle decides. Both sets keep the order of `set`.
 */
export function stratifiedSplit(set: ImageSet, valFraction: number, seed: number): { train: ImageSet; val: ImageSet } {
  const labels = set.labels;
  if (!labels) throw new Error('stratifiedSplit: the set has no labels');
  const byClass: number[][] = Array.from({ length: NUM_CLASSES }, () => []);
  for (let i = 0; i < set.count; i++) byClass[labels[i]!]!.push(i);
  const quotas = byClass.map((members) => members.length * valFraction);
  const takes = quotas.map(Math.floor);
  let missing = Math.round(set.count * valFraction) - takes.reduce((a, b) => a + b, 0);
  const byRemainder = quotas.map((_, c) => c).sort((a, b) => quotas[b]! - takes[b]! - (quotas[a]! - takes[a]!) || a - b);
  for (const c of byRemainder) {
    if (missing <= 0) break;
    if (takes[c]! < byClass[c]!.length) {
      takes[c]!++;
      missing--;
    }
  }
  const rng = createRng(seed);
  const isVal = new Uint8Array(set.count);
  byClass.forEach((members, c) => {
    const order = permutation(members.length, rng);
    for (let k = 0; k < takes[c]!; k++) isVal[members[order[k]!]!] = 1;
  });
  const trainIdx: number[] = [];
  const valIdx: number[] = [];
  for (let i = 0; i < set.count; i++) (isVal[i] ? valIdx : trainIdx).push(i);
  return { train: selectImages(set, trainIdx), val: selectImages(set, valIdx) };
}
