/**
 * `epochs` and `batchSize` are trainer params (core/train-params.ts): a space can search or fix them. A
 * searched `epochs` gives each trial its own length (run on the real loop with the scripted trainer and
 * a virtual clock), and pruner settings that do not fit the range are one-line errors.
 */
import { describe, expect, it } from 'vitest';
import { parseSearchSpace } from '../../src/search-space/index.js';
import { trainParamsFor } from '../../src/study/phases.js';
import { sweepOnVirtualClock } from '../../src/virtual/virtual-runner.js';

const base = 'sampler: {type: random}\nseed: 5\nlag: 0\n';

describe('searched epochs and batch size', () => {
  it('each trial trains the epochs it drew, without a pruner', async () => {
    const space = parseSearchSpace(`params:\n  epochs: {type: int, low: 1, high: 4}\n  batchSize: {type: categorical, choices: [32, 128]}\n${base}budget: {trials: 8}\npruner: {type: none}\n`, 's.yaml');
    const { summary } = await sweepOnVirtualClock({ space, workers: 1 });
    expect(summary.trials).toHaveLength(8);
    for (const t of summary.trials) {
      expect(t.state).toBe('complete');
      expect(t.epochs.length).toBe(t.params['epochs']);
    }
    expect(new Set(summary.trials.map((t) => t.params['epochs'])).size).toBeGreaterThan(1);
    const params = trainParamsFor(space, summary.trials[0]!.params);
    expect([32, 128]).toContain(params.batchSize);
  });

  it('fixed epochs and batchSize reach the trainer params, defaults 30 and 64', () => {
    expect(trainParamsFor(parseSearchSpace(`fixed: {epochs: 2, batchSize: 256}\n${base}`, 's.yaml'), {})).toMatchObject({ epochs: 2, batchSize: 256 });
    expect(trainParamsFor(parseSearchSpace(base, 's.yaml'), {})).toMatchObject({ epochs: 30, batchSize: 64 });
  });

  it('rejects pruner resources that do not fit the searched epochs, and bad values', () => {
    const searched = 'params:\n  epochs: {type: int, low: 2, high: 9}\n';
    expect(() => parseSearchSpace(`${searched}${base}pruner: {type: asha, minResource: 3}\n`, 's.yaml')).toThrow(
      's.yaml: pruner.minResource: must be <= the fewest epochs params.epochs gives (2) (got 3)',
    );
    expect(() => parseSearchSpace(`${searched}${base}pruner: {type: hyperband}\n`, 's.yaml')).toThrow(/^s\.yaml: pruner\.maxResource: must be a number \(<= 9\) when epochs is searched/);
    expect(() => parseSearchSpace(`${searched}${base}pruner: {type: hyperband, maxResource: 10}\n`, 's.yaml')).toThrow(
      's.yaml: pruner.maxResource: must be <= the most epochs params.epochs gives (9) (got 10)',
    );
    expect(parseSearchSpace(`${searched}${base}pruner: {type: hyperband, maxResource: 9}\n`, 's.yaml').pruner).toMatchObject({ maxResource: 9 });
    expect(() => parseSearchSpace(`params:\n  epochs: {type: float, low: 1, high: 4}\n${base}`, 's.yaml')).toThrow('s.yaml: params.epochs.type: must be int or categorical for epochs');
    expect(() => parseSearchSpace(`fixed: {batchSize: 0}\n${base}`, 's.yaml')).toThrow('s.yaml: fixed.batchSize: must be >= 1 for batchSize (got 0)');
    expect(() => parseSearchSpace(`params:\n  epochs: {type: categorical, choices: [1, 0]}\n${base}`, 's.yaml')).toThrow('s.yaml: params.epochs.choices[1]: must be >= 1 for epochs (got 0)');
  });
});
