/** A stable hash of a dataset's contents, so workers and stored studies can check they see the same data. */
import { createHash } from 'node:crypto';
import type { ImageSet } from './types.js';

/** sha256 over count, images and labels of each set in order; 16 hex characters. */
export function fingerprintSets(sets: Array<[name: string, set: ImageSet]>): string {
  const hash = createHash('sha256');
  for (const [name, set] of sets) {
    hash.update(`${name}:${set.count}:${set.labels ? 'labeled' : 'unlabeled'}\n`);
    hash.update(set.images);
    if (set.labels) hash.update(set.labels);
  }
  return hash.digest('hex').slice(0, 16);
}
