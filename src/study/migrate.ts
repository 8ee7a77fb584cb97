/**
 * Copies a study between a lowdb folder (runs/NAME/study.json) and Redis (key prefix digit-sweep:NAME:),
 * in either direction, whole: the record, every trial (numbers kept) and the trial counter. The
 * destination must not hold the study yet; a Redis study whose driver is running is refused as a
 * source (its trials are still changing). Models stay where they are (the folder of the lowdb side).
 */
import { basename, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { LowdbTrialStore } from '../storage/lowdb.js';
import { RedisTrialStore } from '../storage/redis.js';
import { remoteKeys } from '../pool/remote-protocol.js';
import { checkStudyName } from './names.js';
import { isRedisUrl, withRedis, writeStudySnapshot } from './remote.js';

export interface MigrateOptions {
  from: string;
  to: string;
  /** The study name on the Redis side (default: the URL's #fragment, else the folder's name). */
  study?: string;
}

export interface MigrateResult {
  study: string;
  trials: number;
  from: string;
  to: string;
}

/** Splits redis://host:port/db#name into the URL and the name. */
function redisTarget(spec: string, fallback: string | undefined): { url: string; study: string } {
  const [url, name] = spec.split('#') as [string, string | undefined];
  const study = name || fallback;
  if (!study) throw new UserError(`migrate: name the Redis study: ${spec}#NAME or --study NAME`);
  return { url, study: checkStudyName(study) };
}

export async function migrateStudy(opts: MigrateOptions): Promise<MigrateResult> {
  if (isRedisUrl(opts.from) === isRedisUrl(opts.to)) throw new UserError('migrate: one of --from and --to must be a redis:// URL and the other a study folder');
  if (isRedisUrl(opts.from)) {
    const dir = resolve(opts.to);
    const { url, study } = redisTarget(opts.from, opts.study ?? basename(dir));
    return withRedis(url, async (redis) => {
      if (await redis.exists(remoteKeys(study).driver)) throw new UserError(`migrate: study ${study} has a running driver; copy it once the sweep has ended`);
      const record = await new RedisTrialStore({ redis, study }).getStudy();
      if (!record) throw new UserError(`migrate: no study ${study} in Redis at ${url}`);
      if (await new LowdbTrialStore(dir).getStudy()) throw new UserError(`migrate: ${dir} already holds a study; choose another folder`);
      await writeStudySnapshot(dir, record);
      return { study, trials: record.trials.length, from: `${url}#${study}`, to: dir };
    });
  }
  const dir = resolve(opts.from);
  const record = await new LowdbTrialStore(dir).getStudy();
  if (!record) throw new UserError(`migrate: no study in ${dir}`);
  const { url, study } = redisTarget(opts.to, opts.study ?? record.name);
  return withRedis(url, async (redis) => {
    const store = new RedisTrialStore({ redis, study });
    if (await store.getStudy()) throw new UserError(`migrate: Redis at ${url} already holds a study ${study}`);
    await store.importStudy({ ...record, name: study });
    return { study, trials: record.trials.length, from: dir, to: `${url}#${study}` };
  });
}
