/** A refit's data (data/dataset.ts withoutHoldOut): every labeled image of the split as training data, no validation set. */
import { describe, expect, it } from 'vitest';
import { loadDataset, withoutHoldOut } from '../../src/data/index.js';

describe('withoutHoldOut', () => {
  it('trains on the training split followed by the validation split, and validates on nothing', async () => {
    const data = await loadDataset({ source: 'mnist', limit: 500, valFraction: 0.1 });
    const full = withoutHoldOut(data);
    expect(data.val.count).toBeGreaterThan(0);
    expect(full.train.count).toBe(500);
    expect(full.train.count).toBe(data.train.count + data.val.count);
    expect(Buffer.from(full.train.images).equals(Buffer.concat([data.train.images, data.val.images]))).toBe(true);
    expect([...full.train.labels!]).toEqual([...data.train.labels!, ...data.val.labels!]);
    expect(full.val.count).toBe(0);
    expect(full.test).toBe(data.test);
    expect(full.fingerprint).toBe(data.fingerprint);
  });
});
