import { describe, expect, it } from 'vitest';
import { RandomSampler, TpeSampler, type Sampler } from '../../src/samplers/index.js';
import { parseSearchSpace } from '../../src/search-space/index.js';
import type { FrozenTrial, Params } from '../../src/core/types.js';
import { frozenTrial } from '../helpers/frozen-trial.js';

/** A synthetic 4-D objective with a known optimum (value 0 at lr=3e-3, dropout .3, l2=1e-4, noise .05). */
const space = parseSearchSpace(
  `params:
  lr: {type: float, low: 1.0e-5, high: 1.0e-1, log: true}
  dropout: {type: float, low: 0, high: 0.8}
  l2: {type: float, low: 1.0e-7, high: 1.0e-2, log: true}
  noise: {type: float, low: 0, high: 0.5}
`,
  'synthetic.yaml',
);
function objective(p: Params): number {
  const u = (Math.log10(p.lr as number) + 5) / 4 - (Math.log10(3e-3) + 5) / 4;
  const v = ((p.dropout as number) - 0.3) / 0.8;
  const w = (Math.log10(p.l2 as number) + 7) / 5 - 3 / 5;
  const x = ((p.noise as number) - 0.05) / 0.5;
  return -(u * u + v * v + w * w + x * x);
}

function bestAfter(sampler: Sampler, seed: number, nTrials: number): number {
  const trials: FrozenTrial[] = [];
  let best = -Infinity;
  for (let n = 0; n < nTrials; n++) {
    const params = sampler.sample({ space, trialNumber: n, history: trials, running: [], seed })!;
    const value = objective(params);
    best = Math.max(best, value);
    trials.push(frozenTrial(n, { params, values: [value] }));
  }
  return best;
}

describe('TPE vs random on a 4-D objective with a known optimum', () => {
  it('TPE has a clearly lower mean regret over 10 seeds x 40 trials', () => {
    const seeds = Array.from({ length: 10 }, (_, i) => i + 1);
    const regret = (s: Sampler) => seeds.map((seed) => -bestAfter(s, seed, 40));
    const tpe = regret(new TpeSampler());
    const random = regret(new RandomSampler());
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(JSON.stringify({ tpeMeanRegret: mean(tpe), randomMeanRegret: mean(random), tpe, random }));
    expect(mean(tpe)).toBeLessThan(0.6 * mean(random));
    expect(tpe.filter((r, i) => r < random[i]!).length).toBeGreaterThanOrEqual(7);
  });

  it('same seed, number and history give the same params', () => {
    const history = Array.from({ length: 12 }, (_, n) => {
      const params = new RandomSampler().sample({ space, trialNumber: n, history: [], running: [], seed: 3 });
      return frozenTrial(n, { params, values: [objective(params)] });
    });
    const tpe = new TpeSampler();
    const ctx = { space, trialNumber: 12, history, running: [], seed: 3 };
    expect(tpe.sample(ctx)).toEqual(tpe.sample({ ...ctx, history: [...history].reverse() }));
  });

  it('constant liar: a running trial pushes the next proposal away from its point', () => {
    const history = Array.from({ length: 20 }, (_, n) => {
      const params = new RandomSampler().sample({ space, trialNumber: n, history: [], running: [], seed: 5 });
      return frozenTrial(n, { params, values: [objective(params)] });
    });
    const tpe = new TpeSampler();
    const dist = (a: Params, b: Params) => Math.abs(Math.log10(a.lr as number) - Math.log10(b.lr as number));
    let closerWithout = 0;
    for (let n = 20; n < 40; n++) {
      const alone = tpe.sample({ space, trialNumber: n, history, running: [], seed: 5 });
      const withLiar = tpe.sample({ space, trialNumber: n, history, running: [alone, alone, alone], seed: 5 });
      if (dist(withLiar, alone) > 1e-9) closerWithout++;
    }
    expect(closerWithout).toBeGreaterThanOrEqual(10);
  });
});
