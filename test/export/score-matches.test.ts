/** `score` of an exported submission against `data export-kaggle`'s solution.csv = export's own accuracy. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir, trainTinyModel, writeStudy } from './helpers.js';

describe('export accuracy vs digit-sweep score', () => {
  const root = tempDir();
  const model = join(root, 'model');
  beforeAll(() => trainTinyModel(model, { images: 1000, epochs: 2 }));

  it('scores the submission exactly as export measured it in-process', async () => {
    const runs = writeStudy(join(root, 'runs'), 's', [{ number: 0, value: 0.9, model }]);
    const out = join(root, 'export');
    const exported = await cli(['export', 's', '--runs', runs, '--out', out, '--backend', 'wasm']);
    expect(exported.code).toBe(0);
    const { accuracy } = JSON.parse(readFileSync(join(out, 'export.json'), 'utf8'));

    const kaggle = join(root, 'kaggle');
    expect((await cli(['data', 'export-kaggle', kaggle])).code).toBe(0);
    const scored = await cli(['score', join(out, 'submission.csv'), '--solution', join(kaggle, 'solution.csv'), '--json']);
    expect(scored.err).toBe('');
    expect(scored.code).toBe(0);
    const score = JSON.parse(scored.out);
    expect(score.rows).toBe(28_000);
    expect(score.accuracy).toBe(accuracy);
    expect(exported.out).toContain(`test accuracy ${(score.accuracy * 100).toFixed(2)}%`);
  });
});
