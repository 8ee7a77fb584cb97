/**
 * Real TF.js (wasm), tiny data, the real CLI: ONE `sweep` of a space with a pruner, a refit: section and
 * an export: section, from space to submission. The data is a Kaggle-format folder of 600 labeled and
 * 100 test images cut from the bundled split, so an export predicts 100 images, not 28,000 (the size is
 * not the point: each image trained costs CPU in every one of the 4 + 2 trials).
 *  - the search: 4 trials x 2 epochs on 2 worker threads; ASHA prunes the two learning rates that barely
 *    train; the best models are kept; study, leaderboards and report are written;
 *  - the refit: the 2 best configurations retrained on every labeled image (no validation), keeping their
 *    last epoch's model;
 *  - the export: section: the sweep itself writes submission.csv, the refit models' ensemble with
 *    test-time augmentation; export.json and the printout say exactly which models went in;
 *  - the same study afterwards: `export NAME` with no flags follows the section (identical submission),
 *    a flag overrides it, and an export that fails at the end of a (re)run sweep keeps the study, exits 1
 *    and says how to rerun it (it fails before training or loading anything).
 * (`refit.epochs: auto`, the best epoch of the source, is tested in-process by test/study/refit.test.ts;
 * here 1 epoch keeps the refit short.) The failing export of a scripted sweep (no models) needs no TF.js.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultThreads } from '../../src/core/train-params.js';
import type { StudyRecord } from '../../src/core/types.js';
import { runCli } from '../helpers/cli.js';
import { writeTinyKaggleFolder } from '../helpers/kaggle-folder.js';

const LABELED = 600;
const TEST = 100;
const dir = mkdtempSync(join(tmpdir(), 'ds-sweep-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** The submission's rows, header first; checks the header and that row i is `i,<digit>`. */
function submissionRows(file: string): string[] {
  const rows = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  expect(rows[0]).toBe('ImageId,Label');
  rows.slice(1).forEach((l, i) => expect(l).toMatch(new RegExp(`^${i + 1},[0-9]$`)));
  return rows;
}

