/** Samplers: random, grid, TPE (one file each) and the factory used by the optimize loop. */
import type { SamplerConfig } from '../search-space/schema.js';
import { GridSampler } from './grid.js';
import { RandomSampler } from './random.js';
import { EnqueuedSampler } from './enqueued.js';
import { TpeSampler } from './tpe.js';
import type { Sampler } from './types.js';

export type { Sampler, SampleContext } from './types.js';
export { RandomSampler, sampleUniform, sampleAllUniform } from './random.js';
export { GridSampler } from './grid.js';
export { TpeSampler, TPE_DEFAULTS, defaultGamma, splitTrials } from './tpe.js';
export { NumericalParzen, CategoricalParzen, JointParzen, defaultWeights, scottBandwidth } from './parzen.js';
export { EnqueuedSampler } from './enqueued.js';

function baseSampler(config: SamplerConfig): Sampler {
  switch (config.type) {
    case 'tpe':
      return new TpeSampler(config);
    case 'random':
      return new RandomSampler();
    case 'grid':
      return new GridSampler(config);
  }
}

/** The sampler a search space's `sampler` section asks for, serving the space's `enqueue` list first. */
export function createSampler(config: SamplerConfig): Sampler {
  return new EnqueuedSampler(baseSampler(config));
}
