/** Pruners: nop, median, successive halving (ASHA), the patience wrapper, and the factory. */
import type { PrunerConfig } from '../search-space/schema.js';
import { MedianPruner } from './median.js';
import { NopPruner } from './nop.js';
import { PatientPruner } from './patient.js';
import { SuccessiveHalvingPruner } from './successive-halving.js';
import type { Pruner } from './types.js';

export type { Pruner } from './types.js';
export { hasNonFiniteValue, lastStep, percentile } from './types.js';
export { NopPruner } from './nop.js';
export { MedianPruner, PercentilePruner, MEDIAN_DEFAULTS, type PercentilePrunerOptions } from './median.js';
export {
  SuccessiveHalvingPruner,
  SUCCESSIVE_HALVING_DEFAULTS,
  isPromotable,
  type SuccessiveHalvingOptions,
} from './successive-halving.js';
export { PatientPruner } from './patient.js';

/** The pruner a search space's `pruner` section asks for (wrapped in a PatientPruner with `patience`). */
export function createPruner(config: PrunerConfig): Pruner {
  let pruner: Pruner;
  switch (config.type) {
    case 'none':
      pruner = new NopPruner();
      break;
    case 'median':
      pruner = new MedianPruner({
        nStartupTrials: config.nStartupTrials,
        nWarmupSteps: config.nWarmupSteps,
        intervalSteps: config.intervalSteps,
        nMinTrials: config.nMinTrials,
      });
      break;
    case 'successive-halving':
    case 'asha':
      pruner = new SuccessiveHalvingPruner({
        minResource: config.minResource,
        reductionFactor: config.reductionFactor,
        minEarlyStoppingRate: config.minEarlyStoppingRate,
      });
      break;
  }
  return config.patience ? new PatientPruner(pruner, config.patience.patience, config.patience.minDelta) : pruner;
}
