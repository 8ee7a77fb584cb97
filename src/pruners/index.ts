/** Pruners: nop, median, percentile, threshold, successive halving (ASHA), Hyperband, the patience wrapper, and the factory. */
import type { PrunerConfig } from '../search-space/schema.js';
import { HyperbandPruner } from './hyperband.js';
import { MedianPruner } from './median.js';
import { PatientPruner } from './patient.js';
import { PercentilePruner } from './percentile.js';
import { SuccessiveHalvingPruner } from './successive-halving.js';
import { ThresholdPruner } from './threshold.js';
import { NopPruner } from './nop.js';
import type { Pruner } from './types.js';

export type { Pruner } from './types.js';
export { hasNonFiniteValue, lastStep, percentile, isCheckStep } from './types.js';
export { NopPruner } from './nop.js';
export { MedianPruner } from './median.js';
export { PercentilePruner, MEDIAN_DEFAULTS, type PercentilePrunerOptions } from './percentile.js';
export { ThresholdPruner, type ThresholdPrunerOptions } from './threshold.js';
export {
  SuccessiveHalvingPruner,
  SUCCESSIVE_HALVING_DEFAULTS,
  estimateMinResource,
  isPromotable,
  rungSteps,
  type SuccessiveHalvingOptions,
} from './successive-halving.js';
export { HyperbandPruner, HYPERBAND_DEFAULTS, bracketBudgets, bracketCount, bracketOf, crc32, type HyperbandOptions } from './hyperband.js';
export { PatientPruner } from './patient.js';

/** The pruner a space's `pruner` section asks for, without its patience wrapper (null: none). */
function basePruner(config: PrunerConfig): Pruner | null {
  switch (config.type) {
    case 'none':
      return null;
    case 'median':
    case 'percentile': {
      const { nStartupTrials, nWarmupSteps, intervalSteps, nMinTrials } = config;
      const options = { nStartupTrials, nWarmupSteps, intervalSteps, nMinTrials };
      return config.type === 'median' ? new MedianPruner(options) : new PercentilePruner({ ...options, percentile: config.percentile });
    }
    case 'threshold':
      return new ThresholdPruner({
        lower: config.lower ?? null,
        upper: config.upper ?? null,
        nWarmupSteps: config.nWarmupSteps,
        intervalSteps: config.intervalSteps,
      });
    case 'successive-halving':
    case 'asha':
      return new SuccessiveHalvingPruner({
        minResource: config.minResource,
        reductionFactor: config.reductionFactor,
        minEarlyStoppingRate: config.minEarlyStoppingRate,
        bootstrapCount: config.bootstrapCount,
      });
    case 'hyperband':
      return new HyperbandPruner({
        minResource: config.minResource,
        maxResource: config.maxResource,
        reductionFactor: config.reductionFactor,
        bootstrapCount: config.bootstrapCount,
      });
  }
}

/**
 * The pruner a search space's `pruner` section asks for, wrapped in a PatientPruner with `patience`.
 * `none` + patience is the patience rule alone (PatientPruner with no wrapped pruner: a stall prunes),
 * as Optuna's PatientPruner(None, ...); wrapping a NopPruner would never prune.
 */
export function createPruner(config: PrunerConfig): Pruner {
  const base = basePruner(config);
  if (config.patience) return new PatientPruner(base, config.patience.patience, config.patience.minDelta);
  return base ?? new NopPruner();
}
