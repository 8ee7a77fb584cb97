/** One study.json reader (storage/study-file.ts) behind the store, the reports and export: same checks, same message. */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStudyRecord } from '../../src/export/study.js';
import { readStudy } from '../../src/storage/study-file.js';
import { LowdbTrialStore, studyProblem } from '../../src/storage/index.js';
import { makeStudy } from '../report/helpers/fixture.js';

function studyDir(record: unknown): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'ds-study-file-')), 's');
  mkdirSync(dir);
  writeFileSync(join(dir, 'study.json'), JSON.stringify(record));
  return dir;
}

const readers = {
  store: (dir: string) => new LowdbTrialStore(dir).getStudy(),
  report: (dir: string) => readStudy(dir),
  export: (dir: string) => readStudyRecord(dir),
};

describe('one study.json reader', () => {
  it('a study without direction is an error in store, report and export alike (never silently maximize)', async () => {
    const { direction: _d, ...noDirection } = makeStudy();
    const dir = studyDir(noDirection);
    const expected = `${join(dir, 'study.json')}: not a study file (direction: expected maximize or minimize (got nothing)); there is no ${join(dir, 'study.json')}.bak to restore`;
    for (const read of Object.values(readers)) await expect(read(dir)).rejects.toThrow(expected);
  });

  it('reads a good study identically everywhere, minimize kept', async () => {
    const dir = studyDir({ ...makeStudy(), direction: 'minimize' });
    const got = await Promise.all(Object.values(readers).map((read) => read(dir)));
    expect(got[0]!.direction).toBe('minimize');
    expect(got[1]).toEqual(got[0]);
    expect(got[2]).toEqual(got[0]);
  });

  it('names the field and the value of a bad trial', () => {
    const s = makeStudy();
    expect(studyProblem({ ...s, trials: s.trials.map((t, i) => (i === 2 ? { ...t, value: 'high' } : t)) })).toBe('trials[2].value: not a number or null (got "high")');
    expect(studyProblem({ ...s, trials: s.trials.map((t, i) => (i === 0 ? { ...t, seed: undefined } : t)) })).toBe('trials[0].seed: not a number (got nothing)');
    expect(studyProblem(s)).toBeNull();
    // NaN values in memory (what the store writes) and as null (what JSON reads back) are both fine.
    expect(studyProblem({ ...s, trials: s.trials.map((t) => ({ ...t, intermediateValues: [0.5, NaN, Infinity], epochs: t.epochs.map((e) => ({ ...e, valLoss: NaN })) })) })).toBeNull();
    expect(studyProblem(JSON.parse(JSON.stringify({ ...s, trials: s.trials.map((t) => ({ ...t, intermediateValues: [NaN] })) })))).toBeNull();
  });
});
