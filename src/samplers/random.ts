/** Independent uniform sampling of every parameter (log-uniform for log distributions). */
import { createRng, mixSeed, type Rng } from '../core/random.js';
import type { Distribution } from '../search-space/schema.js';
import { snapToStep } from '../search-space/distributions.js';
import type { ParamValue, Params } from '../core/types.js';
import type { SampleContext, Sampler } from './types.js';

/** One uniform draw from a distribution. */
export function sampleUniform(d: Distribution, rng: Rng): ParamValue {
  switch (d.type) {
    case 'categorical':
      return d.choices[rng.int(d.choices.length)]!;
    case 'int': {
      if (d.log) {
        const lo = Math.log(d.low - 0.5);
        const hi = Math.log(d.high + 0.5);
        const v = Math.round(Math.exp(lo + rng.next() * (hi - lo)));
        return Math.min(Math.max(v, d.low), d.high);
      }
      const n = Math.round((d.high - d.low) / d.step);
      return d.low + rng.int(n + 1) * d.step;
    }
    case 'float': {
      if (d.step !== null) {
        const n = Math.round((d.high - d.low) / d.step);
        return snapToStep(d.low + rng.int(n + 1) * d.step, d.low, d.high, d.step);
      }
      if (d.log) {
        const lo = Math.log(d.low);
        const hi = Math.log(d.high);
        return Math.min(Math.max(Math.exp(lo + rng.next() * (hi - lo)), d.low), d.high);
      }
      return d.low + rng.next() * (d.high - d.low);
    }
  }
}

/** Uniform draws of every searched param, in the order of the space's `params`. */
export function sampleAllUniform(params: Record<string, Distribution>, rng: Rng): Params {
  const out: Params = {};
  for (const [name, d] of Object.entries(params)) out[name] = sampleUniform(d, rng);
  return out;
}

export class RandomSampler implements Sampler {
  readonly name = 'random';
  sample(ctx: SampleContext): Params {
    return sampleAllUniform(ctx.space.params, createRng(mixSeed(ctx.seed, ctx.trialNumber)));
  }
}
