/**
 * Real TF.js, tiny data: `sweep` of a space with a refit: section, then `export --top 2 --tta`. The
 * data is a Kaggle-format folder of 600 labeled and 200 test images cut from the bundled split, so the
 * export predicts 200 images, not 28,000. The refit trials train on every labeled image (no
 * validation), keep their last epoch's model, and the submission is their ensemble; export.json and
 * the printout say exactly which models went in.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kaggleSplit, writeKaggleCsv } from '../../src/data/index.js';
import type { StudyRecord } from '../../src/core/types.js';
import { runCli } from '../helpers/cli.js';

const LABELED = 600;
const TEST = 200;

describe('sweep with a refit, then export (real TF.js, wasm)', () => {
  it('refits the best configurations on all labeled images and exports their ensemble', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-refit-'));
    const kaggle = join(dir, 'kaggle');
    mkdirSync(kaggle);
    const { train, test } = await kaggleSplit();
    await writeKaggleCsv(join(kaggle, 'train.csv'), { count: LABELED, images: train.images.subarray(0, LABELED * 784), labels: train.labels.subarray(0, LABELED) }, true);
    await writeKaggleCsv(join(kaggle, 'test.csv'), { count: TEST, images: test.images.subarray(0, TEST * 784), labels: null }, false);
    const space = join(dir, 'tr.yaml');
    writeFileSync(
      space,
      [
        '# 2 trials x 1 epoch on 540 of the 600 labeled images, then both retrained for 1 epoch on all 600.',
        'params:',
        '  lr: { type: categorical, choices: [0.001, 0.002] }',
        'fixed: { epochs: 1, batchSize: 64 }',
        'budget: { trials: 2, workers: 2 }',
        'sampler: { type: grid }',
        'pruner: { type: none }',
        'lag: 1',
        'seed: 7',
        `data: { source: kaggle, dir: ${JSON.stringify(kaggle)} }`,
        'keepModels: 2',
        'refit: { top: 2, epochs: auto }',
        '',
      ].join('\n'),
    );
    const runs = join(dir, 'runs');
    const r = await runCli(['sweep', space, '--study', 'tr', '--backend', 'wasm', '--runs', runs, '--reports', join(dir, 'reports')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/refit: 2 configuration\(s\) on every labeled image/);
    const study = JSON.parse(readFileSync(join(runs, 'tr/study.json'), 'utf8')) as StudyRecord;
    const search = study.trials.filter((t) => t.kind !== 'refit');
    const refits = study.trials.filter((t) => t.kind === 'refit');
    expect(search.map((t) => t.state)).toEqual(['complete', 'complete']);
    const ranked = [...search].sort((a, b) => b.value! - a.value! || a.number - b.number);
    expect(refits.map((t) => [t.number, t.state, t.refit])).toEqual([
      [2, 'complete', { source: ranked[0]!.number, epochs: 1 }],
      [3, 'complete', { source: ranked[1]!.number, epochs: 1 }],
    ]);
    for (const t of refits) {
      expect(t.params).toEqual(study.trials[t.refit!.source]!.params);
      // No validation set: NaN, stored as null by JSON; the value is the training accuracy.
      expect(t.epochs[0]!.valAcc).toBeNull();
      expect(t.value).toBe(t.epochs[0]!.trainAcc);
      expect(Number.isFinite(t.epochs[0]!.trainLoss)).toBe(true);
      expect(t.modelDir).toBe(join('trials', String(t.number)));
      expect(existsSync(join(runs, 'tr', t.modelDir!, 'model.json'))).toBe(true);
      expect(existsSync(join(runs, 'tr', t.modelDir!, 'eval.json'))).toBe(false);
    }

    const out = join(dir, 'export');
    const e = await runCli(['export', 'tr', '--runs', runs, '--out', out, '--top', '2', '--tta', '--backend', 'wasm']);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toContain(
      `ensemble (refit models, retrained on every labeled image): 2 of the 2 requested models (trials #2 (refit of #${ranked[0]!.number}), #3 (refit of #${ranked[1]!.number}))`,
    );
    const summary = JSON.parse(readFileSync(join(out, 'export.json'), 'utf8'));
    expect(summary).toMatchObject({ kind: 'refit', top: 2, used: 2, tta: true, rows: TEST });
    expect(summary.trials.map((t: { number: number; kind: string; refitOf: number }) => [t.number, t.kind, t.refitOf])).toEqual([
      [2, 'refit', ranked[0]!.number],
      [3, 'refit', ranked[1]!.number],
    ]);
    const rows = readFileSync(join(out, 'submission.csv'), 'utf8').trim().split(/\r?\n/);
    expect(rows[0]).toBe('ImageId,Label');
    expect(rows).toHaveLength(TEST + 1);
    const predicted = rows.slice(1).map((l, i) => {
      const [id, label] = l.split(',');
      expect(Number(id)).toBe(i + 1);
      return Number(label);
    });
    const accuracy = predicted.filter((p, i) => p === test.labels[i]).length / TEST;
    // One epoch on 600 images: far from a good model, but trained (chance is 0.1).
    console.log(`refit e2e: search values ${search.map((t) => t.value!.toFixed(3)).join(', ')}; refit train acc ${refits.map((t) => t.value!.toFixed(3)).join(', ')}; ensemble accuracy ${accuracy} on ${TEST} test images`);
    expect(accuracy).toBeGreaterThan(0.2);
    expect(existsSync(join(out, 'model.json'))).toBe(true);
    expect(existsSync(join(out, 'trial-3', 'model.json'))).toBe(true);
  }, 600_000);
});
