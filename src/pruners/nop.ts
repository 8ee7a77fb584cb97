/** Never prunes a healthy trial (NaN/Infinity values are still pruned: the trial is dead). */
import type { Direction, FrozenTrial } from '../core/types.js';
import { hasNonFiniteValue, type Pruner } from './types.js';

export class NopPruner implements Pruner {
  readonly name = 'none';
  prune(_view: readonly FrozenTrial[], trial: FrozenTrial, _direction: Direction): boolean {
    return hasNonFiniteValue(trial);
  }
}
