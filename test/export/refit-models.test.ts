/**
 * Which models `export` ensembles (export/trials.ts): the complete refit trials when there are any,
 * ordered by their source trial's rank (not by their own number or training value), else the search
 * trials; `--models search|refit` forces one kind. Pure choice on a hand-made study (no TF.js).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseTrials } from '../../src/export/trials.js';
import type { FrozenTrial, StudyRecord } from '../../src/core/types.js';
import { tempDir } from './helpers.js';

function trial(number: number, value: number | null, extra: Partial<FrozenTrial> = {}): FrozenTrial {
  return {
    number,
    state: 'complete',
    params: { lr: number / 1000 },
    intermediateValues: value === null ? [] : [value],
    epochs: [],
    value,
    datetimeStart: '2024-01-01T00:00:00.000Z',
    datetimeComplete: '2024-01-01T00:01:00.000Z',
    backend: 'wasm',
    seed: number,
    modelDir: `trials/${number}`,
    ...extra,
  };
}

describe('export chooses refit models first', () => {
  const studyDir = tempDir();
  const refit = (n: number, source: number, value: number, extra: Partial<FrozenTrial> = {}) =>
    trial(n, value, { kind: 'refit', refit: { source, epochs: 3 }, ...extra });
  const trials: FrozenTrial[] = [
    trial(0, 0.95),
    trial(1, 0.99), // best search trial
    trial(2, 0.97),
    trial(3, 0.9, { state: 'pruned', modelDir: null }),
    // Refits: numbered and valued against their sources' rank, to show the order is the sources'.
    refit(4, 2, 0.999), // source rank 2
    refit(5, 0, 0.9999), // source rank 3
    refit(6, 1, 0.98), // source rank 1
    refit(7, 1, 0.5, { state: 'fail', modelDir: null, value: null }),
    refit(8, 0, 0.5, { state: 'running', modelDir: null }),
  ];
  for (const t of trials) if (t.modelDir) mkdirSync(join(studyDir, t.modelDir), { recursive: true });
  const record: StudyRecord = {
    name: 's',
    createdAt: '2024-01-01T00:00:00.000Z',
    spaceFile: 'x.yaml',
    space: {},
    direction: 'maximize',
    dataSource: 'bundled',
    dataFingerprint: 'f',
    trials,
  };
  const numbers = (c: ReturnType<typeof chooseTrials>) => c.chosen.map((x) => x.trial.number);

  it('auto: the complete refit models, by their source trial rank', () => {
    const c = chooseTrials(record, studyDir, 2);
    expect(c.kind).toBe('refit');
    expect(numbers(c)).toEqual([6, 4]);
    expect(numbers(chooseTrials(record, studyDir, 5))).toEqual([6, 4, 5]);
    expect(c.chosen[0]!.dir).toBe(join(studyDir, 'trials/6'));
  });

  it('--models search: the search trials, ranked without the refits (whose training values are higher)', () => {
    const c = chooseTrials(record, studyDir, 2, 'search');
    expect(c.kind).toBe('search');
    expect(numbers(c)).toEqual([1, 2]);
  });

  it('auto without a complete refit: the search trials; --models refit then is an error', () => {
    const noRefit = { ...record, trials: trials.filter((t) => t.kind !== 'refit' || t.state !== 'complete') };
    expect(numbers(chooseTrials(noRefit, studyDir, 1))).toEqual([1]);
    expect(chooseTrials(noRefit, studyDir, 1).kind).toBe('search');
    expect(() => chooseTrials(noRefit, studyDir, 1, 'refit')).toThrow('study s: no complete refit trial with a model (run: digit-sweep refit s)');
  });
});
