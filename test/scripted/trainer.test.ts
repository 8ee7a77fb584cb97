import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SPACE } from '../../src/search-space/index.js';
import {
  SCRIPTED_OPTIMUM,
  parseScriptedFault,
  scriptedAccuracy,
  scriptedTrain,
} from '../../src/scripted/trainer.js';
import type { EpochMetrics, TrainParams } from '../../src/core/types.js';

const base: TrainParams = { ...DEFAULT_SPACE.fixed, ...SCRIPTED_OPTIMUM };

async function run(params: TrainParams, epochs = 5, extra: Partial<Parameters<typeof scriptedTrain>[1]> = {}) {
  const seen: EpochMetrics[] = [];
  const r = await scriptedTrain(params, { epochs, seed: 1, fault: null, onEpochEnd: (m) => {
      seen.push(m);
      return false;
    }, ...extra });
  return { ...r, seen };
}

describe('scripted trainer', () => {
  afterEach(() => {
    delete process.env.DIGIT_SWEEP_SCRIPTED_FAULT;
  });

  it('is deterministic, reports every epoch, and peaks at the known optimum', async () => {
    const a = await run(base);
    const b = await run(base);
    expect(a.history).toEqual(b.history);
    expect(a.seen).toEqual(a.history);
    expect(a.history.map((m) => m.epoch)).toEqual([1, 2, 3, 4, 5]);
    for (const m of a.history) {
      expect(m.valAcc).toBeGreaterThan(0);
      expect(m.valAcc).toBeLessThan(1);
      expect(m.seconds).toBeGreaterThan(0);
    }
    const best = scriptedAccuracy(base, 20);
    for (const d of [{ lr: 2e-2 }, { lr: 1e-4 }, { dropout: 0.6 }, { l2: 1e-3 }, { noise: 0.2 }]) {
      expect(scriptedAccuracy({ ...base, ...d }, 20)).toBeLessThan(best);
    }
    // Curves rise.
    expect(scriptedAccuracy(base, 1)).toBeLessThan(scriptedAccuracy(base, 5));
  });

  it('stops when onEpochEnd returns true', async () => {
    const r = await scriptedTrain(base, { epochs: 10, seed: 1, fault: null, onEpochEnd: (m) => m.epoch === 3 });
    expect(r.history.length).toBe(3);
  });

  it('fault modes: throw, NaN, and the env spec with a param condition', async () => {
    await expect(run(base, 5, { fault: { mode: 'throw', epoch: 2 } })).rejects.toThrow('scripted fault: training failed at epoch 2');
    const nan = await run(base, 4, { fault: { mode: 'nan', epoch: 3 } });
    expect(nan.history.map((m) => Number.isNaN(m.valLoss))).toEqual([false, false, true, true]);
    process.env.DIGIT_SWEEP_SCRIPTED_FAULT = 'throw@1:lr>0.005';
    await expect(scriptedTrain({ ...base, lr: 0.01 }, { epochs: 2, seed: 1, onEpochEnd: () => false })).rejects.toThrow(/epoch 1/);
    expect((await scriptedTrain({ ...base, lr: 0.001 }, { epochs: 2, seed: 1, onEpochEnd: () => false })).history.length).toBe(2);
    expect(parseScriptedFault('hang@3')).toEqual({ mode: 'hang', epoch: 3 });
    expect(() => parseScriptedFault('explode@1')).toThrow(/DIGIT_SWEEP_SCRIPTED_FAULT/);
  });

  it('hang never resolves', async () => {
    const p = scriptedTrain(base, { epochs: 3, seed: 1, fault: { mode: 'hang', epoch: 2 }, onEpochEnd: () => false });
    const winner = await Promise.race([p.then(() => 'finished'), new Promise((r) => setTimeout(() => r('timeout'), 100))]);
    expect(winner).toBe('timeout');
  });
});
