import { describe, expect, it } from 'vitest';
import { CategoricalParzen, NumericalParzen, defaultGamma, defaultWeights, splitTrials } from '../../src/samplers/index.js';
import { frozenTrial } from '../helpers/frozen-trial.js';

const opts = { priorWeight: 1, considerMagicClip: true, considerEndpoints: false };

describe('TPE building blocks (Optuna rules)', () => {
  it('gamma and weights', () => {
    expect([0, 1, 10, 11, 100, 250, 1000].map(defaultGamma)).toEqual([0, 1, 1, 2, 10, 25, 25]);
    expect(defaultWeights(3)).toEqual([1, 1, 1]);
    const w = defaultWeights(30);
    expect(w.length).toBe(30);
    expect(w[0]).toBeCloseTo(1 / 30);
    expect(w[4]).toBeCloseTo(1);
    expect(w.slice(5)).toEqual(new Array(25).fill(1));
  });

  it('bandwidths: neighbour distances, magic clip, prior kernel', () => {
    const p = new NumericalParzen([0.2, 0.3, 0.9], 0, 1, null, opts);
    expect(p.mus).toEqual([0.2, 0.3, 0.9, 0.5]);
    // sorted with endpoints: 0, .2, .3, .9, 1 -> first/last use inner neighbours (considerEndpoints false):
    // 0.1 for the first, clipped up to range / min(100, 1 + 4 kernels) = 0.2
    expect(p.sigmas[0]).toBeCloseTo(0.2);
    expect(p.sigmas[1]).toBeCloseTo(0.6);
    expect(p.sigmas[2]).toBeCloseTo(0.6);
    expect(p.sigmas[3]).toBe(1);
    expect(p.weights).toEqual([0.25, 0.25, 0.25, 0.25]);
    const wide = new NumericalParzen([0.2, 0.3, 0.9], 0, 1, null, { ...opts, considerMagicClip: false });
    expect(wide.sigmas[0]).toBeCloseTo(0.1);
  });

  it('densities integrate to one (continuous) and sum to one (discrete)', () => {
    const c = new NumericalParzen([0.1, 0.15, 0.8], 0, 1, null, opts);
    let integral = 0;
    const n = 2000;
    for (let i = 0; i < n; i++) integral += Math.exp(c.logPdf((i + 0.5) / n)) / n;
    expect(integral).toBeCloseTo(1, 3);
    const d = new NumericalParzen([2, 3, 3], 0, 10, 1, opts);
    let sum = 0;
    for (let k = 0; k <= 10; k++) sum += Math.exp(d.logPdf(k));
    expect(sum).toBeCloseTo(1, 5);
    const cat = new CategoricalParzen([0, 0, 2], 3, opts);
    expect(cat.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(cat.probs[0]).toBeGreaterThan(cat.probs[1]!);
  });

  it('split: best complete trials are good, pruned trials by reached step, running trials are bad (liar)', () => {
    const history = [
      frozenTrial(0, { params: { a: 0 }, values: [0.5, 0.6] }),
      frozenTrial(1, { params: { a: 1 }, values: [0.9, 0.95] }),
      frozenTrial(2, { params: { a: 2 }, state: 'pruned', values: [0.99] }),
      frozenTrial(3, { params: { a: 3 }, state: 'fail', values: [] }),
      ...Array.from({ length: 8 }, (_, i) => frozenTrial(4 + i, { params: { a: 4 + i }, values: [0.1 + i * 0.01] })),
    ];
    // 11 usable trials + 2 running -> gamma(13) = 2: the two best complete trials.
    const { below, above } = splitTrials(history, [{ a: 100 }, { a: 101 }], 'maximize', true);
    expect(below).toEqual([{ a: 0 }, { a: 1 }]);
    expect(above).toContainEqual({ a: 2 });
    expect(above).not.toContainEqual({ a: 3 });
    expect(above.slice(-2)).toEqual([{ a: 100 }, { a: 101 }]);
    const noLiar = splitTrials(history, [{ a: 100 }], 'maximize', false);
    expect(noLiar.above).not.toContainEqual({ a: 100 });
    const min = splitTrials(history.slice(0, 2), [], 'minimize', true);
    expect(min.below).toEqual([{ a: 0 }]);
  });
});
