import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { MedianPruner, PatientPruner, createPruner, type Pruner } from '../../src/pruners/index.js';
import { frozenTrial } from '../helpers/frozen-trial.js';

const always: Pruner = { name: 'always', prune: () => true };
const never: Pruner = { name: 'never', prune: () => false };

describe('patient pruner', () => {
  it('lets the wrapped pruner decide only after `patience` steps without improvement', () => {
    const p = new PatientPruner(always, 2);
    const t = (values: number[]) => frozenTrial(1, { state: 'running', values });
    expect(p.prune([], t([0.5, 0.6, 0.6]), 'maximize')).toBe(false); // needs patience + 2 values
    expect(p.prune([], t([0.5, 0.6, 0.6, 0.59]), 'maximize')).toBe(false); // .6 > .5 within the window
    expect(p.prune([], t([0.5, 0.7, 0.65, 0.68, 0.69]), 'maximize')).toBe(true); // best .7 before the window
    expect(p.prune([], t([0.7, 0.7, 0.7, 0.7]), 'maximize')).toBe(true); // flat: no improvement
    expect(new PatientPruner(never, 2).prune([], t([0.5, 0.7, 0.65, 0.68, 0.69]), 'maximize')).toBe(false);
    // minimize
    expect(p.prune([], t([0.5, 0.3, 0.31, 0.32, 0.33]), 'minimize')).toBe(true);
    expect(p.prune([], t([0.5, 0.3, 0.31, 0.32, 0.29]), 'minimize')).toBe(false);
  });

  it('an improvement must exceed minDelta', () => {
    const t = frozenTrial(1, { values: [0.7, 0.71, 0.72, 0.72] }); // +0.02 over the window
    expect(new PatientPruner(always, 2, 0.05).prune([], t, 'maximize')).toBe(true);
    expect(new PatientPruner(always, 2, 0.01).prune([], t, 'maximize')).toBe(false);
  });

  it('wraps the median pruner from config; validates its arguments', () => {
    const p = createPruner({
      type: 'median', nStartupTrials: 1, nWarmupSteps: 0, intervalSteps: 1, nMinTrials: 1, patience: { patience: 1, minDelta: 0 },
    });
    expect(p).toBeInstanceOf(PatientPruner);
    expect((p as PatientPruner).wrapped).toBeInstanceOf(MedianPruner);
    const view = [frozenTrial(0, { values: [0.9, 0.9, 0.9] })];
    expect(p.prune(view, frozenTrial(1, { values: [0.1, 0.2, 0.3] }), 'maximize')).toBe(false); // still improving
    expect(p.prune(view, frozenTrial(1, { values: [0.3, 0.2, 0.2] }), 'maximize')).toBe(true);
    expect(() => new PatientPruner(null, -1)).toThrow(new UserError('patience must be an integer >= 0, got -1'));
    expect(() => new PatientPruner(null, 1, -0.1)).toThrow(new UserError('minDelta must be a number >= 0, got -0.1'));
  });
});
