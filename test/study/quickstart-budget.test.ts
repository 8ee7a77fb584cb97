import { describe, expect, it } from 'vitest';
import { DEFAULT_SPACE } from '../../src/search-space/index.js';
import { sweepOnVirtualClock } from '../../src/virtual/virtual-runner.js';

// The quickstart must stay small. On wasm one epoch on its 5,400 training images costs ~81 s per worker
// (15 ms per image, validation included: search-spaces/quickstart.yaml). The real optimize loop runs the
// quickstart space on a virtual clock where every epoch takes those 81 s, with the space's 2 workers, its
// lag and its ASHA pruner: the virtual time from the first start to the last end is the sweep's training
// time. Without pruning (8 trials x 3 epochs / 2 workers = 16.2 min) or with workers left idle by the
// lag rule it would not fit.
const EPOCH_SECONDS = 5400 * 0.015;

describe('quickstart sizing', () => {
  it('the quickstart sweep trains for under 15 minutes (2 workers on wasm), pruning something', async () => {
    const { summary, runner } = await sweepOnVirtualClock({
      space: DEFAULT_SPACE,
      workers: DEFAULT_SPACE.budget.workers!,
      epochSeconds: () => EPOCH_SECONDS,
    });
    const epochs = summary.trials.reduce((n, t) => n + t.epochs.length, 0);
    const minutes = runner.makespan() / 60_000;
    console.log(JSON.stringify({ epochs, minutes: Number(minutes.toFixed(2)), states: summary.trials.map((t) => `${t.state}:${t.epochs.length}`) }));
    expect(summary.trials).toHaveLength(8);
    expect(summary.trials.some((t) => t.state === 'pruned')).toBe(true);
    expect(minutes).toBeLessThan(15);
  });
});
