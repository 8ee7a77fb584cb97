/**
 * Real TF.js (wasm), tiny data, the real CLI: one `sweep` of a space with a pruner and a refit: section,
 * then `export --top 2 --tta`. The data is a Kaggle-format folder of 1,500 labeled and 200 test images
 * cut from the bundled split, so the export predicts 200 images, not 28,000.
 *  - the search: 4 trials x 2 epochs on 2 worker threads; ASHA prunes the two learning rates that barely
 *    train; the best models are kept; study, leaderboards and report are written;
 *  - the refit: the 2 best configurations retrained on every labeled image (no validation), keeping their
 *    last epoch's model;
 *  - the export: the submission is the refit models' ensemble; export.json and the printout say exactly
 *    which models went in.
 * (`refit.epochs: auto`, the best epoch of the source, is tested in-process by test/study/refit.test.ts;
 * here 1 epoch keeps the refit short.)
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultThreads } from '../../src/core/train-params.js';
import type { StudyRecord } from '../../src/core/types.js';
import { kaggleSplit, writeKaggleCsv } from '../../src/data/index.js';
import { runCli } from '../helpers/cli.js';

const LABELED = 1500;
const TEST = 200;

describe('digit-sweep sweep with a refit, then export (real TF.js, wasm, 2 workers)', () => {
  it('prunes, keeps the best models, writes the reports, refits the 2 best on all labeled images and exports their ensemble', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-sweep-'));
    const kaggle = join(dir, 'kaggle');
    mkdirSync(kaggle);
    const { train, test } = await kaggleSplit();
    await writeKaggleCsv(join(kaggle, 'train.csv'), { count: LABELED, images: train.images.subarray(0, LABELED * 784), labels: train.labels.subarray(0, LABELED) }, true);
    await writeKaggleCsv(join(kaggle, 'test.csv'), { count: TEST, images: test.images.subarray(0, TEST * 784), labels: null }, false);
    const space = join(dir, 'tiny.yaml');
    writeFileSync(
      space,
      [
        '# 4 trials x 2 epochs on 1,350 of the 1,500 labeled images; the grid runs the learning rates in this order;',
        '# 1e-6 and 1e-7 barely train, so ASHA (rung at epoch 1, eta 2) prunes them against trial 0, whatever the',
        '# timing. Then the 2 best are retrained for 1 epoch on all 1,500.',
        'params:',
        '  lr: { type: categorical, choices: [0.001, 0.0005, 0.000001, 0.0000001] }',
        'fixed: { epochs: 2, batchSize: 64 }',
        'budget: { trials: 4, workers: 2 }',
        'sampler: { type: grid }',
        'pruner: { type: asha, minResource: 1, reductionFactor: 2 }',
        'lag: 1',
        'seed: 7',
        `data: { source: kaggle, dir: ${JSON.stringify(kaggle)} }`,
        'keepModels: 2',
        'refit: { top: 2, epochs: 1 }',
        '',
      ].join('\n'),
    );
    const runs = join(dir, 'runs');
    const r = await runCli(['sweep', space, '--study', 'tiny', '--backend', 'wasm', '--runs', runs, '--reports', join(dir, 'reports')]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/backend: wasm/);
    expect(r.stdout).toMatch(/2 worker thread\(s\)/);
    expect(r.stdout).toMatch(/refit: 2 configuration\(s\) on every labeled image/);
    const study = JSON.parse(readFileSync(join(runs, 'tiny/study.json'), 'utf8')) as StudyRecord;
    const search = study.trials.filter((t) => t.kind !== 'refit');
    const refits = study.trials.filter((t) => t.kind === 'refit');

    // The search.
    expect(search.map((t) => t.number)).toEqual([0, 1, 2, 3]);
    const states = search.map((t) => t.state);
    expect(states.filter((s) => s === 'complete').length).toBeGreaterThanOrEqual(2);
    expect(states.filter((s) => s === 'pruned').length).toBeGreaterThanOrEqual(1);
    expect(states).not.toContain('fail');
    for (const t of study.trials) {
      expect(t.backend).toBe('wasm');
      // fixed.threads unset: the cores shared by the 2 trials running at once
      expect(t.backendInfo?.threads).toBe(String(defaultThreads(availableParallelism(), 2)));
    }
    for (const t of search) {
      expect(t.epochs.length).toBe(t.state === 'complete' ? 2 : 1);
      expect(t.intermediateValues).toEqual(t.epochs.map((e) => e.valAcc));
    }
    // lr 1e-3 on 1,350 images, 2 epochs: a real model
    const ranked = search.filter((t) => t.state === 'complete').sort((a, b) => b.value! - a.value! || a.number - b.number);
    const best = ranked[0]!;
    expect(best.value!).toBeGreaterThan(0.7);
    expect(best.modelDir).toBe(join('trials', String(best.number)));
    for (const f of ['model.json', 'weights.bin', 'eval.json']) expect(existsSync(join(runs, 'tiny', best.modelDir!, f))).toBe(true);
    // keepModels: 2 — pruned trials never keep a model
    for (const t of search.filter((t) => t.state === 'pruned')) expect(existsSync(join(runs, 'tiny/trials', String(t.number)))).toBe(false);
    for (const f of ['leaderboard.md', 'leaderboard.csv', 'leaderboard.json', 'report.html']) expect(existsSync(join(dir, 'reports/tiny', f))).toBe(true);
    expect(readFileSync(join(dir, 'reports/tiny/leaderboard.md'), 'utf8')).toMatch(/pruned/);

    // The refit: the 2 best complete trials, numbered after the search.
    expect(refits.map((t) => [t.number, t.state, t.refit])).toEqual([
      [4, 'complete', { source: ranked[0]!.number, epochs: 1 }],
      [5, 'complete', { source: ranked[1]!.number, epochs: 1 }],
    ]);
    for (const t of refits) {
      expect(t.params).toEqual(study.trials[t.refit!.source]!.params);
      // No validation set: NaN, stored as null by JSON; the value is the training accuracy.
      expect(t.epochs).toHaveLength(1);
      expect(t.epochs[0]!.valAcc).toBeNull();
      expect(t.value).toBe(t.epochs[0]!.trainAcc);
      expect(Number.isFinite(t.epochs[0]!.trainLoss)).toBe(true);
      expect(t.modelDir).toBe(join('trials', String(t.number)));
      expect(existsSync(join(runs, 'tiny', t.modelDir!, 'model.json'))).toBe(true);
      expect(existsSync(join(runs, 'tiny', t.modelDir!, 'eval.json'))).toBe(false);
    }

    // The export: the refit models' ensemble, with test-time augmentation.
    const out = join(dir, 'export');
    const e = await runCli(['export', 'tiny', '--runs', runs, '--out', out, '--top', '2', '--tta', '--backend', 'wasm']);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toContain(
      `ensemble (refit models, retrained on every labeled image): 2 of the 2 requested models (trials #4 (refit of #${ranked[0]!.number}), #5 (refit of #${ranked[1]!.number}))`,
    );
    const summary = JSON.parse(readFileSync(join(out, 'export.json'), 'utf8'));
    expect(summary).toMatchObject({ kind: 'refit', top: 2, used: 2, tta: true, rows: TEST });
    expect(summary.trials.map((t: { number: number; kind: string; refitOf: number }) => [t.number, t.kind, t.refitOf])).toEqual([
      [4, 'refit', ranked[0]!.number],
      [5, 'refit', ranked[1]!.number],
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
    console.log(`sweep e2e: search values ${search.map((t) => t.value?.toFixed(3)).join(', ')}; refit train acc ${refits.map((t) => t.value!.toFixed(3)).join(', ')}; ensemble accuracy ${accuracy} on ${TEST} test images`);
    // A model trained on 1,500 images: far from a good one, but trained (chance is 0.1).
    expect(accuracy).toBeGreaterThan(0.2);
    expect(existsSync(join(out, 'model.json'))).toBe(true);
    expect(existsSync(join(out, 'trial-5', 'model.json'))).toBe(true);
  }, 900_000);
});
