/**
 * Serves the space's enqueued parameter sets first (search-space/enqueue.ts): trial n <
 * space.enqueue.length gets enqueue[n]; params the set leaves out come from the wrapped sampler's
 * proposal for that trial (or, when the wrapped sampler has none, as with an exhausted grid, a
 * uniform draw from the trial's own stream). Every other trial is the wrapped sampler's. Pure, like
 * every sampler: the optimize loop stays the only writer of trial state.
 */
import { createRng, mixSeed } from '../core/random.js';
import type { Params } from '../core/types.js';
import { sampleAllUniform } from './random.js';
import type { SampleContext, Sampler } from './types.js';

/** Salt of the stream that fills an enqueued set's missing params when the wrapped sampler has no proposal. */
const FILL_SALT = 0x656e71; // "enq"

export class EnqueuedSampler implements Sampler {
  readonly name: string;
  constructor(readonly inner: Sampler) {
    this.name = inner.name;
  }

  sample(ctx: SampleContext): Params | null {
    const set = ctx.space.enqueue[ctx.trialNumber];
    if (set === undefined) return this.inner.sample(ctx);
    const names = Object.keys(ctx.space.params);
    const complete = names.every((k) => k in set);
    const proposal = complete
      ? {}
      : (this.inner.sample(ctx) ?? sampleAllUniform(ctx.space.params, createRng(mixSeed(ctx.seed, ctx.trialNumber, FILL_SALT))));
    const out: Params = {};
    for (const k of names) out[k] = set[k] ?? proposal[k]!;
    return out;
  }
}
