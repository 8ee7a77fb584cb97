import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultThreads } from '../../src/core/train-params.js';
import type { StudyRecord } from '../../src/core/types.js';
import { REPO, runCli } from '../helpers/cli.js';

describe('digit-sweep sweep (real TF.js, wasm, 2 workers)', () => {
  it('runs a tiny sweep: prunes, keeps the best models, writes the study, leaderboard and report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-sweep-'));
    const space = join(REPO, 'test/fixtures/spaces/tiny.yaml');
    const r = await runCli(['sweep', space, '--study', 'tiny', '--backend', 'wasm', '--runs', join(dir, 'runs'), '--reports', join(dir, 'reports')]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/backend: wasm/);
    expect(r.stdout).toMatch(/2 worker thread\(s\)/);
    const study = JSON.parse(readFileSync(join(dir, 'runs/tiny/study.json'), 'utf8')) as StudyRecord;
    expect(study.trials.map((t) => t.number)).toEqual([0, 1, 2, 3]);
    const states = study.trials.map((t) => t.state);
    expect(states.filter((s) => s === 'complete').length).toBeGreaterThanOrEqual(2);
    expect(states.filter((s) => s === 'pruned').length).toBeGreaterThanOrEqual(1);
    expect(states).not.toContain('fail');
    for (const t of study.trials) {
      expect(t.backend).toBe('wasm');
      // fixed.threads unset: the cores shared by the 2 trials running at once
      expect(t.backendInfo?.threads).toBe(String(defaultThreads(availableParallelism(), 2)));
      expect(t.epochs.length).toBe(t.state === 'complete' ? 2 : 1);
      expect(t.intermediateValues).toEqual(t.epochs.map((e) => e.valAcc));
    }
    // lr 1e-3 on 1,350 images, 2 epochs: a real model
    const best = study.trials.filter((t) => t.state === 'complete').sort((a, b) => b.value! - a.value!)[0]!;
    expect(best.value!).toBeGreaterThan(0.7);
    expect(best.modelDir).toBe(join('trials', String(best.number)));
    for (const f of ['model.json', 'weights.bin', 'eval.json']) expect(existsSync(join(dir, 'runs/tiny', best.modelDir!, f))).toBe(true);
    // keepModels: 2 — pruned trials never keep a model
    for (const t of study.trials.filter((t) => t.state === 'pruned')) expect(existsSync(join(dir, 'runs/tiny/trials', String(t.number)))).toBe(false);
    for (const f of ['leaderboard.md', 'leaderboard.csv', 'leaderboard.json', 'report.html']) expect(existsSync(join(dir, 'reports/tiny', f))).toBe(true);
    expect(readFileSync(join(dir, 'reports/tiny/leaderboard.md'), 'utf8')).toMatch(/pruned/);
  }, 900_000);
});
