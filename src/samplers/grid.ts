/**
 * Grid search over every combination of the searched params' values (int, float with step,
 * categorical, or explicit `sampler.grid` values), in a seeded shuffled order. A trial takes the first
 * grid point not used by any trial it knows of (history or running); when none is left the sampler
 * returns null: the grid is exhausted and the sweep ends.
 */
import { createRng, mixSeed, permutation } from '../core/random.js';
import type { GridSamplerConfig, SearchSpace } from '../search-space/schema.js';
import { gridValues } from '../search-space/distributions.js';
import type { ParamValue, Params } from '../core/types.js';
import type { SampleContext, Sampler } from './types.js';

/** Salt so the grid order differs from the per-trial streams of the same seed. */
const GRID_ORDER_SALT = 0x67726964; // "grid"

export class GridSampler implements Sampler {
  readonly name = 'grid';
  constructor(private readonly config: GridSamplerConfig = { type: 'grid' }) {}

  /** The values of each searched param, in the space's order. */
  axes(space: SearchSpace): Array<[string, ParamValue[]]> {
    return Object.entries(space.params).map(([name, d]) => {
      const values = this.config.grid?.[name] ?? gridValues(d);
      if (values.length === 0) {
        throw new RangeError(`grid sampler: param ${name} has no grid values (a float needs a step or explicit values)`);
      }
      return [name, values];
    });
  }

  /** Number of grid points. */
  size(space: SearchSpace): number {
    return this.axes(space).reduce((n, [, v]) => n * v.length, 1);
  }

  sample(ctx: SampleContext): Params | null {
    const axes = this.axes(ctx.space);
    const size = axes.reduce((n, [, v]) => n * v.length, 1);
    const key = (p: Params): string => JSON.stringify(axes.map(([name]) => p[name] ?? null));
    const used = new Set<string>();
    for (const t of ctx.history) used.add(key(t.params));
    for (const p of ctx.running) used.add(key(p));
    const order = permutation(size, createRng(mixSeed(ctx.seed, GRID_ORDER_SALT)));
    for (let i = 0; i < size; i++) {
      let idx = order[i]!;
      const params: Params = {};
      for (let a = axes.length - 1; a >= 0; a--) {
        const [name, values] = axes[a]!;
        params[name] = values[idx % values.length]!;
        idx = Math.floor(idx / values.length);
      }
      const ordered: Params = {};
      for (const [name] of axes) ordered[name] = params[name]!;
      if (!used.has(key(ordered))) return ordered;
    }
    return null;
  }
}
