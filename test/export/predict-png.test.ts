/** `predict --model DIR FILE.png`: a real MNIST digit drawn dark on a white 100x80 canvas is read back. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mnistDir, readIdxLabels } from '../../src/data/index.js';
import { predictEnsemble } from '../../src/train/predict.js';
import { cli, digitPng, t10kImage, tempDir, trainTinyModel } from './helpers.js';

describe('digit-sweep predict --model DIR FILE.png', () => {
  const root = tempDir();
  const model = join(root, 'model');
  /** t10k digits the model reads confidently as 28x28 images, one per class seen, with their PNGs. */
  const cases: Array<{ index: number; label: number; file: string }> = [];

  beforeAll(async () => {
    await trainTinyModel(model, { images: 3000, epochs: 5 });
    const labels = await readIdxLabels(join(mnistDir(), 't10k-labels-idx1-ubyte'));
    const seen = new Set<number>();
    for (let index = 0; index < 60 && cases.length < 5; index++) {
      const label = labels[index]!;
      if (seen.has(label)) continue;
      const digit = await t10kImage(index);
      const { probabilities } = await predictEnsemble([model], { count: 1, images: digit, labels: null });
      if (probabilities[label]! < 0.9) continue;
      seen.add(label);
      const file = join(root, `digit-${index}.png`);
      writeFileSync(file, digitPng(digit, { width: 100, height: 80 }));
      cases.push({ index, label, file });
    }
  });

  it('prints the digit and its probability, one line per picture', async () => {
    expect(cases).toHaveLength(5);
    const r = await cli(['predict', '--model', model, '--backend', 'wasm', ...cases.map((c) => c.file)]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines).toHaveLength(5);
    cases.forEach((c, i) => expect(lines[i]).toMatch(new RegExp(`^${c.file}: ${c.label} \\(probability (0|1)\\.\\d{4}\\)$`)));
  });

  it('--json prints machine-readable predictions', async () => {
    const c = cases[0]!;
    const r = await cli(['predict', '--model', model, c.file, '--json', '--backend', 'wasm']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ input: c.file, digit: c.label });
    expect(rows[0].probabilities).toHaveLength(10);
    expect(rows[0].probability).toBeCloseTo(Math.max(...rows[0].probabilities), 5);
    expect(rows[0].probabilities.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 4);
  });
});
