import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisTrialStore, connectRedis } from '../../src/storage/redis.js';
import { REDIS_TOOL, startRedis, type TestRedis } from '../helpers/redis.js';
import { describeWithTool } from '../helpers/tools.js';
import { STUDY, trialStoreContract } from './contract.js';

describeWithTool(REDIS_TOOL, 'redis store', () => {
  let server: TestRedis;
  const stores: RedisTrialStore[] = [];
  let n = 0;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await server?.stop();
  });
  const open = (study: string) => {
    const s = new RedisTrialStore({ redis: server.url, study });
    stores.push(s);
    return s;
  };

  trialStoreContract(
    'redis',
    async () => open(`contract-${n++}`),
    async (s) => open((s as RedisTrialStore).study),
  );

  describe('redis store specifics', () => {
    it('keeps floats exactly and isolates studies by key prefix', async () => {
      const a = open('iso-a');
      const b = open('iso-b');
      await a.createStudy(STUDY);
      await b.createStudy(STUDY);
      const lr = 0.0012345678901234567;
      await a.createTrial({ params: { lr }, seed: 1 });
      expect((await a.getTrial(0))!.params.lr).toBe(lr);
      expect(await b.listTrials()).toEqual([]);
      const r = connectRedis(server.url);
      expect((await r.keys('digit-sweep:iso-a:*')).sort()).toEqual(['digit-sweep:iso-a:next', 'digit-sweep:iso-a:study', 'digit-sweep:iso-a:trials']);
      expect(await r.sismember('digit-sweep:studies', 'iso-b')).toBe(1);
      await r.quit();
    });

    it('concurrent updates of one trial from two connections lose nothing (compare-and-set)', async () => {
      const a = open('cas');
      const b = open('cas');
      await a.createStudy(STUDY);
      const t = await a.createTrial({ params: {}, seed: 1 });
      await Promise.all([
        ...[1, 2, 3, 4, 5].map((i) => a.updateTrial(t, { error: `a${i}` })),
        b.updateTrial(t, { state: 'pruned' }),
        b.updateTrial(t, { value: 0.5 }),
      ]);
      expect(await a.getTrial(t)).toMatchObject({ state: 'pruned', value: 0.5 });
    });
  });
});
