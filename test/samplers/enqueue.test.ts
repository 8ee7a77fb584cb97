import { describe, expect, it } from 'vitest';
import { NopPruner } from '../../src/pruners/index.js';
import { buildLeaderboard, leaderboardToCsv, leaderboardToMarkdown, renderLeaderboardTable } from '../../src/report/leaderboard.js';
import { createSampler } from '../../src/samplers/index.js';
import { UserError } from '../../src/core/errors.js';
import { parseSearchSpace } from '../../src/search-space/index.js';
import { sweepOnVirtualClock } from '../../src/virtual/virtual-runner.js';

const SPACE = `params:
  lr: {type: float, low: 1.0e-4, high: 1.0e-2, log: true}
  dropout: {type: float, low: 0.1, high: 0.6}
fixed: {epochs: 2}
budget: {trials: 5}
sampler: {type: tpe, nStartupTrials: 2}
keepModels: 0
enqueue:
  - {lr: 1.0e-3, dropout: 0.4}
  - {dropout: 0.25}
`;

describe('enqueue: parameter sets run first', () => {
  it('trials 0 and 1 run the enqueued sets (missing params sampled), counted in the budget, marked in the leaderboard', async () => {
    const space = parseSearchSpace(SPACE, 'enqueue.yaml');
    // The real optimize loop (2 workers), scripted trials on a virtual clock, the space's own sampler.
    const { summary, store } = await sweepOnVirtualClock({ space, workers: 2, sampler: createSampler(space.sampler), pruner: new NopPruner() });
    expect(summary.trials).toHaveLength(5); // the budget counts them
    const [t0, t1, ...rest] = summary.trials;
    expect(t0!.params).toEqual({ lr: 1e-3, dropout: 0.4 });
    expect(t1!.params.dropout).toBe(0.25);
    expect(t1!.params.lr).toBeGreaterThanOrEqual(1e-4);
    expect(t1!.params.lr).toBeLessThanOrEqual(1e-2);
    for (const t of rest) expect(t.params.dropout).not.toBe(0.25);

    const study = (await store.getStudy())!;
    const rows = buildLeaderboard(study);
    expect(rows.filter((r) => r.enqueued).map((r) => r.trial).sort()).toEqual([0, 1]);
    expect(rows.filter((r) => !r.enqueued).map((r) => r.trial).sort()).toEqual([2, 3, 4]);
    expect(renderLeaderboardTable(rows)).toMatch(/complete \(enqueued\)/);
    expect(leaderboardToMarkdown(rows)).toMatch(/\| \d \| 0 \| complete \(enqueued\) \|/);
    const csv = leaderboardToCsv(rows).split('\r\n');
    const at = (trial: number) => csv.find((l) => l.split(',')[1] === String(trial))!;
    expect(at(1).endsWith(',true,')).toBe(true); // enqueued, then an empty error
    expect(at(2).endsWith(',false,')).toBe(true);
  });

  it('validates the sets against the space: one line naming file, field and value', () => {
    const msg = (text: string) => {
      try {
        parseSearchSpace(text, 's.yaml');
      } catch (err) {
        expect(err).toBeInstanceOf(UserError);
        return (err as Error).message;
      }
      throw new Error('expected a UserError');
    };
    const base = 'params:\n  dropout: {type: float, low: 0.1, high: 0.6}\n  lr: {type: float, low: 1.0e-4, high: 1.0e-2, log: true}\n';
    expect(msg(`${base}enqueue: [{dropout: 0.7}]\n`)).toBe('s.yaml: enqueue[0].dropout: is not a value of params.dropout (a number in [0.1, 0.6]) (got 0.7)');
    expect(msg(`${base}enqueue: [{lr: 0.001}, {l2: 0.001}]\n`)).toBe('s.yaml: enqueue[1].l2: is not a searched parameter (searched: dropout, lr) (got 0.001)');
    expect(msg(`${base}enqueue: [{dropout: fast}]\n`)).toBe('s.yaml: enqueue[0].dropout: is not a value of params.dropout (a number in [0.1, 0.6]) (got "fast")');
    expect(msg(`${base}enqueue: {dropout: 0.3}\n`)).toBe('s.yaml: enqueue: must be an array (got {"dropout":0.3})');
    const stepped = 'params:\n  dropout: {type: float, low: 0.1, high: 0.5, step: 0.1}\n';
    expect(msg(`${stepped}enqueue: [{dropout: 0.25}]\n`)).toBe('s.yaml: enqueue[0].dropout: is not a value of params.dropout (a number in [0.1, 0.5] on steps of 0.1) (got 0.25)');
  });
});
