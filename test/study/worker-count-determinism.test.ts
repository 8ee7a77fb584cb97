import { describe, expect, it } from 'vitest';
import { parseSearchSpace } from '../../src/search-space/index.js';
import { simulateStudy } from '../../src/study/simulate.js';
import type { FrozenTrial } from '../../src/study/types.js';

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
    const one = await simulateStudy({ space, workers: 1 });
    const two = await simulateStudy({ space, workers: 2 });
    const four = await simulateStudy({ space, workers: 4 });
    expect(one.trials.length).toBe(24);
    expect(two.trials.map(outcome)).toEqual(one.trials.map(outcome));
    expect(four.trials.map(outcome)).toEqual(one.trials.map(outcome));
    // The schedules really differ (trials overlap), and something was pruned and sampled by TPE.
    expect(new Set(two.starts.map((s) => s.worker)).size).toBe(2);
    expect(two.makespan).toBeLessThan(0.7 * one.makespan);
    expect(one.trials.some((t) => t.state === 'pruned')).toBe(true);
  });

  it('with lag >= workers - 1 workers rarely idle; with lag 0 and 2 workers one mostly waits', async () => {
    const lagged = await simulateStudy({ space, workers: 2 });
    const tight = await simulateStudy({ space, workers: 2, lag: 0 });
    expect(lagged.idle).toBeLessThan(0.25 * lagged.makespan);
    expect(tight.idle).toBeGreaterThan(0.8 * tight.makespan);
  });

  it('a different seed gives a different sequence', async () => {
    const a = await simulateStudy({ space, workers: 2, trials: 12 });
    const b = await simulateStudy({ space: { ...space, seed: 8 }, workers: 2, trials: 12 });
    expect(b.trials.map((t) => t.params)).not.toEqual(a.trials.map((t) => t.params));
  });
});
