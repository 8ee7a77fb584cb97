import { describe, expect, it } from 'vitest';
import { augmentBatch, NO_AUGMENT } from '../../src/train/augment.js';
import { createRng } from '../../src/core/random.js';

/** A 28x28 image with a bright 4x4 square centered at (cx, cy). */
function square(cx: number, cy: number): Uint8Array {
  const img = new Uint8Array(784);
  for (let y = cy - 2; y < cy + 2; y++) for (let x = cx - 2; x < cx + 2; x++) img[y * 28 + x] = 255;
  return img;
}

function centerOfMass(px: Float32Array): [number, number, number] {
  let m = 0, sx = 0, sy = 0;
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) { const v = px[y * 28 + x]!; m += v; sx += v * x; sy += v * y; }
  return [sx / m, sy / m, m];
}

describe('augmentBatch', () => {
  it('without augmentation scales pixels to 0..1 and keeps them in place', () => {
    const img = square(10, 12);
    const out = new Float32Array(784);
    augmentBatch(img, [0], out, NO_AUGMENT, createRng(1));
    for (let p = 0; p < 784; p++) expect(out[p]).toBeCloseTo(img[p]! / 255, 6);
  });

  it('shifts by at most 10% of the side, rotates and zooms mildly, keeping the digit', () => {
    const img = square(14, 14);
    const out = new Float32Array(784);
    const rng = createRng(7);
    let moved = 0;
    for (let trial = 0; trial < 200; trial++) {
      augmentBatch(img, [0], out, { rotation: 10, zoom: 0.1, shift: 0.1, noise: 0 }, rng);
      const [cx, cy, mass] = centerOfMass(out);
      // 0.1 * 28 = 2.8 pixels of shift at most (plus a little from zoom/rotation about the center).
      expect(Math.abs(cx - 13.5)).toBeLessThan(3.6);
      expect(Math.abs(cy - 13.5)).toBeLessThan(3.6);
      // zoom ±10% per axis changes the area by at most ~21%
      expect(mass / 16).toBeGreaterThan(0.75);
      expect(mass / 16).toBeLessThan(1.3);
      if (Math.abs(cx - 14) > 0.5) moved++;
    }
    expect(moved).toBeGreaterThan(100);
  });

  it('is seeded, and adds Gaussian noise of the requested std', () => {
    const img = new Uint8Array(784 * 4).fill(128);
    const a = new Float32Array(784 * 4);
    const b = new Float32Array(784 * 4);
    const opts = { rotation: 0, zoom: 0, shift: 0, noise: 0.2 };
    augmentBatch(img, [0, 1, 2, 3], a, opts, createRng(3));
    augmentBatch(img, [0, 1, 2, 3], b, opts, createRng(3));
    expect(a).toEqual(b);
    let s = 0, s2 = 0;
    for (const v of a) { const d = v - 128 / 255; s += d; s2 += d * d; }
    const n = a.length;
    expect(Math.abs(s / n)).toBeLessThan(0.01);
    expect(Math.sqrt(s2 / n)).toBeGreaterThan(0.19);
    expect(Math.sqrt(s2 / n)).toBeLessThan(0.21);
  });
});
