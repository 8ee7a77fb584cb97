/**
 * A study in Redis, as the driver opens it: the driver lease first (one driver per study, on any
 * machine), then the store. `snapshot` writes the study as runs/<study>/study.json so the reports,
 * `status` and `export` read it like a lowdb study.
 */
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { RedisCheckpoints } from '../storage/checkpoint.js';
import { acquireDriverLease, type HeldLease } from '../storage/lease.js';
import { SafeStudyFile, STUDY_FILE } from '../storage/lowdb.js';
import { connectRedis, RedisTrialStore, studyPrefix } from '../storage/redis.js';
import { UserError } from '../core/errors.js';
import type { StudyRecord } from '../core/types.js';

export interface RedisStudy {
  store: RedisTrialStore;
  lease: HeldLease;
  /** The study's trial checkpoints, in Redis (any worker can continue a trial). */
  checkpoints: RedisCheckpoints;
  /** Releases the lease and disconnects; with `lost` (the lease is gone, Redis may be too) only disconnects. */
  close(lost?: boolean): Promise<void>;
}

/**
 * Connects (a clear UserError when Redis cannot be reached) and takes the study's driver lease. `log`
 * gets the lease's Redis trouble (one line per outage and interval).
 */
export async function openRedisStudy(url: string, study: string, log?: (line: string) => void): Promise<RedisStudy> {
  const redis = await connectChecked(url);
  const lease = await acquireDriverLease(redis, study, undefined, log);
  const store = new RedisTrialStore({ redis, study });
  return {
    store,
    lease,
    checkpoints: new RedisCheckpoints(redis, studyPrefix(study)),
    close: async (lost = false) => {
      if (lost) return redis.disconnect();
      await lease.release();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** Whether `s` is a redis:// or rediss:// URL (else a study folder, for migrate). */
export const isRedisUrl = (s: string): boolean => /^rediss?:\/\//.test(s);

/** An ioredis connection that has answered PING; a UserError naming the URL otherwise. */
export async function connectChecked(url: string) {
  if (!isRedisUrl(url)) throw new UserError(`argument --redis: expected a redis:// URL, got ${JSON.stringify(url)}`);
  const redis = connectRedis(url, { maxRetriesPerRequest: 1, retryStrategy: (times: number) => (times > 3 ? null : 200) });
  redis.on('error', () => undefined);
  try {
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new UserError(`cannot reach Redis at ${url}: ${(err as Error).message.split('\n')[0]}`);
  }
  // Connected: from now on, wait through short outages instead of failing commands.
  redis.options.maxRetriesPerRequest = null;
  redis.options.retryStrategy = (times: number) => Math.min(times * 200, 2000);
  return redis;
}

/** Runs `fn` on a checked connection to `url` (see connectChecked), closed afterwards whatever happens. */
export async function withRedis<T>(url: string, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = await connectChecked(url);
  try {
    return await fn(redis);
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

/** Writes `study` to <studyDir>/study.json (atomically, keeping the previous copy as .bak). */
export async function writeStudySnapshot(studyDir: string, study: StudyRecord): Promise<void> {
  await new SafeStudyFile(join(studyDir, STUDY_FILE)).write(study);
}

/** The study of a Redis source or destination, read through the store. */
export async function readRedisStudy(url: string, study: string): Promise<StudyRecord | null> {
  return withRedis(url, (redis) => new RedisTrialStore({ redis, study }).getStudy());
}

/** The study `study` in Redis at `url`; a UserError when there is none. */
export async function requireRedisStudy(url: string, study: string): Promise<StudyRecord> {
  const record = await readRedisStudy(url, study);
  if (!record) throw new UserError(`no study ${study} in Redis at ${url}`);
  return record;
}

/**
 * Brings a Redis study into <runsDir>/<study>/study.json (status, report and export read it there): a
 * new folder, or one holding an earlier snapshot of the same study (same createdAt); a different
 * lowdb study of that name is never overwritten.
 */
export async function syncFromRedis(url: string, study: string, runsDir: string): Promise<StudyRecord> {
  const record = await requireRedisStudy(url, study);
  const dir = join(runsDir, study);
  const { LowdbTrialStore } = await import('../storage/lowdb.js');
  const local = await new LowdbTrialStore(dir).getStudy();
  if (local && local.createdAt !== record.createdAt) {
    throw new UserError(`${join(dir, STUDY_FILE)} holds another study named ${study} (created ${local.createdAt}); use another --runs folder`);
  }
  await writeStudySnapshot(dir, record);
  return record;
}
