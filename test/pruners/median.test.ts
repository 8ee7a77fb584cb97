import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { MedianPruner, PercentilePruner, percentile } from '../../src/pruners/index.js';
import { frozenTrial } from '../helpers/frozen-trial.js';

// Five complete trials; at step 2 their values are .5 .6 .7 .8 .9 (median .7).
const view = [0.5, 0.6, 0.7, 0.8, 0.9].map((v, i) => frozenTrial(i, { values: [v - 0.1, v, v] }));

describe('median pruner (Optuna semantics)', () => {
  it('prunes when the best value so far is below the median at this step (maximize)', () => {
    const p = new MedianPruner();
    expect(p.prune(view, frozenTrial(10, { state: 'running', values: [0.65, 0.69] }), 'maximize')).toBe(true);
    expect(p.prune(view, frozenTrial(10, { state: 'running', values: [0.71, 0.6] }), 'maximize')).toBe(false);
    expect(p.prune(view, frozenTrial(10, { state: 'running', values: [0.6, 0.7] }), 'maximize')).toBe(false); // equal: kept
  });

  it('minimize: prunes when the best (lowest) value so far is above the median', () => {
    const losses = [0.1, 0.2, 0.3, 0.4, 0.5].map((v, i) => frozenTrial(i, { values: [v] }));
    const p = new MedianPruner();
    expect(p.prune(losses, frozenTrial(9, { values: [0.31] }), 'minimize')).toBe(true);
    expect(p.prune(losses, frozenTrial(9, { values: [0.29] }), 'minimize')).toBe(false);
  });

  it('median of an even number of values interpolates; only complete trials count', () => {
    expect(percentile([0.5, 0.6, 0.7, 0.8], 50)).toBeCloseTo(0.65);
    const four = view.slice(0, 4);
    const p = new MedianPruner({ nStartupTrials: 4 });
    expect(p.prune(four, frozenTrial(9, { values: [0.5, 0.64] }), 'maximize')).toBe(true);
    expect(p.prune(four, frozenTrial(9, { values: [0.5, 0.66] }), 'maximize')).toBe(false);
    // A pruned trial with a high value does not raise the median.
    const withPruned = [...four, frozenTrial(7, { state: 'pruned', values: [2, 2] })];
    expect(p.prune(withPruned, frozenTrial(9, { values: [0.5, 0.64] }), 'maximize')).toBe(true);
  });

  it('startup trials, warmup steps, interval steps, min trials', () => {
    const bad = (steps: number) => frozenTrial(9, { values: new Array(steps).fill(0) });
    expect(new MedianPruner().prune(view.slice(0, 4), bad(2), 'maximize')).toBe(false); // 4 < 5 startup
    const warm = new MedianPruner({ nWarmupSteps: 2 });
    expect(warm.prune(view, bad(1), 'maximize')).toBe(false);
    expect(warm.prune(view, bad(2), 'maximize')).toBe(false);
    expect(warm.prune(view, bad(3), 'maximize')).toBe(true);
    const every2 = new MedianPruner({ intervalSteps: 2 });
    expect([1, 2, 3].map((s) => every2.prune(view, bad(s), 'maximize'))).toEqual([true, false, true]);
    // Step 4: no complete trial reported it.
    expect(new MedianPruner().prune(view, bad(4), 'maximize')).toBe(false);
    expect(new MedianPruner({ nMinTrials: 6 }).prune(view, bad(2), 'maximize')).toBe(false);
  });

  it('constructors name the bad value', () => {
    expect(() => new PercentilePruner({ percentile: 120 })).toThrow(new UserError('percentile must be between 0 and 100, got 120'));
    expect(() => new MedianPruner({ nStartupTrials: -1 })).toThrow(new UserError('nStartupTrials must be an integer >= 0, got -1'));
    expect(() => new MedianPruner({ intervalSteps: 0 })).toThrow(new UserError('intervalSteps must be an integer >= 1, got 0'));
  });
});
