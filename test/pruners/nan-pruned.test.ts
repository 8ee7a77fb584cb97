import { describe, expect, it } from 'vitest';
import { MedianPruner, NopPruner, PatientPruner, SuccessiveHalvingPruner } from '../../src/pruners/index.js';
import { frozenTrial } from '../helpers/frozen-trial.js';

describe('NaN and Infinity are always pruned', () => {
  const pruners = [new NopPruner(), new MedianPruner(), new SuccessiveHalvingPruner(), new PatientPruner(new NopPruner(), 10)];
  for (const p of pruners) {
    it(p.name, () => {
      for (const bad of [NaN, Infinity, -Infinity]) {
        expect(p.prune([], frozenTrial(0, { state: 'running', values: [0.5, bad] }), 'maximize')).toBe(true);
        expect(p.prune([], frozenTrial(0, { state: 'running', values: [bad] }), 'minimize')).toBe(true);
      }
      expect(new NopPruner().prune([], frozenTrial(0, { values: [0.1, 0.2] }), 'maximize')).toBe(false);
    });
  }
});
