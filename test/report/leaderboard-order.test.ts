import { describe, expect, it } from 'vitest';
import { buildLeaderboard } from '../../src/report/leaderboard.js';
import type { FrozenTrial, StudyRecord } from '../../src/core/types.js';
import { makeStudy } from './helpers/fixture.js';

function trial(number: number, state: FrozenTrial['state'], value: number | null): FrozenTrial {
  return {
    number, state, params: { lr: 0.001 }, intermediateValues: [], epochs: [], value,
    datetimeStart: '2025-01-01T00:00:00Z', datetimeComplete: null, backend: 'cpu', seed: number,
  };
}

describe('leaderboard order', () => {
  it('ranks complete by value, then pruned by value, then running, then failed', () => {
    const rows = buildLeaderboard(makeStudy('s', { running: true }));
    expect(rows.map((r) => r.state)).toEqual(['complete', 'complete', 'complete', 'complete', 'complete', 'pruned', 'pruned', 'running', 'fail']);
    expect(rows.map((r) => r.trial)).toEqual([3, 7, 0, 1, 6, 5, 2, 8, 4]);
    expect(rows.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const complete = rows.filter((r) => r.state === 'complete').map((r) => r.value as number);
    expect(complete).toEqual([...complete].sort((a, b) => b - a));
  });

  it('follows the direction of the study', () => {
    const study: Pick<StudyRecord, 'trials' | 'direction'> = {
      direction: 'minimize',
      trials: [trial(0, 'complete', 0.3), trial(1, 'pruned', 0.1), trial(2, 'complete', 0.2), trial(3, 'pruned', 0.5), trial(4, 'complete', null)],
    };
    expect(buildLeaderboard(study).map((r) => r.trial)).toEqual([2, 0, 4, 1, 3]);
    study.direction = 'maximize';
    expect(buildLeaderboard(study).map((r) => r.trial)).toEqual([0, 2, 4, 3, 1]);
  });

  it('breaks ties by trial number and fills best/last accuracy, epochs, duration and backend', () => {
    const rows = buildLeaderboard({ direction: 'maximize', trials: [trial(5, 'complete', 0.9), trial(2, 'complete', 0.9), trial(9, 'fail', null), trial(1, 'running', null)] });
    expect(rows.map((r) => r.trial)).toEqual([2, 5, 1, 9]);
    const best = buildLeaderboard(makeStudy())[0]!;
    expect(best.trial).toBe(3);
    expect(best.epochs).toBe(10);
    expect(best.bestValAcc).toBe(best.value);
    expect(best.lastValAcc).toBeGreaterThan(0.98);
    expect(best.bestEpoch).toBeGreaterThan(0);
    expect(best.durationSeconds).toBeGreaterThan(400);
    expect(best.backend).toBe('tensorflow');
    const failed = buildLeaderboard(makeStudy()).at(-1)!;
    expect(failed).toMatchObject({ state: 'fail', bestValAcc: null, lastValAcc: null, epochs: 0, error: 'NaN loss at epoch 1 (lr too high)' });
  });
});
