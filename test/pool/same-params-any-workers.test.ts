import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSearchSpace } from '../../src/search-space/index.js';
import type { StudyRecord } from '../../src/core/types.js';
import { sweepOnVirtualClock } from '../../src/virtual/virtual-runner.js';
import { REPO, runCli } from '../helpers/cli.js';

/** The real pool (piscina threads) and driver with the scripted trainer: no TF.js. */
async function sweep(workers: number, dir: string): Promise<StudyRecord> {
  const r = await runCli(
    ['sweep', join(REPO, 'search-spaces/quickstart.yaml'), '--trainer', 'scripted', '--study', `w${workers}`, '--workers', String(workers),
      '--trials', '12', '--runs', join(dir, 'runs'), '--reports', join(dir, 'reports'), '--skip-reports'],
    { env: { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '15' } },
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(readFileSync(join(dir, 'runs', `w${workers}`, 'study.json'), 'utf8')) as StudyRecord;
}

describe('a seeded sweep is the same whatever the number of workers', () => {
  it('1 and 2 workers give the same params, states and values (TPE + ASHA, lag 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-workers-'));
    const one = await sweep(1, dir);
    const two = await sweep(2, dir);
    const summary = (s: StudyRecord) => s.trials.map((t) => ({ n: t.number, params: t.params, state: t.state, values: t.intermediateValues }));
    expect(one.trials).toHaveLength(12);
    expect(summary(two)).toEqual(summary(one));
    // TPE left its random start-up phase (4 trials) and ASHA pruned something: the check is not vacuous.
    expect(one.trials.some((t) => t.state === 'pruned')).toBe(true);
    expect(new Set(one.trials.map((t) => JSON.stringify(t.params))).size).toBe(12);
    // The virtual-clock runner (used by bench:pruning and the sizing test) gives the same sweep as the real pool.
    const space = await loadSearchSpace(join(REPO, 'search-spaces/quickstart.yaml'));
    const virtual = await sweepOnVirtualClock({ space: { ...space, budget: { ...space.budget, trials: 12 } }, workers: 2 });
    expect(summary({ trials: virtual.summary.trials } as StudyRecord)).toEqual(summary(one));
  });
});
