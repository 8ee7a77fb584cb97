/**
 * The dropout mask function shared by every backend (src/train/ops/dropout-mask.ts; webgpu.test.ts
 * checks that the WGSL copy drops the same elements). Plain arithmetic, no TF.js.
 */
import { describe, expect, it } from 'vitest';
import { applyDropoutMask, kept, keepThreshold, maskKeys } from '../../src/train/ops/dropout-mask.js';

function mask(n: number, rate: number, seed: number): Uint8Array {
  const [k1, k2] = maskKeys(seed);
  const t = keepThreshold(rate);
  return Uint8Array.from({ length: n }, (_, i) => (kept(i, k1, k2, t) ? 1 : 0));
}

const mean = (m: Uint8Array): number => m.reduce((a, b) => a + b, 0) / m.length;

describe('dropout mask', () => {
  it('keeps each element with probability 1 - rate (100,000 draws, within 5 standard deviations)', () => {
    const n = 100_000;
    for (const rate of [0.1, 0.25, 0.4, 0.5, 0.9]) {
      for (const seed of [0, 1, 12345, 4294967295]) {
        const sd = Math.sqrt(((1 - rate) * rate) / n);
        expect(Math.abs(mean(mask(n, rate, seed)) - (1 - rate)), `rate ${rate} seed ${seed}`).toBeLessThan(5 * sd);
      }
    }
  });

  it('rate 0 keeps everything', () => {
    expect(mean(mask(10_000, 0, 7))).toBe(1);
  });

  it('masks of neighbouring seeds, and neighbouring elements, are independent (agreement as for independent draws)', () => {
    const n = 100_000;
    const keep = 0.6;
    const independent = keep * keep + (1 - keep) * (1 - keep); // P(both kept or both dropped)
    const sd = Math.sqrt((independent * (1 - independent)) / n);
    for (const seed of [0, 1, 2, 1000, 0x9e3779b9]) {
      const a = mask(n + 1, 1 - keep, seed);
      const b = mask(n + 1, 1 - keep, seed + 1);
      let sameSeedAgree = 0;
      let sameIndexAgree = 0;
      for (let i = 0; i < n; i++) {
        sameIndexAgree += a[i] === b[i] ? 1 : 0;
        sameSeedAgree += a[i] === a[i + 1] ? 1 : 0;
      }
      expect(Math.abs(sameIndexAgree / n - independent), `seeds ${seed}, ${seed + 1}`).toBeLessThan(5 * sd);
      expect(Math.abs(sameSeedAgree / n - independent), `elements i, i + 1 of seed ${seed}`).toBeLessThan(5 * sd);
    }
  });

  it('applyDropoutMask scales kept elements by 1 / (1 - rate) and zeroes the others, by that mask', () => {
    const u = Float32Array.from({ length: 1000 }, (_, i) => i + 1);
    const out = new Float32Array(u.length);
    applyDropoutMask(u, out, 0.3, 99);
    const m = mask(u.length, 0.3, 99);
    for (let i = 0; i < u.length; i++) expect(out[i]).toBe(m[i] ? Math.fround(u[i]! / 0.7) : 0);
  });
});
