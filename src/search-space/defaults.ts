/**
 * The built-in search space: the same content as search-spaces/quickstart.yaml (a test keeps them
 * equal). Used when no file is given.
 */
import type { SearchSpace, SearchSpaceInput } from './schema.js';
import { validateSearchSpace } from './validate.js';

export const QUICKSTART_INPUT: SearchSpaceInput = {
  params: {
    lr: { type: 'float', low: 1e-4, high: 1e-2, log: true },
    dropout: { type: 'float', low: 0.1, high: 0.6 },
    l2: { type: 'float', low: 1e-6, high: 1e-3, log: true },
    noise: { type: 'float', low: 0, high: 0.2 },
  },
  fixed: {
    lr: 1e-3,
    dropout: 0.4,
    l2: 0,
    noise: 0,
    lrDecay: 0.95,
    rotation: 10,
    zoom: 0.1,
    shift: 0.1,
    plateauPatience: 0,
    plateauFactor: 0.5,
    epochs: 3,
    batchSize: 64,
  },
  objective: { metric: 'valAcc', direction: 'maximize' },
  budget: { trials: 8, workers: 2, maxWallMinutes: 25, trialTimeoutMinutes: 10, maxConsecutiveFailures: 3 },
  sampler: { type: 'tpe', nStartupTrials: 4 },
  pruner: { type: 'asha', minResource: 1, reductionFactor: 3 },
  seed: 42,
  lag: 1,
  data: { source: 'mnist', limit: 6000, valFraction: 0.1 },
  keepModels: 3,
};

/** The quickstart, validated (every default filled in). */
export const DEFAULT_SPACE: SearchSpace = validateSearchSpace(QUICKSTART_INPUT, '<built-in quickstart>');
