import { describe, expect, it } from 'vitest';
import { kaggleSplit, loadDataset, loadKaggleSolution, loadMnist, mnistDir } from '../../src/data/index.js';
import { readKaggleSplitHead } from '../../src/data/mnist.js';

const PINNED_SOLUTION_HEAD = [4, 7, 2, 9, 1, 5, 3, 6, 6, 2];
const PINNED_FINGERPRINT = 'ef195d372ac92049';
/** loadDataset's fingerprints at limit 300 and 1000, computed (2026-12-08) while every load still read all 70,000 images. */
const PINNED_FINGERPRINT_300 = '6fb469f1dbd5df09';
const PINNED_FINGERPRINT_1000 = '7ff61977d9d3ebcd';

describe('the Kaggle-like split of the bundled MNIST', () => {
  it('has 42,000 labeled train and 28,000 test images, together all 70,000', async () => {
    const { train, test } = await kaggleSplit();
    expect(train.count).toBe(42_000);
    expect(test.count).toBe(28_000);
    expect(train.images.length).toBe(42_000 * 784);
    expect(test.labels.length).toBe(28_000);
    // Same multiset of labels as the whole of MNIST.
    const all = await loadMnist();
    const hist = (ls: Uint8Array[]) => {
      const h = new Array(10).fill(0);
      for (const l of ls) for (const v of l) h[v]++;
      return h;
    };
    expect(hist([train.labels, test.labels])).toEqual(hist([all.labels]));
  });

  it('is deterministic and its solution is the test labels', async () => {
    const solution = await loadKaggleSolution();
    expect(solution.length).toBe(28_000);
    expect(Array.from(solution.subarray(0, 20))).toEqual(Array.from((await kaggleSplit()).test.labels.subarray(0, 20)));
    const a = await loadDataset({ source: 'mnist' });
    const b = await loadDataset({ source: 'mnist' });
    expect(a.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(a.train.count + a.val.count).toBe(42_000);
    expect(a.val.count).toBe(4_200);
    expect(a.test.count).toBe(28_000);
    expect(Buffer.from(a.test.labels!).equals(Buffer.from(solution))).toBe(true);
    // Pinned: a change of the split (seed, RNG, order) must be deliberate.
    expect(Array.from(solution.subarray(0, 10))).toEqual(PINNED_SOLUTION_HEAD);
    expect(a.fingerprint).toBe(PINNED_FINGERPRINT);
  });

  it('limit takes the first N labeled images and at most N test images', async () => {
    const ds = await loadDataset({ source: 'mnist', limit: 1000 });
    expect(ds.train.count + ds.val.count).toBe(1000);
    expect(ds.test.count).toBe(1000);
    expect(ds.fingerprint).toBe(PINNED_FINGERPRINT_1000);
    expect((await loadDataset({ source: 'mnist', limit: 300 })).fingerprint).toBe(PINNED_FINGERPRINT_300);
    // A limited load reads only the images it keeps, whether or not the whole split is loaded (cached):
    // the same bytes, labels and order as the whole split's heads.
    const head = await readKaggleSplitHead(mnistDir(), 300);
    const full = await kaggleSplit();
    for (const side of ['train', 'test'] as const) {
      expect(head[side].count).toBe(300);
      expect(Buffer.from(head[side].images).equals(Buffer.from(full[side].images.subarray(0, 300 * 784)))).toBe(true);
      expect(Buffer.from(head[side].labels).equals(Buffer.from(full[side].labels.subarray(0, 300)))).toBe(true);
    }
    const firstThousand = new Set<string>();
    for (let i = 0; i < 1000; i++) firstThousand.add(Buffer.from(full.train.images.subarray(i * 784, (i + 1) * 784)).toString('base64'));
    for (let i = 0; i < ds.val.count; i++) {
      expect(firstThousand.has(Buffer.from(ds.val.images.subarray(i * 784, (i + 1) * 784)).toString('base64'))).toBe(true);
    }
  });
});
