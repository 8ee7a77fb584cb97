/**
 * The bad-input corpus (test/fixtures/bad-inputs/ and a few CLI arguments), each run through the CLI in
 * a temp working folder: exactly one line on stderr that names what is wrong, nothing on stdout, exit
 * code 2, and nothing written (the working folder, with its runs/, reports/ and out/ folders, and the
 * fixtures stay byte for byte as they were).
 * The CLI is `run()` of src/commands/index.ts in this process (its result is the exit code dist/cli.js
 * sets), one case at a time; the cases marked `spawn` run the built CLI as a child process, one per way
 * an exit code comes about (yargs refusing an argument; a command's UserError), so the process's own
 * exit code and streams are checked too.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudyRecord } from '../../src/core/types.js';
import { COMMANDS } from '../../src/commands/index.js';
import { runInProcess } from '../helpers/cli.js';
import { BAD_INPUTS, cli, listTree, tempDir } from './helpers.js';

/** `$F/` is the fixture folder, `$T/` the case's working folder. */
interface Case {
  name: string;
  args: string[];
  /** What the one stderr line must contain (after $F/ and $T/ are replaced). */
  says: string;
  /** Run as a child process (node dist/cli.js) rather than in this process. */
  spawn?: true;
}

const SWEEP = (space: string, ...more: string[]) => ['sweep', space, '--trainer', 'scripted', '--runs', '$T/runs', '--reports', '$T/reports', ...more];
const SPACE = (file: string, says: string): Case => ({ name: `space ${file}`, args: SWEEP(`$F/${file}`), says: `$F/${file}${says}` });
const KAGGLE = (dir: string, line: number, says: string): Case => ({
  name: `kaggle ${dir}`,
  args: ['data', 'info', '--data', `$F/${dir}`],
  says: `$F/${dir}/train.csv:${line}: ${says}`,
});

