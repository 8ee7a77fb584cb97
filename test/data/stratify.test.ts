import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { classCounts, loadDataset } from '../../src/data/index.js';

function proportions(counts: number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => c / total);
}

describe('stratified validation split', () => {
  it('keeps the class proportions of val within 1% of train', async () => {
    for (const spec of [{ limit: 2000, valFraction: 0.2 }, { valFraction: 0.1 }]) {
      const ds = await loadDataset({ source: 'mnist', ...spec });
      const train = proportions(classCounts(ds.train)!);
      const val = proportions(classCounts(ds.val)!);
      for (let c = 0; c < 10; c++) expect(Math.abs(val[c]! - train[c]!)).toBeLessThan(0.01);
    }
  });

  it('depends on the seed, deterministically', async () => {
    const a = await loadDataset({ source: 'mnist', limit: 500, seed: 1 });
    const b = await loadDataset({ source: 'mnist', limit: 500, seed: 1 });
    const c = await loadDataset({ source: 'mnist', limit: 500, seed: 2 });
    expect(Buffer.from(a.val.images).equals(Buffer.from(b.val.images))).toBe(true);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(Buffer.from(a.val.images).equals(Buffer.from(c.val.images))).toBe(false);
    expect(a.fingerprint).not.toBe(c.fingerprint);
    expect(a.val.count).toBe(50);
  });

  it('rejects a bad limit, val fraction or seed', async () => {
    await expect(loadDataset({ source: 'mnist', limit: 0 })).rejects.toThrow(UserError);
    await expect(loadDataset({ source: 'mnist', valFraction: 1 })).rejects.toThrow('data: valFraction: must be at least 0 and below 1 (got 1)');
    await expect(loadDataset({ source: 'mnist', seed: 1.5 })).rejects.toThrow('data: seed: must be an integer (got 1.5)');
  });
});
