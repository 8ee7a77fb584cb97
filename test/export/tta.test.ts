/** Test-time augmentation: fixed views, valid averaged probabilities, and `export --tta`. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { kaggleSplit } from '../../src/data/index.js';
import { predictEnsemble } from '../../src/train/predict.js';
import { TTA_VIEWS, viewImages } from '../../src/train/tta.js';
import { cli, tempDir, trainTinyModel, writeStudy } from './helpers.js';

describe('test-time augmentation', () => {
  const root = tempDir();
  const model = join(root, 'model');
  beforeAll(() => trainTinyModel(model, { images: 1500 }));

  it('views: the clean image as is, a one-pixel shift moves every pixel by one', () => {
    const img = new Uint8Array(784);
    img[10 * 28 + 12] = 255;
    const out = new Float32Array(784);
    viewImages(img, 0, 1, TTA_VIEWS[0]!, out);
    expect(Array.from(out)).toEqual(Array.from(img, (v) => v / 255));
    viewImages(img, 0, 1, TTA_VIEWS.find((v) => v.dx === 1 && v.dy === 1)!, out);
    expect(out[11 * 28 + 13]).toBeCloseTo(1, 6);
    expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    // A rotation keeps the ink roughly where it was (small angle) and changes the image.
    viewImages(img, 0, 1, TTA_VIEWS.find((v) => v.degrees > 0)!, out);
    expect(out[10 * 28 + 12]).toBeLessThan(1);
  });

  it('returns valid probabilities: the mean of the views, different from the clean prediction', async () => {
    const { test } = await kaggleSplit();
    const images = { count: 40, images: test.images.subarray(0, 40 * 784), labels: null };
    const clean = await predictEnsemble([model], images);
    const tta = await predictEnsemble([model], images, { tta: true });
    expect(tta.views.map((v) => v.name)).toEqual(TTA_VIEWS.map((v) => v.name));
    for (let i = 0; i < 40; i++) {
      const row = tta.probabilities.subarray(i * 10, i * 10 + 10);
      expect(row.every((p) => p >= 0 && p <= 1)).toBe(true);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    }
    const diff = Math.max(...tta.probabilities.map((p, i) => Math.abs(p - clean.probabilities[i]!)));
    expect(diff).toBeGreaterThan(1e-3);
    // The mean over the views, by hand: one view at a time through predictEnsemble's clean path.
    const perView = await Promise.all(
      TTA_VIEWS.map(async (view) => {
        const buf = new Float32Array(40 * 784);
        viewImages(images.images, 0, 40, view, buf);
        const bytes = Uint8Array.from(buf, (v) => Math.round(v * 255));
        return (await predictEnsemble([model], { count: 40, images: bytes, labels: null })).probabilities;
      }),
    );
    for (let i = 0; i < 400; i += 37) {
      const mean = perView.reduce((s, p) => s + p[i]!, 0) / TTA_VIEWS.length;
      expect(tta.probabilities[i]).toBeCloseTo(mean, 2); // the by-hand views are rounded to bytes
    }
  });

  it('digit-sweep export --tta records the views in export.json', async () => {
    const runs = writeStudy(join(root, 'runs'), 'tta', [{ number: 0, value: 0.9, model }]);
    const out = join(root, 'out');
    const r = await cli(['export', 'tta', '--runs', runs, '--out', out, '--tta', '--backend', 'wasm']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/submission \(TTA over 5 views\): test accuracy \d+\.\d\d%/);
    const summary = JSON.parse(readFileSync(join(out, 'export.json'), 'utf8'));
    expect(summary).toMatchObject({ tta: true, views: TTA_VIEWS.map((v) => v.name), rows: 28_000 });
    console.info(`tiny model test accuracy with TTA: ${summary.accuracy}`);
  });
});
