import { describe, expect, it } from 'vitest';
import { JointParzen, TpeSampler, scottBandwidth } from '../../src/samplers/index.js';
import { createRng } from '../../src/core/random.js';
import { DEFAULT_SPACE, parseSearchSpace, type SearchSpace } from '../../src/search-space/index.js';
import type { FrozenTrial, Params } from '../../src/core/types.js';
import { frozenTrial } from '../helpers/frozen-trial.js';

const opts = { priorWeight: 1, considerMagicClip: false, considerEndpoints: false };

describe('multivariate Parzen estimator', () => {
  it("Scott's rule on the prior-regularized spread (hand-computed)", () => {
    // [.2, .5] on a unit range, d = 1: sd^2 = ((.15^2 + .15^2) + 1/12) / 2; h = (4/3)^(1/5) sd 2^(-1/5)
    expect(scottBandwidth([0.2, 0.5], 1, 1, 1)).toBeCloseTo(0.23358044836865793, 12);
    // One observation: the prior's spread, sd = 1/sqrt(12); d = 2: (4/4)^(1/6) = 1, 1^(-1/6) = 1
    expect(scottBandwidth([0.3], 1, 2, 1)).toBeCloseTo(0.28867513459481287, 12);
    // Three equal observations cannot collapse: sd^2 = (1/12) / 3, h = sd 3^(-1/6)
    expect(scottBandwidth([0.5, 0.5, 0.5], 1, 2, 1)).toBeCloseTo(0.13878052960926737, 12);
    expect(scottBandwidth([5, 5, 5], 10, 2, 1)).toBeCloseTo(1.3878052960926737, 11); // scales with the range
  });

  it('one dimension: the explicit mixture of truncated normals, weights 1/3 each', () => {
    const p = new JointParzen([[0.2], [0.5]], [{ kind: 'numerical', low: 0, high: 1, step: null }], opts);
    const h = scottBandwidth([0.2, 0.5], 1, 1, 1);
    const phi = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    const cdf = (z: number) => 0.5 * (1 + erf(z / Math.SQRT2));
    const kernel = (x: number, mu: number, s: number) => phi((x - mu) / s) / s / (cdf((1 - mu) / s) - cdf((0 - mu) / s));
    const x = 0.37;
    const expected = (kernel(x, 0.2, h) + kernel(x, 0.5, h) + kernel(x, 0.5, 1)) / 3;
    expect(Math.exp(p.logPdf([x]))).toBeCloseTo(expected, 5);
  });

  it('a density over the box: integrates to 1 (midpoint rule on the continuous axis, sums on a stepped and a categorical one)', () => {
    const dims = [
      { kind: 'numerical' as const, low: -1, high: 2, step: null },
      { kind: 'numerical' as const, low: 0, high: 4, step: 1 },
      { kind: 'categorical' as const, nChoices: 3 },
    ];
    const p = new JointParzen([[0, 1, 0], [1.5, 3, 2], [0.2, 1, 0]], dims, opts);
    let total = 0;
    const m = 300;
    for (let i = 0; i < m; i++) {
      const x = -1 + ((i + 0.5) * 3) / m;
      for (let k = 0; k <= 4; k++) for (let c = 0; c < 3; c++) total += Math.exp(p.logPdf([x, k, c])) * (3 / m);
    }
    expect(total).toBeCloseTo(1, 3);
    const rng = createRng(3);
    for (let i = 0; i < 200; i++) {
      const [x, k, c] = p.sample(rng);
      expect(x).toBeGreaterThanOrEqual(-1);
      expect(x).toBeLessThanOrEqual(2);
      expect([0, 1, 2, 3, 4]).toContain(k);
      expect([0, 1, 2]).toContain(c);
    }
  });
});

