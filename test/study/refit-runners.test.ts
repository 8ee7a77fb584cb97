/**
 * A refit runs the same on every runner: a scripted sweep with a `refit:` section on worker threads
 * (the reference), in child processes (`--isolation process`) and on a `digit-sweep worker` over a real
 * redis-server (`--redis`) gives the same search and refit trials: numbers, kinds, sources, params,
 * states and curves (the refit flag travels with the task; a refit's validation metrics are NaN, which
 * every channel must carry as "no validation", not as a number).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrozenTrial, StudyRecord } from '../../src/core/types.js';
import { runCli } from '../helpers/cli.js';
import { REDIS_TOOL, startRedis, type TestRedis } from '../helpers/redis.js';
import { describeWithTool } from '../helpers/tools.js';
import { readSnapshot, startWorker } from '../redis/helpers.js';

const SEARCH_TRIALS = 4;
const REFIT_TOP = 2;
const REFIT_EPOCHS = 3;

let dir: string;
let space: string;
let reference: StudyRecord;
let referenceOut: string;

const sweepArgs = (study: string, extra: string[]) => [
  'sweep', space, '--trainer', 'scripted', '--study', study, '--runs', join(dir, 'runs'), '--reports', join(dir, 'reports'), '--skip-reports', ...extra,
];
const snapshot = (study: string) => readSnapshot(dir, study);
/** What must not depend on the runner (JSON null stands for NaN in the study file). */
const summary = (s: StudyRecord) =>
  s.trials.map((t: FrozenTrial) => ({
    n: t.number,
    kind: t.kind ?? 'search',
    refit: t.refit ?? null,
    params: t.params,
    state: t.state,
    value: t.value,
    values: t.intermediateValues,
    valAcc: t.epochs.map((m) => m.valAcc ?? null),
  }));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ds-refit-runners-'));
  space = join(dir, 'refit.yaml');
  writeFileSync(
    space,
    [
      'params:',
      '  lr: { type: float, low: 1.0e-4, high: 1.0e-2, log: true }',
      '  dropout: { type: float, low: 0.1, high: 0.6 }',
      'fixed: { epochs: 3, batchSize: 64 }',
      `budget: { trials: ${SEARCH_TRIALS}, workers: 2 }`,
      'sampler: { type: random }',
      'pruner: { type: none }',
      'lag: 1',
      'seed: 5',
      'keepModels: 0',
      `refit: { top: ${REFIT_TOP}, epochs: ${REFIT_EPOCHS} }`,
      '',
    ].join('\n'),
  );
  const r = await runCli(sweepArgs('threads', ['--workers', '2']), { env: { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '0' }, timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`reference sweep failed (${r.code}): ${r.stderr}`);
  reference = snapshot('threads');
  referenceOut = r.stdout;
}, 180_000);

describe('refit on the reference runner (worker threads)', () => {
  it('runs the K best as refit trials with no validation', () => {
    const refits = reference.trials.filter((t) => t.kind === 'refit');
    expect(refits.map((t) => t.number)).toEqual([SEARCH_TRIALS, SEARCH_TRIALS + 1]);
    for (const t of refits) {
      expect(t.state).toBe('complete');
      expect(t.epochs.map((m) => m.epoch)).toEqual([1, 2, 3]);
      // NaN in memory, null in the study file: no validation set.
      for (const m of t.epochs) expect(m.valAcc ?? null).toBeNull();
      expect(t.value).toBe(t.epochs[REFIT_EPOCHS - 1]!.trainAcc);
    }
    for (const t of reference.trials.filter((x) => x.kind !== 'refit')) for (const m of t.epochs) expect(Number.isFinite(m.valAcc)).toBe(true);
    // The log names each phase's end, then the sweep's.
    expect(referenceOut.split('\n').filter((l) => / stopped: | ended: /.test(l))).toEqual([
      `search stopped: budget of ${SEARCH_TRIALS} trials reached`,
      `refit stopped: refit done: ${REFIT_TOP} configuration(s)`,
      `sweep ended: budget of ${SEARCH_TRIALS} trials reached; refit done: ${REFIT_TOP} configuration(s)`,
    ]);
  });
});

describe('refit in child processes (--isolation process)', () => {
  it('gives the reference study', async () => {
    const r = await runCli(sweepArgs('process', ['--workers', '2', '--isolation', 'process']), { env: { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '0' }, timeoutMs: 180_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(summary(snapshot('process'))).toEqual(summary(reference));
  }, 240_000);
});

describeWithTool(REDIS_TOOL, 'refit on a remote worker (--redis)', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('gives the reference study; the worker ran the refit trials; status shows them', async () => {
    const worker = startWorker(redis.url, [], { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '0' });
    try {
      const r = await runCli(sweepArgs('remote', ['--workers', '2', '--redis', redis.url]), { timeoutMs: 180_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(summary(snapshot('remote'))).toEqual(summary(reference));
      for (const n of [SEARCH_TRIALS, SEARCH_TRIALS + 1]) expect(worker.log()).toMatch(new RegExp(`trial ${n} of remote: done after ${REFIT_EPOCHS} epoch`));
      const st = await runCli(['status', 'remote', '--redis', redis.url, '--json']);
      expect(st.code, st.stderr).toBe(0);
      expect(JSON.stringify(JSON.parse(st.stdout))).toMatch(/refit/);
    } finally {
      await worker.stop();
    }
  }, 240_000);
});
