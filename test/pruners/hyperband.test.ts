import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { HyperbandPruner, bracketBudgets, bracketCount, bracketOf, createPruner, crc32 } from '../../src/pruners/index.js';
import { parseSearchSpace } from '../../src/search-space/index.js';
import { frozenTrial } from '../helpers/frozen-trial.js';

// frozenTrial(n) has seed n, so trial n's key is "n_n". Its bracket with budgets [9, 5, 3] (min 1, max 9,
// eta 3), from Python's binascii.crc32 as Optuna 3.1.0's HyperbandPruner._get_bracket_id walks them:
//   0 -> 1;  1, 2, 3, 4 -> 0;  5, 6, 7 -> 2;  8, 9, 10 -> 0;  11 -> 2.
describe('hyperband pruner', () => {
  it('brackets and budgets as Optuna 3.1.0 computes them', () => {
    expect(bracketCount(1, 9, 3)).toBe(3);
    expect(bracketBudgets(3, 3)).toEqual([9, 5, 3]);
    expect(bracketCount(1, 30, 3)).toBe(4); // floor(log3 30) + 1
    expect(bracketBudgets(4, 3)).toEqual([27, 12, 6, 4]);
    expect(bracketCount(2, 2, 3)).toBe(1);
    expect(crc32('0_0')).toBe(3234876853);
    expect(crc32('11_11')).toBe(3801585642);
    const brackets = Array.from({ length: 12 }, (_, n) => bracketOf({ number: n, seed: n }, [9, 5, 3]));
    expect(brackets).toEqual([1, 0, 0, 0, 0, 2, 2, 2, 0, 0, 0, 2]);
  });

  it('a trial competes with its own bracket only; bracket b has its first rung at min * eta^b', () => {
    const p = new HyperbandPruner({ minResource: 1, maxResource: 9, reductionFactor: 3 });
    // Bracket 0 (rungs 1, 3, 9): trial 1 recorded .4 at epoch 1; bracket 2's trials 5, 6, 7 recorded .9.
    const view = [
      frozenTrial(1, { state: 'pruned', values: [0.4] }),
      ...[5, 6, 7].map((n) => frozenTrial(n, { values: new Array<number>(9).fill(0.9) })),
    ];
    // Trial 3 (bracket 0) at epoch 1 with .5: best of {.5, .4} -> continues (against all five it would be pruned).
    expect(p.prune(view, frozenTrial(3, { state: 'running', values: [0.5] }), 'maximize')).toBe(false);
    expect(p.prune(view, frozenTrial(3, { state: 'running', values: [0.3] }), 'maximize')).toBe(true);
    // Trial 11 (bracket 2): first rung at 9, so epochs 1..8 are never judged, however bad.
    for (let e = 1; e <= 8; e++) expect(p.prune(view, frozenTrial(11, { state: 'running', values: new Array<number>(e).fill(0) }), 'maximize')).toBe(false);
    // At epoch 9 it meets 5, 6, 7 (.9 each): n = 4, top floor(4/3) = 1 -> must be the best.
    expect(p.prune(view, frozenTrial(11, { state: 'running', values: new Array<number>(9).fill(0.5) }), 'maximize')).toBe(true);
    // Trial 0 (bracket 1): first rung at 3, alone there.
    expect(p.prune(view, frozenTrial(0, { state: 'running', values: [0, 0] }), 'maximize')).toBe(false);
    expect(p.prune(view, frozenTrial(0, { state: 'running', values: [0, 0, 0] }), 'maximize')).toBe(false);
  });

  it("maxResource 'auto': the longest complete trial; no pruning before one is visible", () => {
    const p = new HyperbandPruner({ minResource: 1, reductionFactor: 3 });
    const loser = frozenTrial(3, { state: 'running', values: [0.1] });
    const peer = frozenTrial(1, { state: 'pruned', values: [0.9] });
    expect(p.budgets([peer])).toBe(null);
    expect(p.prune([peer], loser, 'maximize')).toBe(false);
    const done = frozenTrial(5, { values: new Array<number>(9).fill(0.9) });
    expect(p.budgets([peer, done])).toEqual([9, 5, 3]);
    expect(p.prune([peer, done], loser, 'maximize')).toBe(true); // bracket 0, rung 1: .1 < .9
  });

  it('from a space file, with validation', () => {
    const space = parseSearchSpace('fixed: { epochs: 9 }\npruner: { type: hyperband, maxResource: 9 }\n', 'x.yaml');
    expect(space.pruner).toEqual({ type: 'hyperband', minResource: 1, maxResource: 9, reductionFactor: 3, bootstrapCount: 0 });
    expect(createPruner(space.pruner)).toBeInstanceOf(HyperbandPruner);
    expect(() => new HyperbandPruner({ minResource: 4, maxResource: 2 })).toThrow(new UserError('maxResource must be >= minResource (4), got 2'));
    expect(() => new HyperbandPruner({ bootstrapCount: 2 })).toThrow(UserError);
  });
});
