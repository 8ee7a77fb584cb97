/** A study of the scripted trainer in Redis with its driver lease: what the in-process BullMQ tests drive. */
import type { Redis } from 'ioredis';
import { SCRIPTED_DATA } from '../../src/data/space-data.js';
import { parseSearchSpace, type SearchSpace } from '../../src/search-space/index.js';
import { acquireDriverLease, type HeldLease } from '../../src/storage/lease.js';
import { connectRedis, RedisTrialStore } from '../../src/storage/redis.js';

/** One searched param (lr), no pruner, random sampling, lag 0, no model kept. */
export function scriptedSpace(file: string, opts: { epochs: number; trials: number }): SearchSpace {
  return parseSearchSpace(
    `params:
  lr: {type: float, low: 1.0e-4, high: 1.0e-2, log: true}
fixed: {epochs: ${opts.epochs}}
budget: {trials: ${opts.trials}, workers: 1, maxConsecutiveFailures: 3}
sampler: {type: random}
pruner: {type: none}
seed: 7
lag: 0
keepModels: 0`,
    file,
  );
}

export interface ScriptedStudy {
  redis: Redis;
  store: RedisTrialStore;
  lease: HeldLease;
  /** Releases the lease and closes the connection. */
  close(): Promise<void>;
}

/** Creates study `study` on the scripted data in the Redis at `url` and takes its driver lease. */
export async function createScriptedStudy(url: string, study: string, space: SearchSpace): Promise<ScriptedStudy> {
  const redis = connectRedis(url);
  const store = new RedisTrialStore({ redis, study });
  await store.createStudy({
    name: study,
    createdAt: new Date().toISOString(),
    spaceFile: `${study}.yaml`,
    space,
    direction: 'maximize',
    dataSource: SCRIPTED_DATA.source,
    dataFingerprint: SCRIPTED_DATA.fingerprint,
  });
  const lease = await acquireDriverLease(redis, study);
  return {
    redis,
    store,
    lease,
    close: async () => {
      await lease.release();
      await redis.quit();
    },
  };
}
