/**
 * A truncated or hand-edited study.json: the sweep (and status) stop with one line naming the file and
 * the problem, exit 2, print how to restore study.json.bak, and leave both files exactly as they were
 * (never overwritten by an empty study). Restoring the backup as told resumes the study.
 * The refused runs go through `run()` of src/commands/index.ts in this process (its result is the exit
 * code), except the first case's, which spawns the built CLI as the user would; the resuming sweeps spawn it.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StudyRecord } from '../../src/core/types.js';
import { runInProcess } from '../helpers/cli.js';
import { cli, listTree, tempDir, writeSpace } from './helpers.js';

type Edit = (text: string, study: StudyRecord) => string | null; // null: delete study.json

const CASES: Array<{ name: string; edit: Edit; problem: string }> = [
  { name: 'truncated', edit: (t) => t.slice(0, Math.floor(t.length / 2)), problem: 'invalid JSON, the file is truncated or corrupt (' },
  { name: 'empty', edit: () => '', problem: 'empty (truncated) study file' },
  { name: 'zeros', edit: (t) => '\0'.repeat(t.length), problem: 'invalid JSON, the file is truncated or corrupt (' },
  { name: 'array', edit: () => '[]\n', problem: 'not a study file (not a JSON object)' },
  { name: 'no-trials', edit: (_, s) => JSON.stringify({ ...s, trials: 'none' }), problem: 'not a study file (no trials list)' },
  {
    name: 'bad-state',
    edit: (_, s) => JSON.stringify({ ...s, trials: s.trials.map((t, i) => (i === 1 ? { ...t, state: 'done' } : t)) }),
    problem: 'not a study file (trials[1].state: expected one of running, complete, pruned, fail (got "done"))',
  },
  {
    name: 'bad-params',
    edit: (_, s) => JSON.stringify({ ...s, trials: s.trials.map((t, i) => (i === 0 ? { ...t, params: 'lr=0.1' } : t)) }),
    problem: 'not a study file (trials[0].params: not an object (got "lr=0.1"))',
  },
  {
    name: 'repeated-number',
    edit: (_, s) => JSON.stringify({ ...s, trials: s.trials.map((t) => ({ ...t, number: 0 })) }),
    problem: 'not a study file (trials[1].number: trial 0 appears twice)',
  },
  {
    name: 'bad-values',
    edit: (_, s) => JSON.stringify({ ...s, trials: s.trials.map((t, i) => (i === 1 ? { ...t, intermediateValues: ['0.9'] } : t)) }),
    problem: 'not a study file (trials[1].intermediateValues: not a list of numbers (got ["0.9"]))',
  },
  { name: 'deleted', edit: () => null, problem: 'missing, but ' },
];

describe('a corrupt study.json is reported, kept, and recoverable', () => {
  const dir = tempDir();
  const runs = join(dir, 'runs');
  const space = writeSpace(dir, 'good.yaml', { trials: 2, epochs: 2 });
  const sweepArgs = (study: string, trials = 2) => ['sweep', space, '--trainer', 'scripted', '--study', study, '--runs', runs, '--reports', join(dir, 'reports'), '--skip-reports', '--trials', String(trials)];
  const sweep = (study: string, trials = 2) => cli(sweepArgs(study, trials), { cwd: dir });
  /** The first case spawns the CLI; the others run it in this process. */
  const refused = async (spawned: boolean, args: string[]) => {
    if (spawned) return cli(args, { cwd: dir });
    const r = await runInProcess(args, { cwd: dir });
    return { code: r.code, out: r.stdout, err: r.stderr };
  };

  beforeAll(async () => {
    const r = await sweep('good');
    expect(r.code, r.err).toBe(0);
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const studyDir = join(runs, c.name);
      cpSync(join(runs, 'good'), studyDir, { recursive: true });
      const file = join(studyDir, 'study.json');
      // Give both copies this study's name, as if it had been made under it.
      for (const f of [file, `${file}.bak`]) writeFileSync(f, readFileSync(f, 'utf8').replaceAll('"name": "good"', `"name": "${c.name}"`));
      const good = readFileSync(file, 'utf8');
      const edited = c.edit(good, JSON.parse(good) as StudyRecord);
      if (edited === null) rmSync(file);
      else writeFileSync(file, edited);
      const bak = readFileSync(`${file}.bak`);
      const before = listTree(dir);

      const spawned = c === CASES[0];
      const r = await refused(spawned, sweepArgs(c.name));
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      const lines = r.err.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]!.startsWith(`digit-sweep: ${file}: ${c.problem}`), lines[0]).toBe(true);
      expect(lines[0]).toContain(`cp ${file}.bak ${file}`);
      // Nothing was written: the broken file and the backup are as they were.
      expect(listTree(dir)).toEqual(before);
      if (edited !== null) expect(readFileSync(file, 'utf8')).toBe(edited);
      expect(readFileSync(`${file}.bak`)).toEqual(bak);

      if (['truncated', 'empty', 'zeros', 'array', 'no-trials'].includes(c.name)) {
        // status reads the file without the store (leniently) but still refuses a broken one.
        const s = await refused(spawned, ['status', c.name, '--runs', runs]);
        expect(s.code).toBe(2);
        expect(s.err.trimEnd().split('\n')).toHaveLength(1);
        expect(s.err).toContain(file);
      }

      // Doing what the message says brings the study back; it resumes and grows. One case: the message and
      // the backup are the same whatever broke the file (checked above for every case), so `cp` restores the
      // same study.json.bak in each, and a resuming sweep is a spawned CLI that takes seconds.
      if (c.name !== 'truncated') return;
      cpSync(`${file}.bak`, file);
      const again = await sweep(c.name, 3);
      expect(again.code, again.err).toBe(0);
      expect(again.out).toContain('resuming:');
      expect((JSON.parse(readFileSync(file, 'utf8')) as StudyRecord).trials.length).toBeGreaterThanOrEqual(3);
    });
  }
});
