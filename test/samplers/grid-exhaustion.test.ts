import { describe, expect, it } from 'vitest';
import { EnqueuedSampler, GridSampler, createSampler } from '../../src/samplers/index.js';
import { parseSearchSpace } from '../../src/search-space/index.js';
import type { Params } from '../../src/core/types.js';
import { viewForTrial } from '../../src/study/view.js';
import { frozenTrial } from '../helpers/frozen-trial.js';

const space = parseSearchSpace(
  `sampler: {type: grid, grid: {lr: [0.001, 0.01]}}
params:
  lr: {type: float, low: 1.0e-4, high: 1.0e-1, log: true}
  dropout: {type: float, low: 0.2, high: 0.4, step: 0.1}
`,
  'x.yaml',
);

describe('grid sampler', () => {
  it('visits every point once, then says it is exhausted', () => {
    const sampler = createSampler(space.sampler);
    expect(sampler).toBeInstanceOf(EnqueuedSampler); // serves the (here empty) enqueue list first
    const grid = (sampler as EnqueuedSampler).inner;
    expect(grid).toBeInstanceOf(GridSampler);
    expect((grid as GridSampler).size(space)).toBe(6);
    for (const lag of [0, 2]) {
      const trials = [];
      const seen = new Set<string>();
      for (let n = 0; ; n++) {
        const view = viewForTrial(trials, n, lag);
        const p = sampler.sample({ space, trialNumber: n, seed: 42, ...view });
        if (p === null) break;
        seen.add(JSON.stringify(p));
        trials.push(frozenTrial(n, { params: p, values: [0.5] }));
      }
      expect(trials.length).toBe(6);
      expect(seen.size).toBe(6);
      for (const lr of [0.001, 0.01]) for (const dropout of [0.2, 0.3, 0.4]) expect(seen).toContain(JSON.stringify({ lr, dropout }));
    }
  });

  it('skips points of failed and running trials too', () => {
    const sampler = new GridSampler({ type: 'grid', grid: { lr: [0.001, 0.01] } });
    const all: Params[] = [];
    for (const lr of [0.001, 0.01]) for (const dropout of [0.2, 0.3, 0.4]) all.push({ lr, dropout });
    const history = all.slice(0, 3).map((p, i) => frozenTrial(i, { params: p, state: 'fail', values: [] }));
    const p = sampler.sample({ space, trialNumber: 5, history, running: all.slice(3, 5), seed: 1 });
    expect(p).toEqual(all[5]);
    expect(sampler.sample({ space, trialNumber: 6, history, running: all.slice(3), seed: 1 })).toBeNull();
  });
});
