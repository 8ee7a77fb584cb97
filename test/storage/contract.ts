/**
 * The TrialStore contract: every implementation runs this one suite (memory.test.ts, lowdb.test.ts).
 * `make` returns a fresh, empty store; `reopen` (optional) a second store over the same persisted data.
 */
import { describe, expect, it } from 'vitest';
import type { NewStudy, TrialStore } from '../../src/storage/index.js';

export const STUDY: NewStudy = {
  name: 'contract',
  createdAt: '2024-01-01T00:00:00.000Z',
  spaceFile: 'search-spaces/quickstart.yaml',
  space: { params: { lr: { type: 'float', low: 1e-4, high: 1e-2, log: true } } },
  direction: 'maximize',
  dataSource: 'test',
  dataFingerprint: 'abc',
};

const epoch = (e: number, valAcc: number) => ({ epoch: e, trainLoss: 1, trainAcc: 0.5, valLoss: 1, valAcc, lr: 1e-3, seconds: 1 });

export function trialStoreContract(name: string, make: () => Promise<TrialStore>, reopen?: (s: TrialStore) => Promise<TrialStore>): void {
  describe(`TrialStore contract: ${name}`, () => {
    it('starts empty; createStudy stores the record; a second createStudy fails', async () => {
      const s = await make();
      expect(await s.getStudy()).toBeNull();
      const rec = await s.createStudy(STUDY);
      expect(rec).toMatchObject({ ...STUDY, trials: [] });
      expect(await s.getStudy()).toMatchObject(STUDY);
      await expect(s.createStudy(STUDY)).rejects.toThrow(/already exists/);
    });

    it('createTrial gives monotonic numbers starting at 0 and a running trial', async () => {
      const s = await make();
      await s.createStudy(STUDY);
      const numbers = [];
      for (let i = 0; i < 4; i++) numbers.push(await s.createTrial({ params: { lr: i }, seed: 10 + i }));
      expect(numbers).toEqual([0, 1, 2, 3]);
      const t = (await s.getTrial(2))!;
      expect(t).toMatchObject({ number: 2, state: 'running', params: { lr: 2 }, intermediateValues: [], epochs: [], value: null, seed: 12, datetimeComplete: null });
      expect(typeof t.datetimeStart).toBe('string');
      expect(await s.getTrial(99)).toBeNull();
    });

    it('concurrent createTrial calls get distinct numbers', async () => {
      const s = await make();
      await s.createStudy(STUDY);
      const numbers = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => s.createTrial({ params: { i }, seed: i })));
      expect([...numbers].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
      expect((await s.listTrials()).map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5]);
    });

    it('updateTrial changes state, values, epochs, times, error, modelDir', async () => {
      const s = await make();
      await s.createStudy(STUDY);
      const n = await s.createTrial({ params: { lr: 1e-3 }, seed: 1 });
      await s.updateTrial(n, { intermediateValues: [0.9], epochs: [epoch(1, 0.9)] });
      const done = await s.updateTrial(n, {
        state: 'complete',
        intermediateValues: [0.9, 0.95],
        epochs: [epoch(1, 0.9), epoch(2, 0.95)],
        value: 0.95,
        datetimeComplete: '2024-01-01T01:00:00.000Z',
        modelDir: 'trials/0/model',
        backend: 'wasm',
      });
      expect(done).toMatchObject({ state: 'complete', value: 0.95, intermediateValues: [0.9, 0.95], modelDir: 'trials/0/model', backend: 'wasm' });
      expect(await s.getTrial(n)).toEqual(done);
      const failed = await s.createTrial({ params: {}, seed: 2 });
      await s.updateTrial(failed, { state: 'fail', error: 'boom' });
      expect((await s.getTrial(failed))!.error).toBe('boom');
      await expect(s.updateTrial(42, { state: 'fail' })).rejects.toThrow(/no trial 42/);
    });

    it('returns copies: changing a returned trial does not change the store', async () => {
      const s = await make();
      await s.createStudy(STUDY);
      const params = { lr: 1 };
      const n = await s.createTrial({ params, seed: 1 });
      params.lr = 2;
      const t = (await s.getTrial(n))!;
      expect(t.params.lr).toBe(1);
      t.intermediateValues.push(5);
      (await s.listTrials())[0]!.state = 'fail';
      const values = [0.1];
      await s.updateTrial(n, { intermediateValues: values });
      values.push(0.2);
      expect(await s.getTrial(n)).toMatchObject({ state: 'running', intermediateValues: [0.1] });
    });

    if (reopen) {
      it('persists: a reopened store sees the study, and numbers are never reused', async () => {
        const s = await make();
        await s.createStudy(STUDY);
        await s.createTrial({ params: { lr: 1 }, seed: 1 });
        const n1 = await s.createTrial({ params: { lr: 2 }, seed: 2 });
        await s.updateTrial(n1, { state: 'pruned', intermediateValues: [0.3], value: 0.3 });
        const again = await reopen(s);
        expect((await again.getStudy())!.name).toBe('contract');
        expect((await again.listTrials()).map((t) => [t.number, t.state])).toEqual([[0, 'running'], [1, 'pruned']]);
        expect(await again.createTrial({ params: {}, seed: 3 })).toBe(2);
      });
    }
  });
}
