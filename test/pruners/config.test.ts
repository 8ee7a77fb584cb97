import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { parseSearchSpace } from '../../src/search-space/index.js';

const F = 'spaces/x.yaml';
function message(text: string): string {
  try {
    parseSearchSpace(text, F);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).not.toContain('\n');
    return (err as Error).message;
  }
  throw new Error('expected a UserError');
}

describe('pruner sections: defaults and one-line errors naming file, field and value', () => {
  it('defaults', () => {
    expect(parseSearchSpace('pruner: { type: asha, minResource: auto }\n', F).pruner).toEqual({
      type: 'asha', minResource: 'auto', reductionFactor: 2, minEarlyStoppingRate: 0, bootstrapCount: 0,
    });
    expect(parseSearchSpace('pruner: { type: threshold, upper: 0.5 }\n', F).pruner).toEqual({
      type: 'threshold', upper: 0.5, nWarmupSteps: 0, intervalSteps: 1,
    });
    expect(parseSearchSpace('pruner: { type: percentile, percentile: 10 }\n', F).pruner).toEqual({
      type: 'percentile', percentile: 10, nStartupTrials: 5, nWarmupSteps: 0, intervalSteps: 1, nMinTrials: 1,
    });
    expect(parseSearchSpace('pruner: { type: hyperband }\n', F).pruner).toEqual({
      type: 'hyperband', minResource: 1, maxResource: 'auto', reductionFactor: 3, bootstrapCount: 0,
    });
  });

  it.each([
    ['pruner: { type: threshold }', 'spaces/x.yaml: pruner: the threshold pruner needs lower, upper or both'],
    ['pruner: { type: threshold, lower: 2, upper: 1 }', 'spaces/x.yaml: pruner.lower: must be <= upper (1) (got 2)'],
    ['pruner: { type: threshold, lower: x }', 'spaces/x.yaml: pruner.lower: must be a number (got "x")'],
    ['pruner: { type: threshold, upper: 1, intervalSteps: 0 }', 'spaces/x.yaml: pruner.intervalSteps: must be > 0 (got 0)'],
    ['pruner: { type: percentile }', 'spaces/x.yaml: pruner.percentile: is required'],
    ['pruner: { type: percentile, percentile: 120 }', 'spaces/x.yaml: pruner.percentile: must be <= 100 (got 120)'],
    ['pruner: { type: percentile, percentile: 20, nWarmupSteps: -1 }', 'spaces/x.yaml: pruner.nWarmupSteps: must be >= 0 (got -1)'],
    ['pruner: { type: asha, minResource: soon }', 'spaces/x.yaml: pruner.minResource: must be an integer >= 1 or auto (got "soon")'],
    ['pruner: { type: asha, minResource: 0 }', 'spaces/x.yaml: pruner.minResource: must be > 0 (got 0)'],
    ['pruner: { type: asha, bootstrapCount: -2 }', 'spaces/x.yaml: pruner.bootstrapCount: must be >= 0 (got -2)'],
    ['pruner: { type: asha, minResource: auto, bootstrapCount: 2 }', 'spaces/x.yaml: pruner.bootstrapCount: must be 0 with minResource auto (Optuna: mutually incompatible) (got 2)'],
    ['fixed: { epochs: 5 }\npruner: { type: successive-halving, minResource: 6 }', 'spaces/x.yaml: pruner.minResource: must be <= fixed.epochs (5) (got 6)'],
    ['fixed: { epochs: 5 }\npruner: { type: hyperband, maxResource: 9 }', 'spaces/x.yaml: pruner.maxResource: must be <= fixed.epochs (5) (got 9)'],
    ['pruner: { type: hyperband, minResource: 4, maxResource: 2 }', 'spaces/x.yaml: pruner.maxResource: must be >= minResource (4) (got 2)'],
    ['pruner: { type: hyperband, bootstrapCount: 1 }', 'spaces/x.yaml: pruner.bootstrapCount: must be 0 with maxResource auto (Optuna: mutually incompatible) (got 1)'],
    ['pruner: { type: hyperband, reductionFactor: 1 }', 'spaces/x.yaml: pruner.reductionFactor: must be >= 2 (got 1)'],
  ])('%s', (text, expected) => {
    expect(message(`${text}\n`)).toBe(expected);
  });
});
