import { describe, expect, it } from 'vitest';
import { parseSearchSpace } from '../../src/search-space/index.js';
import type { FrozenTrial } from '../../src/core/types.js';
import { sweepOnVirtualClock } from '../../src/virtual/virtual-runner.js';

// The real optimize() on a virtual clock with the scripted trainer (see src/virtual/virtual-runner.ts).
const space = parseSearchSpace(
  `params:
  lr: {type: float, low: 1.0e-4, high: 1.0e-2, log: true}
  dropout: {type: float, low: 0.1, high: 0.6}
  l2: {type: float, low: 1.0e-6, high: 1.0e-3, log: true}
  noise: {type: float, low: 0, high: 0.2}
fixed: {epochs: 6}
budget: {trials: 24}
sampler: {type: tpe, nStartupTrials: 6}
pruner: {type: median, nStartupTrials: 3}
seed: 7
lag: 3
`,
  'determinism.yaml',
);

/** Everything about a trial that must not depend on the number of workers. */
const outcome = (t: FrozenTrial) => ({ n: t.number, params: t.params, state: t.state, values: t.intermediateValues, value: t.value });

describe('same seed, same sweep for any number of workers (lagged view)', () => {
  it('1, 2 and 4 workers give the identical params sequence and outcomes with lag 3', async () => {
    const one = await sweepOnVirtualClock({ space, workers: 1 });
    const two = await sweepOnVirtualClock({ space, workers: 2 });
    const four = await sweepOnVirtualClock({ space, workers: 4 });
    expect(one.summary.trials.length).toBe(24);
    expect(two.summary.trials.map(outcome)).toEqual(one.summary.trials.map(outcome));
    expect(four.summary.trials.map(outcome)).toEqual(one.summary.trials.map(outcome));
    // The schedules really differ (trials overlap), and something was pruned and sampled by TPE.
    const overlaps = (spans: { start: number; end: number | null }[]) => spans.some((a, i) => spans.some((b, j) => i < j && b.start < a.end! && a.start < b.end!));
    expect(overlaps(one.runner.spans)).toBe(false);
    expect(overlaps(two.runner.spans)).toBe(true);
    expect(two.runner.makespan()).toBeLessThan(0.7 * one.runner.makespan());
    expect(four.runner.makespan()).toBeLessThan(two.runner.makespan());
    expect(one.summary.trials.some((t) => t.state === 'pruned')).toBe(true);
  });

  it('with lag >= workers - 1 workers rarely idle; with lag 0 and 2 workers one mostly waits', async () => {
    const lagged = await sweepOnVirtualClock({ space, workers: 2 });
    const tight = await sweepOnVirtualClock({ space: { ...space, lag: 0 }, workers: 2 });
    expect(lagged.runner.idleBeforeLastStart()).toBeLessThan(0.25 * lagged.runner.makespan());
    expect(tight.runner.idleBeforeLastStart()).toBeGreaterThan(0.8 * tight.runner.makespan());
  });

  it('the same run twice gives the same records, dates included (the virtual clock is deterministic)', async () => {
    const a = await sweepOnVirtualClock({ space, workers: 3 });
    const b = await sweepOnVirtualClock({ space, workers: 3 });
    expect(b.summary.trials).toEqual(a.summary.trials);
    expect(b.runner.spans).toEqual(a.runner.spans);
  });

  it('a different seed gives a different sequence', async () => {
    const short = { ...space, budget: { ...space.budget, trials: 12 } };
    const a = await sweepOnVirtualClock({ space: short, workers: 2 });
    const b = await sweepOnVirtualClock({ space: { ...short, seed: 8 }, workers: 2 });
    expect(b.summary.trials.map((t) => t.params)).not.toEqual(a.summary.trials.map((t) => t.params));
  });
});
