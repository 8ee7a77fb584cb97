import { describe, expect, it } from 'vitest';
import { RandomSampler } from '../../src/samplers/index.js';
import { parseSearchSpace } from '../../src/search-space/index.js';

const space = parseSearchSpace(
  `params:
  lr: {type: float, low: 1.0e-5, high: 1.0e-1, log: true}
  dropout: {type: float, low: 0, high: 0.5, step: 0.1}
  plateauPatience: {type: int, low: 1, high: 8, log: true}
  rotation: {type: categorical, choices: [0, 5, 10]}
`,
  'x.yaml',
);

describe('random sampler', () => {
  it('depends only on seed and trial number, stays in bounds', () => {
    const s = new RandomSampler();
    const a = s.sample({ space, trialNumber: 3, history: [], running: [], seed: 7 });
    const b = s.sample({ space, trialNumber: 3, history: [], running: [{ lr: 1 }], seed: 7 });
    expect(a).toEqual(b);
    expect(s.sample({ space, trialNumber: 4, history: [], running: [], seed: 7 })).not.toEqual(a);
    const lrs: number[] = [];
    for (let n = 0; n < 400; n++) {
      const p = s.sample({ space, trialNumber: n, history: [], running: [], seed: 1 });
      lrs.push(p.lr as number);
      expect(p.lr).toBeGreaterThanOrEqual(1e-5);
      expect(p.lr).toBeLessThanOrEqual(1e-1);
      expect([0, 0.1, 0.2, 0.3, 0.4, 0.5]).toContain(p.dropout);
      expect(Number.isInteger(p.plateauPatience)).toBe(true);
      expect(p.plateauPatience).toBeGreaterThanOrEqual(1);
      expect(p.plateauPatience).toBeLessThanOrEqual(8);
      expect([0, 5, 10]).toContain(p.rotation);
    }
    // Log-uniform: about a quarter of the draws per decade.
    const below1e3 = lrs.filter((v) => v < 1e-3).length / lrs.length;
    expect(below1e3).toBeGreaterThan(0.4);
    expect(below1e3).toBeLessThan(0.6);
  });
});