// |x - y| is minimal along the diagonal: only a joint model can see that the good trials lie on it.
const diagSpace: SearchSpace = {
  ...DEFAULT_SPACE,
  params: { x: { type: 'float', low: 0, high: 1, log: false, step: null }, y: { type: 'float', low: 0, high: 1, log: false, step: null } },
  objective: { metric: 'valLoss', direction: 'minimize' },
};
function diagHistory(n: number): FrozenTrial[] {
  const rng = createRng(11);
  return Array.from({ length: n }, (_, i) => {
    const p = { x: rng.next(), y: rng.next() };
    return frozenTrial(i, { params: p, values: [Math.abs(p.x - p.y)], value: Math.abs(p.x - p.y) });
  });
}
const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('multivariate TPE', () => {
  it('models the params jointly: on |x - y| its proposals lie nearer the diagonal than the univariate ones', () => {
    const history = diagHistory(80);
    const propose = (multivariate: boolean) =>
      Array.from({ length: 200 }, (_, i) => {
        const p = new TpeSampler({ multivariate }).sample({ space: diagSpace, trialNumber: 80 + i, history, running: [], seed: 5 });
        return Math.abs((p.x as number) - (p.y as number));
      });
    const joint = meanOf(propose(true));
    const independent = meanOf(propose(false));
    expect(joint).toBeLessThan(0.6 * independent);
  });

  it('constant liar: running trials push proposals away from their params', () => {
    // Good trials near (.5, .5) on (x - .5)^2 + (y - .5)^2.
    const rng = createRng(2);
    const history = Array.from({ length: 40 }, (_, i) => {
      const p = { x: rng.next(), y: rng.next() };
      const v = (p.x - 0.5) ** 2 + (p.y - 0.5) ** 2;
      return frozenTrial(i, { params: p, values: [v], value: v });
    });
    const running: Params[] = Array.from({ length: 8 }, () => ({ x: 0.5, y: 0.5 }));
    const dist = (withLiars: boolean) =>
      meanOf(
        Array.from({ length: 200 }, (_, i) => {
          const p = new TpeSampler({ multivariate: true }).sample({ space: diagSpace, trialNumber: 40 + i, history, running: withLiars ? running : [], seed: 5 });
          return Math.hypot((p.x as number) - 0.5, (p.y as number) - 0.5);
        }),
      );
    expect(dist(true)).toBeGreaterThan(1.3 * dist(false));
  });

  it('from a space file; same context, same params; values stay in their distributions', () => {
    const space = parseSearchSpace(
      `params:
  lr: {type: float, low: 1.0e-4, high: 1.0e-2, log: true}
  plateauPatience: {type: int, low: 0, high: 5}
  dropout: {type: categorical, choices: [0.2, 0.3, 0.5]}
sampler: {type: tpe, multivariate: true, nStartupTrials: 3}
`,
      'mv.yaml',
    );
    expect(space.sampler).toMatchObject({ type: 'tpe', multivariate: true });
    const rng = createRng(9);
    const history = Array.from({ length: 12 }, (_, i) => {
      const p = { lr: 10 ** (-4 + 2 * rng.next()), plateauPatience: rng.int(6), dropout: [0.2, 0.3, 0.5][rng.int(3)]! };
      return frozenTrial(i, { params: p, values: [p.dropout], value: p.dropout });
    });
    const sampler = new TpeSampler(space.sampler.type === 'tpe' ? space.sampler : {});
    const ctx = { space, trialNumber: 12, history, running: [], seed: 4 };
    const a = sampler.sample(ctx);
    expect(sampler.sample(ctx)).toEqual(a);
    for (let n = 12; n < 40; n++) {
      const p = sampler.sample({ ...ctx, trialNumber: n });
      expect(p.lr).toBeGreaterThanOrEqual(1e-4);
      expect(p.lr).toBeLessThanOrEqual(1e-2);
      expect(Number.isInteger(p.plateauPatience)).toBe(true);
      expect([0.2, 0.3, 0.5]).toContain(p.dropout);
    }
  });
});

/** erf, Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7): an independent check of parzen.ts' erfc. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
