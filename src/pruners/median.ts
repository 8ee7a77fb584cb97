/**
 * Optuna's MedianPruner: a PercentilePruner (percentile.ts) at 50, with the same start-up, warm-up,
 * interval and minimum-trials rules.
 */
import { PercentilePruner, type PercentilePrunerOptions } from './percentile.js';

export class MedianPruner extends PercentilePruner {
  override readonly name = 'median';
  constructor(options: Partial<Omit<PercentilePrunerOptions, 'percentile'>> = {}) {
    super({ ...options, percentile: 50 });
  }
}
