import type { SearchSpace } from '../search-space/schema.js';
import type { FrozenTrial, Params } from '../core/types.js';

/** What a sampler may look at when it proposes the params of one trial (see study/view.ts). */
export interface SampleContext {
  space: SearchSpace;
  /** Number of the trial being sampled. */
  trialNumber: number;
  /** Finished trials (complete, pruned, fail) visible to this trial, in any order. */
  history: readonly FrozenTrial[];
  /** Params of trials that count as still running for this trial (the constant liar's input). */
  running: readonly Params[];
  /** The study's seed. A sampler draws from createRng(mixSeed(seed, trialNumber)) only. */
  seed: number;
}

/**
 * A sampler proposes the searched params of one trial. Pure: the result depends only on the context,
 * and nothing is written anywhere. Returns null when the search space is exhausted (grid).
 */
export interface Sampler {
  readonly name: string;
  sample(ctx: SampleContext): Params | null;
}
