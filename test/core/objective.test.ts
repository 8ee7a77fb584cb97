import { describe, expect, it } from 'vitest';
import { bestEpochOf, improves } from '../../src/core/objective.js';
import { bestValue } from '../../src/study/phases.js';
import { parseSearchSpace } from '../../src/search-space/index.js';
import { runScriptedTrial } from '../../src/scripted/trainer.js';
import type { EpochMetrics } from '../../src/core/types.js';
import { trainParams } from '../helpers/trial-task.js';

const m = (epoch: number, valAcc: number, valLoss: number): EpochMetrics => ({ epoch, valAcc, valLoss, trainAcc: 0, trainLoss: 0, lr: 1e-3, seconds: 1 });
// Accuracy peaks at epoch 3, loss bottoms at epoch 2: the two objectives keep different epochs.
const history = [m(1, 0.9, 0.4), m(2, 0.95, 0.15), m(3, 0.96, 0.2), m(4, NaN, NaN)];

describe('the kept epoch is the one that earned the trial value', () => {
  it('follows the objective metric and direction, skipping non-finite epochs', () => {
    expect(bestEpochOf(history, { metric: 'valAcc', direction: 'maximize' })).toBe(3);
    expect(bestEpochOf(history, { metric: 'valLoss', direction: 'minimize' })).toBe(2);
    expect(bestEpochOf([m(1, NaN, NaN)], { metric: 'valLoss', direction: 'minimize' })).toBe(0);
    // Ties keep the first epoch.
    expect(bestEpochOf([m(1, 0.9, 0.2), m(2, 0.9, 0.2)], { metric: 'valAcc', direction: 'maximize' })).toBe(1);
  });

  it('agrees with the value optimize records', () => {
    for (const objective of [{ metric: 'valAcc', direction: 'maximize' }, { metric: 'valLoss', direction: 'minimize' }] as const) {
      const space = parseSearchSpace(`params: {lr: {type: float, low: 1.0e-4, high: 1.0e-2}}\nobjective: {metric: ${objective.metric}, direction: ${objective.direction}}\n`, 'o.yaml');
      const values = history.map((h) => h[objective.metric]);
      expect(history[bestEpochOf(history, objective) - 1]![objective.metric]).toBe(bestValue(space, values));
    }
  });

  it('improves(): anything beats nothing, a finite value beats a non-finite best, non-finite never beats a finite one', () => {
    const max = { metric: 'valAcc', direction: 'maximize' } as const;
    expect(improves(NaN, null, max)).toBe(true);
    expect(improves(NaN, NaN, max)).toBe(false);
    expect(improves(0.1, null, max)).toBe(true);
    expect(improves(0.1, NaN, max)).toBe(true);
    expect(improves(NaN, 0.1, max)).toBe(false);
    expect(improves(0.2, 0.1, { metric: 'valLoss', direction: 'minimize' })).toBe(false);
  });

  it('the scripted trainer kind reports the objective best epoch as its outcome', async () => {
    const task = {
      number: 0,
      params: trainParams({ lr: 2e-3, dropout: 0.35, l2: 0, noise: 0, lrDecay: 0.95, rotation: 0, zoom: 0, shift: 0, plateauPatience: 0, plateauFactor: 0.5 }),
      epochs: 6,
      batchSize: 32,
      seed: 1,
      backend: 'scripted',
      saveDir: null,
      trainer: 'scripted' as const,
      checkpoint: null,
    };
    for (const objective of [{ metric: 'valAcc', direction: 'maximize' }, { metric: 'valLoss', direction: 'minimize' }] as const) {
      const out = await runScriptedTrial({ ...task, objective }, async () => false, { epochDelayMs: 0, fault: null });
      expect(out.bestEpoch).toBe(bestEpochOf(out.history, objective));
    }
  });
});
