import { describe, expect, it } from 'vitest';
import { exportKaggle, isShared, loadDataset, loadKaggleSolution, type Dataset } from '../../src/data/index.js';
import { tempDir } from './helpers.js';

function buffers(ds: Dataset): Uint8Array[] {
  return [ds.train, ds.val, ds.test].flatMap((s) => (s.labels ? [s.images, s.labels] : [s.images]));
}

describe('SharedArrayBuffer backing', () => {
  it('backs every buffer of a bundled MNIST dataset', async () => {
    const ds = await loadDataset({ source: 'mnist', limit: 300 });
    for (const b of buffers(ds)) expect(b.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(isShared(await loadKaggleSolution())).toBe(true);
  });

  it('backs every buffer of a dataset read from Kaggle CSV files', async () => {
    const dir = tempDir();
    await exportKaggle(dir, { limit: 100 });
    const ds = await loadDataset({ source: 'kaggle', dir });
    expect(ds.test.labels).toBeNull();
    const all = buffers(ds);
    expect(all).toHaveLength(5);
    for (const b of all) expect(b.buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});
