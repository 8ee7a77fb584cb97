import { describe, expect, it } from 'vitest';
import { PercentilePruner, createPruner } from '../../src/pruners/index.js';
import { parseSearchSpace } from '../../src/search-space/index.js';
import { frozenTrial } from '../helpers/frozen-trial.js';

// Five complete trials with .1 .2 .3 .4 .5 at step 1 (and .5 at step 2).
const view = [0.1, 0.2, 0.3, 0.4, 0.5].map((v, i) => frozenTrial(i, { values: [v, 0.5, 0.5, 0.5] }));
const t = (values: number[]) => frozenTrial(9, { state: 'running', values });

describe('percentile pruner', () => {
  it('maximize: keeps the best `percentile` %: below the (100 - p)-th percentile prunes', () => {
    const p = new PercentilePruner({ percentile: 25, nStartupTrials: 5 });
    // 75th percentile of .1...5 (numpy linear): position 3 -> .4
    expect(p.prune(view, t([0.35]), 'maximize')).toBe(true);
    expect(p.prune(view, t([0.45]), 'maximize')).toBe(false);
    expect(p.prune(view, t([0.4]), 'maximize')).toBe(false); // equal is not worse
  });

  it('minimize: above the p-th percentile prunes', () => {
    const p = new PercentilePruner({ percentile: 25, nStartupTrials: 5 });
    // 25th percentile: position 1 -> .2
    expect(p.prune(view, t([0.25]), 'minimize')).toBe(true);
    expect(p.prune(view, t([0.15]), 'minimize')).toBe(false);
  });

  it('compares the trial\'s best value so far', () => {
    const p = new PercentilePruner({ percentile: 25, nStartupTrials: 5 });
    expect(p.prune(view, t([0.6, 0.1]), 'maximize')).toBe(false); // best .6 >= 75th pct at step 2 (.5)
  });

  it('start-up trials, warm-up, interval', () => {
    expect(new PercentilePruner({ percentile: 25, nStartupTrials: 6 }).prune(view, t([0.0]), 'maximize')).toBe(false);
    const p = new PercentilePruner({ percentile: 25, nStartupTrials: 0, nWarmupSteps: 1, intervalSteps: 2 });
    const decisions = [1, 2, 3, 4].map((n) => p.prune(view, t(new Array<number>(n).fill(0)), 'maximize'));
    expect(decisions).toEqual([false, true, false, true]);
  });

  it('from a space file', () => {
    const space = parseSearchSpace('pruner: { type: percentile, percentile: 25, nStartupTrials: 5 }\n', 'x.yaml');
    const p = createPruner(space.pruner);
    expect(p).toBeInstanceOf(PercentilePruner);
    expect(p.prune(view, t([0.35]), 'maximize')).toBe(true);
    expect(p.prune(view, t([0.45]), 'maximize')).toBe(false);
  });
});
