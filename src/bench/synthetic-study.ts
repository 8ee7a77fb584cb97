/**
 * A study of any size without training (bench:report): the scripted trainer's curves (scripted/trainer.ts)
 * for random params of the quickstart space, `epochs` epochs, ASHA-like stops at epochs 1 and 3 (below
 * the best third of the trials before it), 1% failed, the last 2 running.
 */
import { createRng } from '../core/random.js';
import { DEFAULT_TRAIN_PARAMS } from '../core/train-params.js';
import type { FrozenTrial, StudyRecord } from '../core/types.js';
import { scriptedEpochMetrics } from '../scripted/trainer.js';

const SPACE = {
  params: {
    lr: { type: 'float', low: 1e-4, high: 1e-2, log: true },
    dropout: { type: 'float', low: 0.1, high: 0.6 },
    l2: { type: 'float', low: 1e-6, high: 1e-3, log: true },
    noise: { type: 'float', low: 0, high: 0.2 },
  },
};

/** A study of `n` trials (see the file comment). */
export function syntheticStudy(name: string, n: number, epochs: number): StudyRecord {
  const rng = createRng(21);
  const rungs = new Map<number, number[]>([[1, []], [3, []]]);
  const t0 = Date.parse('2026-12-08T00:00:00Z');
  const trials: FrozenTrial[] = [];
  for (let i = 0; i < n; i++) {
    const p = { lr: 10 ** (-4 + 2 * rng.next()), dropout: 0.1 + 0.5 * rng.next(), l2: 10 ** (-6 + 3 * rng.next()), noise: 0.2 * rng.next() };
    const params = { ...DEFAULT_TRAIN_PARAMS, ...p };
    const running = i >= n - 2;
    const failed = !running && i % 100 === 57;
    const ms = [];
    let state: FrozenTrial['state'] = running ? 'running' : failed ? 'fail' : 'complete';
    for (let e = 1; e <= (running ? 2 : failed ? 0 : epochs); e++) {
      const m = scriptedEpochMetrics(params, e, 1000 + i);
      ms.push(m);
      const seen = rungs.get(e);
      if (!seen || running) continue;
      const sorted = [...seen].sort((a, b) => b - a);
      seen.push(m.valAcc);
      if (sorted.length >= 5 && m.valAcc < sorted[Math.floor(sorted.length / 3)]!) {
        state = 'pruned';
        break;
      }
    }
    const start = t0 + i * 60_000;
    const seconds = ms.reduce((s, m) => s + m.seconds, 0);
    const value = state === 'complete' || state === 'pruned' ? Math.max(...ms.map((m) => m.valAcc)) : null;
    trials.push({
      number: i, state, params: p, intermediateValues: ms.map((m) => m.valAcc), epochs: ms, value,
      datetimeStart: new Date(start).toISOString(), datetimeComplete: running ? null : new Date(start + seconds * 1000).toISOString(),
      backend: 'wasm', seed: 1000 + i, modelDir: state === 'complete' && i % 10 === 0 ? `trials/${i}` : null,
      ...(failed ? { error: 'NaN loss at epoch 1 (scripted)' } : {}),
    });
  }
  return {
    name, createdAt: new Date(t0).toISOString(), spaceFile: 'bench (synthetic)', space: SPACE, direction: 'maximize',
    dataSource: 'synthetic (bench:report)', dataFingerprint: 'none', trials, nextTrialNumber: n,
  };
}

