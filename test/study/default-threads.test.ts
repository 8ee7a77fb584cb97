/** Threads of one trial: declared once (core/train-params.ts THREADS), defaulting to the cores shared by the trials running at once. */
import { describe, expect, it } from 'vitest';
import { parseSearchSpace } from '../../src/search-space/index.js';
import { trainParamsFor } from '../../src/study/phases.js';
import { defaultThreads, THREADS } from '../../src/core/train-params.js';

describe('defaultThreads(cores, trials running at once)', () => {
  it('a lone run uses every core, a full pool one thread each', () => {
    expect(defaultThreads(2, 1)).toBe(2); // `train`, or a sweep with one worker
    expect(defaultThreads(2, 2)).toBe(1); // the default pool on 2 cores
    expect(defaultThreads(16, 4)).toBe(4);
    expect(defaultThreads(8, 3)).toBe(2); // rounds down: never more threads than cores
  });

  it('stays within the threaded build\'s range: at least 1, at most 8', () => {
    expect(defaultThreads(2, 5)).toBe(THREADS.min); // more trials than cores
    expect(defaultThreads(1, 1)).toBe(1);
    expect(defaultThreads(64, 1)).toBe(THREADS.max);
    expect(THREADS).toMatchObject({ min: 1, max: 8 });
  });

  it('refuses counts that are not positive integers', () => {
    expect(() => defaultThreads(0, 1)).toThrow(/cores must be a positive integer, got 0/);
    expect(() => defaultThreads(4, 0)).toThrow(/concurrentTrials must be a positive integer, got 0/);
    expect(() => defaultThreads(4, 1.5)).toThrow(/concurrentTrials must be a positive integer, got 1.5/);
  });
});

describe('fixed.threads in a search space', () => {
  const space = (threads: string) => `params: {lr: {type: float, low: 1.0e-4, high: 1.0e-2, log: true}}\nfixed: {epochs: 1, threads: ${threads}}\n`;

  it('is optional (unset: the default where the trials run) and kept when valid', () => {
    expect(parseSearchSpace('fixed: {epochs: 1}\n', 's.yaml').fixed.threads).toBeUndefined();
    expect(parseSearchSpace(space('4'), 's.yaml').fixed.threads).toBe(4);
  });

  it('is a run setting, not a hyperparameter: trials\' params never carry it', () => {
    const s = parseSearchSpace(space('2'), 's.yaml');
    expect(trainParamsFor(s, { lr: 1e-3 })).not.toHaveProperty('threads');
  });

  it('out of range or not whole: one line naming file, field and value', () => {
    expect(() => parseSearchSpace(space('0'), 's.yaml')).toThrow('s.yaml: fixed.threads: must be >= 1 (got 0)');
    expect(() => parseSearchSpace(space('9'), 's.yaml')).toThrow('s.yaml: fixed.threads: must be <= 8 (got 9)');
    expect(() => parseSearchSpace(space('1.5'), 's.yaml')).toThrow('s.yaml: fixed.threads: must be an integer (got 1.5)');
    expect(() => parseSearchSpace(space('many'), 's.yaml')).toThrow('s.yaml: fixed.threads: must be a number (got "many")');
  });
});