describe('digit-sweep sweep with a refit and an export: section, then export (real TF.js, wasm, 2 workers)', () => {
  it('prunes, keeps the best models, writes the reports, refits the 2 best, exports their ensemble; export NAME follows the section; a failed export keeps the study', async () => {
    const kaggle = join(dir, 'kaggle');
    const testLabels = await writeTinyKaggleFolder(kaggle, LABELED, TEST);
    const space = join(dir, 'tiny.yaml');
    writeFileSync(
      space,
      [
        '# 4 trials x 2 epochs on 540 of the 600 labeled images; the grid runs the learning rates in this order;',
        '# 1e-6 and 1e-7 barely train, so ASHA (rung at epoch 1, eta 2) prunes them against trial 0, whatever the',
        '# timing. Then the 2 best are retrained for 1 epoch on all 600, and their ensemble (TTA) is exported.',
        'params:',
        '  lr: { type: categorical, choices: [0.001, 0.0005, 0.000001, 0.0000001] }',
        'fixed: { epochs: 2, batchSize: 32 }',
        'budget: { trials: 4, workers: 2 }',
        'sampler: { type: grid }',
        'pruner: { type: asha, minResource: 1, reductionFactor: 2 }',
        'lag: 1',
        'seed: 7',
        `data: { source: kaggle, dir: ${JSON.stringify(kaggle)} }`,
        'keepModels: 2',
        'refit: { top: 2, epochs: 1 }',
        'export: { top: 2, tta: true }',
        '',
      ].join('\n'),
    );
    const runs = join(dir, 'runs');
    const reports = join(dir, 'reports');
    const args = ['sweep', space, '--study', 'tiny', '--backend', 'wasm', '--runs', runs, '--reports', reports];
    const r = await runCli(args);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/backend: wasm/);
    expect(r.stdout).toMatch(/2 worker thread\(s\)/);
    expect(r.stdout).toMatch(/refit: 2 configuration\(s\) on every labeled image/);
    const study = readJson<StudyRecord>(join(runs, 'tiny/study.json'));
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
    // lr 1e-3 on 540 images, 2 epochs (34 steps of 32): a real model, far above chance (0.1)
    const ranked = search.filter((t) => t.state === 'complete').sort((a, b) => b.value! - a.value! || a.number - b.number);
    const best = ranked[0]!;
    expect(best.value!).toBeGreaterThan(0.5);
    expect(best.modelDir).toBe(join('trials', String(best.number)));
    for (const f of ['model.json', 'weights.bin', 'eval.json']) expect(existsSync(join(runs, 'tiny', best.modelDir!, f))).toBe(true);
    // keepModels: 2 — pruned trials never keep a model
    for (const t of search.filter((t) => t.state === 'pruned')) expect(existsSync(join(runs, 'tiny/trials', String(t.number)))).toBe(false);
    for (const f of ['leaderboard.md', 'leaderboard.csv', 'leaderboard.json', 'report.html']) expect(existsSync(join(reports, 'tiny', f))).toBe(true);
    expect(readFileSync(join(reports, 'tiny/leaderboard.md'), 'utf8')).toMatch(/pruned/);

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

    // The export: section, run by the sweep after its refit: the refit models' ensemble, with TTA.
    const out = join(reports, 'tiny', 'export');
    expect(r.stdout).toContain("export (the space's export: section: top 2, tta true, models auto):");
    expect(r.stdout).toContain(
      `ensemble (refit models, retrained on every labeled image): 2 of the 2 requested models (trials #4 (refit of #${ranked[0]!.number}), #5 (refit of #${ranked[1]!.number}))`,
    );
    expect(r.stdout).toContain(`submission: ${join(out, 'submission.csv')}`);
    const summary = readJson<{ trials: Array<{ number: number; kind: string; refitOf: number }> }>(join(out, 'export.json'));
    expect(summary).toMatchObject({ study: 'tiny', kind: 'refit', top: 2, used: 2, tta: true, rows: TEST, views: expect.arrayContaining(['clean']) });
    expect(summary.trials.map((t) => [t.number, t.kind, t.refitOf])).toEqual([
      [4, 'refit', ranked[0]!.number],
      [5, 'refit', ranked[1]!.number],
    ]);
    const rows = submissionRows(join(out, 'submission.csv'));
    expect(rows).toHaveLength(TEST + 1);
    const predicted = rows.slice(1).map((l) => Number(l.split(',')[1]));
    const accuracy = predicted.filter((p, i) => p === testLabels[i]).length / TEST;
    console.log(`sweep e2e: search values ${search.map((t) => t.value?.toFixed(3)).join(', ')}; refit train acc ${refits.map((t) => t.value!.toFixed(3)).join(', ')}; ensemble accuracy ${accuracy} on ${TEST} test images`);
    // A model trained on 600 images: far from a good one, but trained (chance is 0.1).
    expect(accuracy).toBeGreaterThan(0.2);
    expect(existsSync(join(out, 'model.json'))).toBe(true);
    expect(existsSync(join(out, 'trial-5', 'model.json'))).toBe(true);

    // `export NAME` with no flags: the study's space's section (identical submission); a flag overrides it.
    const again = join(dir, 'again');
    const e = await runCli(['export', 'tiny', '--runs', runs, '--out', again, '--backend', 'wasm']);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toContain('top 2, tta true, models auto');
    expect(readJson(join(again, 'export.json'))).toMatchObject({ top: 2, tta: true, kind: 'refit' });
    expect(readFileSync(join(again, 'submission.csv'), 'utf8')).toBe(readFileSync(join(out, 'submission.csv'), 'utf8'));
    const plain = join(dir, 'plain');
    const p = await runCli(['export', 'tiny', '--runs', runs, '--out', plain, '--no-tta', '--backend', 'wasm']);
    expect(p.code, p.stderr).toBe(0);
    expect(readJson(join(plain, 'export.json'))).toMatchObject({ top: 2, tta: false, views: ['clean'] });

    // The export destination unwritable (a file where the folder goes): the rerun (no trial or refit left
    // to train) keeps the study as it was, exits 1 and says how to rerun the export.
    rmSync(out, { recursive: true });
    writeFileSync(out, 'not a folder');
    const f = await runCli(args);
    expect(f.code).toBe(1);
    const line = f.stderr.trim().split('\n').at(-1)!;
    expect(line).toBe(
      `digit-sweep: the study tiny is trained and kept, but its submission was not written: ${out}: exists and is not a folder; rerun it with: digit-sweep export tiny --runs ${runs} --out ${out}`,
    );
    expect(readJson<StudyRecord>(join(runs, 'tiny', 'study.json')).trials).toEqual(study.trials);
    for (const t of refits) expect(existsSync(join(runs, 'tiny', t.modelDir!, 'model.json'))).toBe(true);
  }, 900_000);
});

describe('a failed export at the end of a sweep (scripted trainer, no TF.js)', () => {
  it('keeps the trained study, exits 1 with one line that says how to rerun the export', async () => {
    const space = join(dir, 'scripted.yaml');
    writeFileSync(space, 'fixed: { epochs: 2 }\nbudget: { trials: 2, workers: 1 }\npruner: { type: none }\nkeepModels: 0\nexport: { top: 2 }\n');
    const runs = join(dir, 'sruns');
    const r = await runCli(['sweep', space, '--study', 'sc', '--trainer', 'scripted', '--runs', runs, '--reports', join(dir, 'sreports')]);
    expect(r.code).toBe(1);
    const errors = r.stderr.trim().split('\n');
    expect(errors.at(-1)).toMatch(/^digit-sweep: the study sc is trained and kept, but its submission was not written: .+; rerun it with: digit-sweep export sc --runs \S+ --out \S+$/);
    const study = readJson<StudyRecord>(join(runs, 'sc', 'study.json'));
    expect(study.trials.map((t) => [t.number, t.state, t.epochs.length])).toEqual([
      [0, 'complete', 2],
      [1, 'complete', 2],
    ]);
    expect(existsSync(join(dir, 'sreports', 'sc', 'leaderboard.md'))).toBe(true);
  }, 120_000);
});