const CASES: Case[] = [
  // Search spaces
  SPACE('space-yaml-syntax.yaml', ':3:3: invalid YAML: '),
  SPACE('space-truncated.json', ':3:1: invalid JSON: '),
  SPACE('space-empty.yaml', ': the file is empty'),
  SPACE('space-not-a-mapping.yaml', ': must be a mapping of sections'),
  SPACE('space-unknown-param-type.yaml', ': params.lr.type: unknown type; expected one of float, int, categorical (got "loguniform")'),
  SPACE('space-unknown-param-name.yaml', ': params.momentum: unknown parameter'),
  SPACE('space-low-ge-high.yaml', ': params.dropout.low: must be < high (0.2) (got 0.5)'),
  SPACE('space-log-low-zero.yaml', ': params.lr.low: must be > 0 for a log distribution (got 0)'),
  SPACE('space-empty-choices.yaml', ': params.dropout.choices: must not be empty'),
  SPACE('space-unknown-sampler.yaml', ': sampler.type: unknown type; expected one of tpe, random, grid (got "cmaes")'),
  SPACE('space-unknown-pruner.yaml', ': pruner.type: unknown type; expected one of none, median, percentile, threshold, successive-halving, asha, hyperband (got "bohb")'),
  SPACE('space-negative-budget.yaml', ': budget.trials: must be > 0 (got -3)'),
  SPACE('space-zero-timeout.yaml', ': budget.trialTimeoutMinutes: must be > 0 (got 0)'),
  SPACE('space-unknown-field.yaml', ': workerz: unknown key (got 2)'),
  { name: 'space file missing', args: SWEEP('$F/no-such-space.yaml'), says: '$F/no-such-space.yaml: no such file', spawn: true },
  { name: 'space is a folder', args: SWEEP('$F/kaggle-empty'), says: '$F/kaggle-empty: is a directory, not a file' },
  // Kaggle CSVs
  KAGGLE('kaggle-bad-header', 1, 'expected the header label,pixel0,...,pixel783 (got "lable,'),
  KAGGLE('kaggle-wrong-columns', 2, 'expected 785 columns (got 786)'),
  KAGGLE('kaggle-pixel-256', 2, 'pixel0 outside 0..255 (got 256)'),
  KAGGLE('kaggle-non-integer', 2, 'pixel0 is not an integer (got "0.5")'),
  KAGGLE('kaggle-label-10', 2, 'label outside 0..9 (got 10)'),
  KAGGLE('kaggle-empty', 1, 'empty file, expected the header label,pixel0,...,pixel783'),
  {
    name: 'kaggle CSV through train',
    args: ['train', '--data', '$F/kaggle-pixel-256', '--out', '$T/out/model', '--backend', 'cpu'],
    says: '$F/kaggle-pixel-256/train.csv:2: pixel0 outside 0..255 (got 256)',
  },
  { name: 'kaggle CSV through a sweep', args: ['sweep', '$T/kaggle-space.yaml', '--runs', '$T/runs', '--reports', '$T/reports'], says: '$F/kaggle-label-10/train.csv:2: label outside 0..9 (got 10)' },
  // Submissions for score
  {
    name: 'submission missing rows',
    args: ['score', '$F/submission-missing-rows.csv', '--solution', '$F/solution.csv'],
    says: '$F/submission-missing-rows.csv:4: row counts differ: 2 rows, but $F/solution.csv has 3',
  },
  { name: 'submission bad header', args: ['score', '$F/submission-bad-header.csv', '--solution', '$F/solution.csv'], says: '$F/submission-bad-header.csv:1: bad header: expected "ImageId,Label" (got "Id,Digit")' },
  { name: 'submission bad label', args: ['score', '$F/submission-label-x.csv', '--solution', '$F/solution.csv'], says: '$F/submission-label-x.csv:3: label outside 0..9 (got "x")' },
  { name: 'submission missing', args: ['score', '$F/nope.csv', '--solution', '$F/solution.csv'], says: '$F/nope.csv: file not found' },
  // Pictures and model folders for predict / export
  { name: 'PNG that is not an image', args: ['predict', '--model', '$F/model-missing-weights', '$F/not-an-image.png'], says: '$F/not-an-image.png: not a PNG image (no PNG signature)' },
  {
    name: 'model.json invalid',
    args: ['predict', '--backend', 'cpu', '--model', '$F/model-invalid-json', '$F/digit.csv'],
    says: '$F/model-invalid-json/model.json: not a valid model.json (',
  },
  { name: 'weights.bin missing', args: ['predict', '--backend', 'cpu', '--model', '$F/model-missing-weights', '$F/digit.csv'], says: '$F/model-missing-weights/weights.bin: weights file missing' },
  {
    name: 'weights.bin truncated',
    args: ['predict', '--backend', 'cpu', '--model', '$F/model-truncated-weights', '$F/digit.csv'],
    says: '$F/model-truncated-weights/weights.bin: weights are 1000 bytes, model.json expects 31400',
  },
  {
    name: 'export of a study whose model is truncated',
    args: ['export', 'broken', '--runs', '$T/runs', '--out', '$T/out/export', '--backend', 'cpu'],
    says: '$T/runs/broken/trials/0/weights.bin: weights are 1000 bytes, model.json expects 31400',
  },
  // CLI arguments
  { name: '--workers 0', args: SWEEP('$T/space.yaml', '--workers', '0'), says: 'argument --workers: must be a positive integer (got 0)' },
  { name: '--workers 1.5', args: SWEEP('$T/space.yaml', '--workers', '1.5'), says: 'argument --workers: must be a positive integer (got 1.5)' },
  { name: '--trials 0', args: SWEEP('$T/space.yaml', '--trials', '0'), says: 'argument --trials: must be a positive integer (got 0)' },
  { name: '--live-report-ms -1', args: SWEEP('$T/space.yaml', '--live-report-ms', '-1'), says: 'argument --live-report-ms: must be a number of milliseconds >= 0 (got -1)' },
  { name: 'unknown --backend', args: SWEEP('$T/space.yaml', '--backend', 'tpu'), says: 'Invalid values: Argument: backend, Given: "tpu", Choices: ' },
  { name: 'unknown --isolation', args: SWEEP('$T/space.yaml', '--isolation', 'vm'), says: 'Argument: isolation, Given: "vm"' },
  { name: 'unknown option', args: SWEEP('$T/space.yaml', '--wokers', '2'), says: 'Unknown argument', spawn: true },
  // Not a known command: every command module is loaded (src/commands/index.ts), so yargs can recommend one.
  { name: 'unknown command', args: ['trian', '--out', '$T/out/m'], says: 'Did you mean train?' },
  { name: 'train --lr -1', args: ['train', '--lr', '-1', '--out', '$T/out/m'], says: 'argument: --lr: must be > 0 for lr (got -1)' },
  { name: 'train --epochs 1.5', args: ['train', '--epochs', '1.5', '--out', '$T/out/m'], says: 'argument: --epochs: must be an integer for epochs (got 1.5)' },
  { name: 'train --batch-size 0', args: ['train', '--batch-size', '0', '--out', '$T/out/m'], says: 'argument: --batch-size: must be >= 1 for batchSize (got 0)' },
  { name: 'train --dropout 1', args: ['train', '--dropout', '1', '--out', '$T/out/m'], says: 'argument: --dropout: must be < 1 for dropout (got 1)' },
  { name: 'export --top 0', args: ['export', 'broken', '--runs', '$T/runs', '--top', '0'], says: 'argument: --top: must be a positive integer (got 0)' },
  // Study names that would leave runs/ or reports/
  { name: 'sweep --study ../x', args: SWEEP('$T/space.yaml', '--study', '../x'), says: 'study name "../x" is not allowed' },
  { name: 'sweep --study /abs', args: SWEEP('$T/space.yaml', '--study', '$T/abs'), says: 'study name "$T/abs" is not allowed' },
  { name: 'sweep --study a/b', args: SWEEP('$T/space.yaml', '--study', 'a/b'), says: 'study name "a/b" is not allowed' },
  { name: 'sweep --study with a newline', args: SWEEP('$T/space.yaml', '--study', 'a\nb'), says: 'study name "a\\nb" is not allowed' },
  { name: 'sweep --study ..', args: SWEEP('$T/space.yaml', '--study', '..'), says: 'study name ".." is not allowed' },
  { name: 'status ../x', args: ['status', '../x', '--runs', '$T/runs'], says: 'study name "../x" is not allowed' },
  { name: 'report ../x', args: ['report', '../x', '--runs', '$T/runs', '--reports', '$T/reports'], says: 'bad study name "../x"' },
  { name: 'export ../x', args: ['export', '../x', '--runs', '$T/runs', '--out', '$T/out/x'], says: 'study name "../x" is not allowed' },
  { name: 'export /abs', args: ['export', '$T/runs/broken', '--runs', '$T/runs', '--out', '$T/out/x'], says: 'study name "$T/runs/broken" is not allowed' },
];

