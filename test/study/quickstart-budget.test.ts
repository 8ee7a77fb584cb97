import { describe, expect, it } from 'vitest';
import { DEFAULT_SPACE } from '../../src/search-space/index.js';
import { simulateStudy } from '../../src/study/simulate.js';

// The quickstart must stay small: on wasm one epoch on its 5,400 training images costs ~81 s per worker
// (15 ms per image), so 2 workers x ~8 epochs each is ~11 minutes. Simulated with the scripted trainer.
describe('quickstart sizing', () => {
  it('prunes something and trains at most ~16 epochs in all', async () => {
    const r = await simulateStudy({ space: DEFAULT_SPACE, workers: DEFAULT_SPACE.budget.workers });
    console.log(JSON.stringify({ epochs: r.epochs, states: r.trials.map((t) => `${t.state}:${t.epochs.length}`) }));
    expect(r.trials.length).toBe(8);
    expect(r.trials.some((t) => t.state === 'pruned')).toBe(true);
    expect(r.epochs).toBeLessThanOrEqual(16);
    const minutes = (r.epochs * 5400 * 0.015) / 60 / DEFAULT_SPACE.budget.workers;
    expect(minutes).toBeLessThan(15);
  });
});
