import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { SuccessiveHalvingPruner, createPruner, estimateMinResource, isPromotable } from '../../src/pruners/index.js';
import { frozenTrial } from '../helpers/frozen-trial.js';

describe('successive halving (ASHA)', () => {
  it('rungs at minResource * eta^(s + k)', () => {
    expect(new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 }).rungSteps(30)).toEqual([1, 3, 9, 27]);
    expect(new SuccessiveHalvingPruner().rungSteps(20)).toEqual([2, 4, 8, 16]);
    expect(new SuccessiveHalvingPruner({ minResource: 2, reductionFactor: 2 }).rungSteps(20)).toEqual([2, 4, 8, 16]);
    expect(new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3, minEarlyStoppingRate: 1 }).rungSteps(30)).toEqual([3, 9, 27]);
  });

  it('continues only in the top 1/eta of the values at the rung, itself included', () => {
    // Five visible trials recorded .1 .2 .3 .4 .5 at epoch 1. With the new trial n = 6: top floor(6/3) = 2.
    const view = [0.1, 0.2, 0.3, 0.4, 0.5].map((v, i) => frozenTrial(i, { state: 'pruned', values: [v] }));
    const p = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 });
    expect(p.prune(view, frozenTrial(9, { state: 'running', values: [0.45] }), 'maximize')).toBe(false); // 2nd of 6
    expect(p.prune(view, frozenTrial(9, { state: 'running', values: [0.35] }), 'maximize')).toBe(true); // 3rd of 6
    // Epoch 2 is not a rung: no decision.
    expect(p.prune(view, frozenTrial(9, { state: 'running', values: [0.01, 0.01] }), 'maximize')).toBe(false);
    // Minimize: lower is better.
    expect(p.prune(view, frozenTrial(9, { values: [0.15] }), 'minimize')).toBe(false);
    expect(p.prune(view, frozenTrial(9, { values: [0.25] }), 'minimize')).toBe(true);
  });

  it('with fewer than eta values at a rung, only the best continues (Optuna)', () => {
    const p = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 });
    expect(p.prune([], frozenTrial(0, { values: [0.1] }), 'maximize')).toBe(false); // alone: best
    const one = [frozenTrial(0, { values: [0.5, 0.6, 0.7] })];
    expect(p.prune(one, frozenTrial(1, { values: [0.4] }), 'maximize')).toBe(true);
    expect(p.prune(one, frozenTrial(1, { values: [0.5] }), 'maximize')).toBe(false);
    // Rung 3: competes with the values at epoch 3 only.
    expect(p.prune(one, frozenTrial(1, { values: [0.9, 0.9, 0.69] }), 'maximize')).toBe(true);
    expect(p.prune(one, frozenTrial(1, { values: [0.1, 0.1, 0.71] }), 'maximize')).toBe(false);
    expect(isPromotable(3, [1, 2, 3, 4, 5, 6, 7, 8, 9], 3, 'maximize')).toBe(false);
    expect(isPromotable(8, [1, 2, 3, 4, 5, 6, 7, 8, 9], 3, 'maximize')).toBe(true);
    expect(isPromotable(7, [1, 2, 3, 4, 5, 6, 7, 8, 9], 3, 'maximize')).toBe(true);
  });

  it('the factory builds it for asha and successive-halving; constructors name the bad value', () => {
    expect(createPruner({ type: 'asha', minResource: 2, reductionFactor: 4, minEarlyStoppingRate: 0, bootstrapCount: 0 })).toBeInstanceOf(SuccessiveHalvingPruner);
    expect(() => new SuccessiveHalvingPruner({ reductionFactor: 1 })).toThrow(new UserError('reductionFactor must be an integer >= 2, got 1'));
    expect(() => new SuccessiveHalvingPruner({ minResource: 0.5 })).toThrow(new UserError('minResource must be an integer >= 1, got 0.5'));
  });

  it('bootstrapCount: a trial reaching a rung is pruned while at most bootstrapCount trials reached it (Optuna)', () => {
    // Optuna's test_successive_halving_pruner_bootstrap_parameter: bootstrap_count=1.
    const p = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2, bootstrapCount: 1 });
    const first = frozenTrial(0, { state: 'running', values: [1] });
    expect(p.prune([], first, 'minimize')).toBe(true); // 1 value at the rung: <= 1
    expect(p.prune([first], frozenTrial(1, { state: 'running', values: [1] }), 'minimize')).toBe(false); // 2 values, tie: best
    const p3 = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2, bootstrapCount: 3 });
    const two = [frozenTrial(0, { values: [5] }), frozenTrial(1, { values: [6] })];
    expect(p3.prune(two, frozenTrial(2, { state: 'running', values: [0] }), 'minimize')).toBe(true); // 3 <= 3, even the best
    expect(p3.prune([...two, frozenTrial(2, { values: [7] })], frozenTrial(3, { state: 'running', values: [0] }), 'minimize')).toBe(false);
    expect(() => new SuccessiveHalvingPruner({ minResource: 'auto', bootstrapCount: 1 })).toThrow(UserError);
  });

  it("minResource 'auto': 1 % of the longest complete trial, at least 1; no pruning before one is visible", () => {
    const p = new SuccessiveHalvingPruner({ minResource: 'auto', reductionFactor: 2 });
    const bad = frozenTrial(9, { state: 'running', values: [0.1] });
    expect(p.prune([frozenTrial(0, { state: 'pruned', values: [0.9] })], bad, 'maximize')).toBe(false); // no complete trial
    const done = (steps: number) => frozenTrial(0, { values: new Array<number>(steps).fill(0.9) });
    expect(estimateMinResource([done(30)])).toBe(1);
    expect(estimateMinResource([done(250), done(99)])).toBe(2);
    expect(estimateMinResource([frozenTrial(0, { state: 'pruned', values: [1] })])).toBe(null);
    expect(p.prune([done(30)], bad, 'maximize')).toBe(true); // rung at 1
    expect(p.rungSteps(20, [done(250)])).toEqual([2, 4, 8, 16]);
    expect(p.prune([done(250)], bad, 'maximize')).toBe(false); // step 1 is not a rung at min resource 2
    expect(p.prune([done(250)], frozenTrial(9, { state: 'running', values: [0.1, 0.1] }), 'maximize')).toBe(true);
  });
});
