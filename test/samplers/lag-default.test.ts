import { describe, expect, it } from 'vitest';
import { NopPruner } from '../../src/pruners/index.js';
import { RandomSampler, type SampleContext, type Sampler } from '../../src/samplers/index.js';
import { effectiveLag, parseSearchSpace } from '../../src/search-space/index.js';
import type { Params } from '../../src/core/types.js';
import { sweepOnVirtualClock } from '../../src/virtual/virtual-runner.js';

/** What each trial's sampler saw: numbers of the history trials and how many counted as running. */
async function sweepViews(lagLine: string, workers: number) {
  const space = parseSearchSpace(
    `params:\n  dropout: {type: float, low: 0.1, high: 0.6}\nfixed: {epochs: 2}\nbudget: {trials: 8}\nsampler: {type: random}\n${lagLine}keepModels: 0\n`,
    'lag.yaml',
  );
  const seen: Array<{ n: number; history: number[]; running: number }> = [];
  const inner = new RandomSampler();
  const spy: Sampler = {
    name: 'spy',
    sample(ctx: SampleContext): Params {
      seen.push({ n: ctx.trialNumber, history: ctx.history.map((t) => t.number).sort((a, b) => a - b), running: ctx.running.length });
      return inner.sample(ctx);
    },
  };
  // The real optimize loop, scripted trials on a virtual clock.
  await sweepOnVirtualClock({ space, workers, sampler: spy, pruner: new NopPruner() });
  return { space, seen };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('default lag = workers - 1', () => {
  it('one worker, lag unset: every trial is sampled with every earlier trial finished in its history', async () => {
    const { space, seen } = await sweepViews('', 1);
    expect(space.lag).toBeUndefined();
    expect(seen.map((s) => s.n)).toEqual(range(8));
    for (const s of seen) expect(s).toEqual({ n: s.n, history: range(s.n), running: 0 });
  });

  it('three workers, lag unset: lag 2 (trials n-2, n-1 count as running)', async () => {
    const { seen } = await sweepViews('', 3);
    for (const s of seen) expect(s).toEqual({ n: s.n, history: range(Math.max(0, s.n - 2)), running: Math.min(s.n, 2) });
  });

  it('an explicit lag keeps its meaning whatever the workers', async () => {
    const { seen } = await sweepViews('lag: 3\n', 1);
    for (const s of seen) expect(s).toEqual({ n: s.n, history: range(Math.max(0, s.n - 3)), running: Math.min(s.n, 3) });
    expect(effectiveLag({ lag: 0 }, 4)).toBe(0);
    expect(effectiveLag({}, 4)).toBe(3);
    expect(effectiveLag({}, 1)).toBe(0);
  });
});
