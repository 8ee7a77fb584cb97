/**
 * The best sampler by default, and a study keeps the sampler it was created with: a new study records
 * the resolved sampler (multivariate TPE unless its space says otherwise) in study.json's space; a
 * resumed study samples with the recorded one, whatever the space file says now (a one-line note when
 * they differ); a study made before multivariate became the default (no `multivariate` recorded, or no
 * sampler at all) resumes univariate. Scripted trainer, real runSweep, no TF.js.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StudyRecord } from '../../src/core/types.js';
import { SCRIPTED_DATA } from '../../src/data/space-data.js';
import type { SamplerConfig, SearchSpace } from '../../src/search-space/index.js';
import { recordedSampler, resumeSampler } from '../../src/study/recorded-sampler.js';
import { runSweep } from '../../src/study/sweep.js';

const dir = mkdtempSync(join(tmpdir(), 'ds-sampler-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const runs = join(dir, 'runs');

const MULTIVARIATE = { type: 'tpe', nStartupTrials: 10, nEiCandidates: 24, constantLiar: true, priorWeight: 1, considerEndpoints: false, multivariate: true };
const UNIVARIATE = { ...MULTIVARIATE, multivariate: false };

function space(file: string, text: string): string {
  const path = join(dir, file);
  writeFileSync(path, `params:\n  lr: { type: float, low: 1.0e-4, high: 1.0e-2, log: true }\nfixed: { epochs: 1 }\npruner: { type: none }\n${text}`);
  return path;
}

/** runSweep with the scripted trainer; returns the sampler it ran with, the notes it logged and the record. */
async function sweep(spaceFile: string, study: string, trials: number) {
  let used: SearchSpace['sampler'] | null = null;
  const notes: string[] = [];
  await runSweep({ spaceFile, study, runsDir: runs, trainer: 'scripted', workers: 1, trials, log: (l) => notes.push(l), onStart: (s) => (used = s.space.sampler) });
  const record = JSON.parse(readFileSync(join(runs, study, 'study.json'), 'utf8')) as StudyRecord;
  return { used: used as SamplerConfig | null, notes, record };
}

describe('the sampler a study is created with, and resumes with', () => {
  it('a new study gets multivariate TPE and records it; a resume with the same space adds no note', async () => {
    const file = space('plain.yaml', 'budget: { trials: 1 }\n');
    const first = await sweep(file, 'plain', 1);
    expect(first.used).toEqual(MULTIVARIATE);
    expect((first.record.space as SearchSpace).sampler).toEqual(MULTIVARIATE);
    expect(recordedSampler(first.record)).toEqual(MULTIVARIATE);
    const again = await sweep(file, 'plain', 2);
    expect(again.used).toEqual(MULTIVARIATE);
    expect(again.notes).toEqual([]);
    expect(again.record.trials).toHaveLength(2);
  });

  it('a space that says univariate gets it', async () => {
    const first = await sweep(space('uni.yaml', 'sampler: { type: tpe, multivariate: false }\n'), 'uni', 1);
    expect(first.used).toEqual(UNIVARIATE);
    expect((first.record.space as SearchSpace).sampler).toEqual(UNIVARIATE);
  });

  it('a study recorded before the change (no multivariate, or no sampler) resumes univariate, with a note', async () => {
    const file = space('old.yaml', 'budget: { trials: 2 }\n');
    for (const [study, sampler] of [
      ['old-tpe', { type: 'tpe', nStartupTrials: 10 }],
      ['old-none', undefined],
    ] as const) {
      mkdirSync(join(runs, study), { recursive: true });
      const old: StudyRecord = {
        name: study,
        createdAt: '2026-11-01T00:00:00.000Z',
        spaceFile: file,
        space: { params: { lr: { type: 'float', low: 1e-4, high: 1e-2, log: true } }, ...(sampler ? { sampler } : {}) },
        direction: 'maximize',
        dataSource: SCRIPTED_DATA.source,
        dataFingerprint: SCRIPTED_DATA.fingerprint,
        trials: [],
      };
      writeFileSync(join(runs, study, 'study.json'), JSON.stringify(old));
      expect(recordedSampler(old)).toEqual(UNIVARIATE);
      const resumed = await sweep(file, study, 1);
      expect(resumed.used, study).toEqual(UNIVARIATE);
      expect(resumed.notes).toHaveLength(1);
      expect(resumed.notes[0]).toMatch(new RegExp(`^note: study ${study} was created with sampler .*"multivariate":false.*; it resumes with it \\(the space now says .*"multivariate":true`));
      expect(resumed.record.trials).toHaveLength(1);
    }
  });

  it('the space file at resume naming another sampler: the recorded one wins', async () => {
    const created = await sweep(space('swap.yaml', 'sampler: { type: random }\n'), 'swap', 1);
    expect(created.used).toEqual({ type: 'random' });
    const resumed = await sweep(space('swap2.yaml', 'sampler: { type: tpe, nStartupTrials: 1 }\n'), 'swap', 2);
    expect(resumed.used).toEqual({ type: 'random' });
    expect(resumed.notes).toEqual([`note: study swap was created with sampler {"type":"random"}; it resumes with it (the space now says ${JSON.stringify({ ...MULTIVARIATE, nStartupTrials: 1 })})`]);
  });

  it('resumeSampler and a bad recorded sampler', () => {
    const record = { name: 's', space: { sampler: MULTIVARIATE } };
    expect(resumeSampler(record, MULTIVARIATE as SamplerConfig)).toEqual({ sampler: MULTIVARIATE, note: null });
    expect(() => recordedSampler({ name: 's', space: { sampler: { type: 'cmaes' } } })).toThrow(/^study s: space\.sampler\.type: .* in the study record$/);
  });
});
