import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { ThresholdPruner, createPruner } from '../../src/pruners/index.js';
import { parseSearchSpace } from '../../src/search-space/index.js';
import { frozenTrial } from '../helpers/frozen-trial.js';

const t = (values: number[]) => frozenTrial(1, { state: 'running', values });

// Cases of Optuna's tests/pruners_tests/test_threshold.py, steps shifted to our 1-based epochs.
describe('threshold pruner', () => {
  it('prunes a value above upper or below lower, whatever the direction', () => {
    const upper = new ThresholdPruner({ upper: 2 });
    expect(upper.prune([], t([1]))).toBe(false);
    expect(upper.prune([], t([1, 3]))).toBe(true);
    const lower = new ThresholdPruner({ lower: 2 });
    expect(lower.prune([], t([3]))).toBe(false);
    expect(lower.prune([], t([3, 1]))).toBe(true);
    const both = new ThresholdPruner({ lower: 0, upper: 1 });
    expect(both.prune([], t([0.5]))).toBe(false);
    expect(both.prune([], t([1]))).toBe(false); // bounds are inclusive
    expect(both.prune([], t([0]))).toBe(false);
    expect(both.prune([], t([-0.1]))).toBe(true);
    expect(both.prune([], t([1.1]))).toBe(true);
    expect(both.prune([], t([1.1, 0.5]))).toBe(false); // only the latest value counts
  });

  it('no decision during the warm-up steps', () => {
    const p = new ThresholdPruner({ lower: 0, upper: 1, nWarmupSteps: 2 });
    expect(p.prune([], t([-10]))).toBe(false);
    expect(p.prune([], t([-10, -10]))).toBe(false);
    expect(p.prune([], t([-10, -10, -10]))).toBe(true);
  });

  it('decides every intervalSteps steps after the warm-up', () => {
    const p = new ThresholdPruner({ lower: 0, intervalSteps: 2 });
    expect(p.prune([], t([-10]))).toBe(true); // step 1: checked
    expect(p.prune([], t([1, -10]))).toBe(false); // step 2: skipped
    expect(p.prune([], t([1, 1, -10]))).toBe(true); // step 3: checked
    const w = new ThresholdPruner({ upper: 0, nWarmupSteps: 1, intervalSteps: 3 });
    expect([1, 2, 3, 4, 5, 6].map((n) => w.prune([], t(new Array<number>(n).fill(5))))).toEqual([false, true, false, false, true, false]);
  });

  it('NaN prunes', () => {
    expect(new ThresholdPruner({ upper: 1 }).prune([], t([0.5, NaN]))).toBe(true);
  });

  it('from a space file; needs a bound; lower <= upper', () => {
    const space = parseSearchSpace('pruner: { type: threshold, lower: 0.5, nWarmupSteps: 1 }\n', 'x.yaml');
    const p = createPruner(space.pruner);
    expect(p).toBeInstanceOf(ThresholdPruner);
    expect(p.prune([], t([0.1]), 'maximize')).toBe(false);
    expect(p.prune([], t([0.6, 0.4]), 'maximize')).toBe(true);
    expect(() => new ThresholdPruner({})).toThrow(new UserError('threshold pruner: give lower, upper or both'));
    expect(() => new ThresholdPruner({ lower: 2, upper: 1 })).toThrow(new UserError('lower must be <= upper (1), got 2'));
  });
});
