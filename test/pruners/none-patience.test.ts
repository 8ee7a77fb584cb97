import { describe, expect, it } from 'vitest';
import { PatientPruner, createPruner } from '../../src/pruners/index.js';
import { parseSearchSpace } from '../../src/search-space/index.js';
import { frozenTrial } from '../helpers/frozen-trial.js';

describe('pruner { type: none, patience } (the patience rule alone)', () => {
  const space = parseSearchSpace('pruner: { type: none, patience: { patience: 1 } }\n', 'x.yaml');
  const pruner = createPruner(space.pruner);

  it('prunes a stalled trial, as PatientPruner(null, ...) does', () => {
    // patience 1: the last 2 values (.4, .4) do not beat the best before them (.5): stalled.
    const stalled = frozenTrial(3, { state: 'running', values: [0.5, 0.4, 0.4] });
    expect(pruner.prune([], stalled, 'maximize')).toBe(true);
    expect(new PatientPruner(null, 1).prune([], stalled, 'maximize')).toBe(true);
  });

  it('lets an improving trial run, and decides nothing before patience + 2 values', () => {
    expect(pruner.prune([], frozenTrial(3, { state: 'running', values: [0.5, 0.4, 0.6] }), 'maximize')).toBe(false);
    expect(pruner.prune([], frozenTrial(3, { state: 'running', values: [0.5, 0.4] }), 'maximize')).toBe(false);
    // minimize: .3 then .35, .31: no improvement on .3
    expect(pruner.prune([], frozenTrial(3, { state: 'running', values: [0.3, 0.35, 0.31] }), 'minimize')).toBe(true);
  });

  it('without patience, none never prunes a healthy trial', () => {
    const none = createPruner(parseSearchSpace('pruner: { type: none }\n', 'x.yaml').pruner);
    expect(none.prune([], frozenTrial(3, { state: 'running', values: [0.5, 0.4, 0.4] }), 'maximize')).toBe(false);
    expect(none.prune([], frozenTrial(3, { state: 'running', values: [0.5, NaN] }), 'maximize')).toBe(true);
  });
});
