/** PNG -> MNIST-style 28x28: inversion, 20x20 box fit, centering by mass, any PNG color type. No TF.js. */
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodePng, toMnist } from '../../src/export/index.js';
import { UserError } from '../../src/core/errors.js';
import { correlation, digitPng, t10kImage } from './helpers.js';

function centerOfMass(img: Uint8Array): [number, number] {
  let m = 0;
  let x = 0;
  let y = 0;
  for (let p = 0; p < 784; p++) {
    m += img[p]!;
    x += img[p]! * (p % 28);
    y += img[p]! * Math.floor(p / 28);
  }
  return [x / m, y / m];
}

function boundingBox(img: Uint8Array): { w: number; h: number } {
  let x0 = 28, y0 = 28, x1 = -1, y1 = -1;
  for (let p = 0; p < 784; p++) {
    if (img[p]! > 0) {
      x0 = Math.min(x0, p % 28);
      x1 = Math.max(x1, p % 28);
      y0 = Math.min(y0, Math.floor(p / 28));
      y1 = Math.max(y1, Math.floor(p / 28));
    }
  }
  return { w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

describe('PNG to MNIST preprocessing', () => {
  it('recovers a real MNIST digit drawn dark on a white 100x80 canvas', async () => {
    for (const index of [0, 1, 2, 3, 4]) {
      const original = await t10kImage(index);
      const img = toMnist(decodePng(digitPng(original), 'digit.png'), 'digit.png');
      expect(correlation(img, original)).toBeGreaterThan(0.85);
      const [cx, cy] = centerOfMass(img);
      expect(Math.abs(cx - 14)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(cy - 14)).toBeLessThanOrEqual(0.5);
      const { w, h } = boundingBox(img);
      expect(Math.max(w, h)).toBeGreaterThanOrEqual(19);
      expect(Math.max(w, h)).toBeLessThanOrEqual(21);
      expect(Math.max(...img)).toBeGreaterThan(240); // strokes stretched to full ink (area averaging softens them a bit)
    }
  });

  it('gives the same image for RGB, RGBA and grey PNGs', async () => {
    const original = await t10kImage(7);
    const [rgb, rgba, grey] = ([2, 6, 0] as const).map((colorType) => toMnist(decodePng(digitPng(original, { colorType }), 'x.png'), 'x.png'));
    expect(Array.from(rgba!)).toEqual(Array.from(rgb!));
    expect(Array.from(grey!)).toEqual(Array.from(rgb!));
  });

  it('does not invert a white digit on black, and reads transparency as white paper', async () => {
    const original = await t10kImage(3);
    const dark = decodePng(digitPng(original), 'x.png');
    const light = { ...dark, pixels: dark.pixels.map((v) => 255 - v) };
    expect(Array.from(toMnist(light, 'x.png'))).toEqual(Array.from(toMnist(dark, 'x.png')));

    // Black strokes on a fully transparent canvas (as drawing apps save them).
    const png = new PNG({ width: 40, height: 40 });
    for (let y = 8; y < 32; y++) for (let x = 18; x < 22; x++) png.data[4 * (y * 40 + x) + 3] = 255; // a "1"
    const one = toMnist(decodePng(PNG.sync.write(png), 'one.png'), 'one.png');
    expect(boundingBox(one)).toEqual({ w: 3, h: 20 }); // 4x24 scaled by 20/24
  });

  it('rejects a blank picture with one line', () => {
    const png = new PNG({ width: 30, height: 30 });
    png.data.fill(255);
    const blank = decodePng(PNG.sync.write(png), 'blank.png');
    expect(() => toMnist(blank, 'blank.png')).toThrow(UserError);
    expect(() => toMnist(blank, 'blank.png')).toThrow(/^blank\.png: no digit found/);
  });
});