describe(`${CASES.length} bad inputs: one line on stderr, exit 2, nothing written`, () => {
  const base = tempDir();
  const fixturesBefore = listTree(BAD_INPUTS);

  beforeAll(() => {
    mkdirSync(join(base, 'runs'), { recursive: true });
    mkdirSync(join(base, 'reports'));
    mkdirSync(join(base, 'out'));
    writeFileSync(join(base, 'space.yaml'), 'params:\n  lr: { type: float, low: 1.0e-4, high: 1.0e-2, log: true }\nbudget: { trials: 2 }\n');
    writeFileSync(join(base, 'kaggle-space.yaml'), `data: { source: kaggle, dir: ${JSON.stringify(join(BAD_INPUTS, 'kaggle-label-10'))} }\n`);
    // A study whose only kept model has a truncated weights.bin.
    const studyDir = join(base, 'runs', 'broken');
    cpSync(join(BAD_INPUTS, 'model-truncated-weights'), join(studyDir, 'trials', '0'), { recursive: true });
    const study: StudyRecord = {
      name: 'broken',
      createdAt: '2024-01-01T00:00:00.000Z',
      spaceFile: 'space.yaml',
      space: { data: { source: 'mnist', valFraction: 0.1 } },
      direction: 'maximize',
      dataSource: 'bundled MNIST (Kaggle-like split)',
      dataFingerprint: '',
      trials: [
        {
          number: 0,
          state: 'complete',
          params: { lr: 1e-3 },
          intermediateValues: [0.9],
          epochs: [],
          value: 0.9,
          datetimeStart: '2024-01-01T00:00:00.000Z',
          datetimeComplete: '2024-01-01T00:01:00.000Z',
          backend: 'cpu',
          seed: 0,
          modelDir: 'trials/0',
        },
      ],
      nextTrialNumber: 1,
    };
    writeFileSync(join(studyDir, 'study.json'), JSON.stringify(study, null, 1));
  });

  afterAll(() => {
    expect(listTree(BAD_INPUTS)).toEqual(fixturesBefore);
    console.log(`bad-inputs: ${CASES.length} bad inputs tried`);
  });

  async function check(c: Case, run: (args: string[], cwd: string) => Promise<{ code: number | null; out: string; err: string }>) {
    const cwd = mkdtempSync(join(tmpdir(), 'digit-sweep-bad-'));
    try {
      cpSync(base, cwd, { recursive: true });
      const sub = (s: string) => s.replaceAll('$F/', `${BAD_INPUTS}/`).replaceAll('$T/', `${cwd}/`);
      const args = c.args.map(sub);
      const before = listTree(cwd);
      const r = await run(args, cwd);
      const lines = r.err.replace(/\n$/, '').split('\n');
      expect(lines, r.err).toHaveLength(1);
      expect(lines[0]!.startsWith('digit-sweep: '), lines[0]).toBe(true);
      expect(lines[0]).toContain(sub(c.says));
      expect(r.out).toBe('');
      expect(r.code).toBe(2);
      expect(listTree(cwd)).toEqual(before);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }

  it.concurrent.each(CASES.filter((c) => c.spawn))('$name (child process)', (c) => check(c, (args, cwd) => cli(args, { cwd })));

  it.each(CASES.filter((c) => !c.spawn))('$name', (c) =>
    check(c, async (args, cwd) => {
      const r = await runInProcess(args, { cwd });
      return { code: r.code, out: r.stdout, err: r.stderr };
    }),
  );
});

describe('the CLI dispatch', () => {
  it('names each command module by its command, the name a process loads it alone for', async () => {
    for (const [name, load] of Object.entries(COMMANDS)) expect((await load()).command.command).toMatch(new RegExp(`^${name}( |$)`));
  });
});
