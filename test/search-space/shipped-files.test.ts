import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SPACE, loadSearchSpace, parseSearchSpace } from '../../src/search-space/index.js';

describe('shipped search spaces', () => {
  it('quickstart.yaml is DEFAULT_SPACE', async () => {
    expect(await loadSearchSpace('search-spaces/quickstart.yaml')).toEqual(DEFAULT_SPACE);
  });

  it('seed-baseline.yaml is the notebook setting', async () => {
    const s = await loadSearchSpace('search-spaces/seed-baseline.yaml');
    expect(s.fixed.epochs).toBe(30);
    expect(s.fixed.batchSize).toBe(64);
    expect(s.budget.trials).toBe(50);
    expect(s.data.limit).toBeUndefined();
  });

  it("seed-baseline.yaml fixes the seed README's learning rate and comments every fixed value", async () => {
    const s = await loadSearchSpace('search-spaces/seed-baseline.yaml');
    expect(s.fixed.lr).toBe(1e-4); // "Adam with a learning rate of 0.0001"
    expect(s.fixed.lrDecay).toBeLessThan(1); // "decreased after every epoch"
    // The search itself: the five searched params, the seed's learning rate inside the lr range.
    expect(Object.keys(s.params).sort()).toEqual(['dropout', 'l2', 'lr', 'lrDecay', 'noise']);
    expect(s.params.lr).toMatchObject({ type: 'float', low: 1e-4, high: 1e-2, log: true });
    // Each fixed value says where it comes from: the seed, or our assumption.
    const text = await readFile('search-spaces/seed-baseline.yaml', 'utf8');
    const block = text.split(/^fixed:\n/m)[1]!.split(/^\S/m)[0]!;
    const lines = block.split('\n').filter((l) => /^ {2}\w+:/.test(l));
    expect(lines.map((l) => l.trim().split(':')[0]).sort()).toEqual(Object.keys(s.fixed).sort());
    for (const l of lines) expect(l, l).toMatch(/#\s*\S/);
  });

  it('kaggle-cpu.yaml: search + refit whose estimated wall time (its comment\'s per-epoch figures) fits 2 hours', async () => {
    const s = await loadSearchSpace('search-spaces/kaggle-cpu.yaml');
    expect(s.refit).toMatchObject({ top: 2, epochs: 8 });
    expect(s.fixed.lrSchedule).toBe('onecycle');
    expect(s.data).toMatchObject({ source: 'mnist', valFraction: 0.1 });
    expect(s.data.limit).toBeUndefined();
    // The comment's arithmetic, from the file's own values (minutes): a change to the budget must keep it.
    const workers = s.budget.workers!;
    const search = Math.ceil(s.budget.trials / workers) * s.fixed.epochs * 5.9;
    const refit = Math.ceil(s.refit!.top / workers) * (s.refit!.epochs as number) * 6.3;
    // One command from space to submission: the export: section is what the header used to tell users to run.
    expect(s.export).toEqual({ top: 2, tta: true, models: 'auto' });
    expect(s.export!.top).toBe(s.refit!.top);
    const exportMin = (28_000 * s.export!.top * (s.export!.tta ? 5 : 1)) / 490 / 60;
    expect(2 + search + refit + exportMin).toBeLessThanOrEqual(120);
    const text = await readFile('search-spaces/kaggle-cpu.yaml', 'utf8');
    // The measured end-to-end run is stated, beside the sizing it was made from.
    expect(text).toMatch(/^#\s+npx digit-sweep sweep search-spaces\/kaggle-cpu\.yaml\n/m);
    expect(text).not.toMatch(/^#\s+npx digit-sweep export/m);
    expect(text).toMatch(/^# MEASURED \(\d{4}-\d\d-\d\d, [^)]*\): sweep [\d.]+ min/m);
    expect(text).toContain(`Total ~= 2 + ${Math.round(search)} + ${Math.round(refit)} + ${exportMin.toFixed(1)} min`);
  });

  it('kaggle.yaml reads ./data/kaggle', async () => {
    const s = await loadSearchSpace('search-spaces/kaggle.yaml');
    expect(s.data).toMatchObject({ source: 'kaggle', dir: './data/kaggle' });
    expect(s.export).toEqual({ top: 1, tta: false, models: 'auto' });
    expect(s.sampler).toMatchObject({ type: 'tpe', multivariate: true });
  });

  it('an empty mapping takes every default', () => {
    const s = parseSearchSpace('{}', 'x.json');
    expect(s.fixed).toEqual({
      lr: 1e-3, dropout: 0.4, l2: 0, noise: 0, lrDecay: 0.95, rotation: 10, zoom: 0.1, shift: 0.1,
      plateauPatience: 0, plateauFactor: 0.5, epochs: 30, batchSize: 64,
      lrSchedule: 'exponential', warmupFraction: 0.3, divFactor: 25, lrFloor: 0, labelSmoothing: 0,
    });
    expect(s.objective).toEqual({ metric: 'valAcc', direction: 'maximize' });
    // The best sampler by default: multivariate TPE (beats Optuna 3.1.0 on bench:search; docs/benchmarks.md).
    expect(s.sampler).toEqual({ type: 'tpe', nStartupTrials: 10, nEiCandidates: 24, constantLiar: true, priorWeight: 1, considerEndpoints: false, multivariate: true });
    expect(s.export).toBeUndefined();
    expect(s.pruner.type).toBe('median');
    expect(s.seed).toBe(42);
    expect(s.lag).toBeUndefined(); // unset: workers - 1 at run time (effectiveLag)
    expect(s.enqueue).toEqual([]);
    expect(s.keepModels).toBe(3);
    expect(s.budget.maxConsecutiveFailures).toBe(5);
    expect(s.data).toEqual({ source: 'mnist', valFraction: 0.1 });
  });

  it('int and categorical distributions', () => {
    const s = parseSearchSpace(
      'params:\n  plateauPatience: {type: int, low: 0, high: 4}\n  rotation: {type: categorical, choices: [0, 10, 20]}\n',
      'x.yaml',
    );
    expect(s.params.plateauPatience).toEqual({ type: 'int', low: 0, high: 4, step: 1, log: false });
    expect(s.params.rotation).toEqual({ type: 'categorical', choices: [0, 10, 20] });
  });
});
