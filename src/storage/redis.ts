/**
 * A TrialStore in Redis: one study per key prefix `digit-sweep:<study>:`, so a driver and workers on
 * several machines share it (see docs/scale-out.md). Keys:
 *   <prefix>study     the study record without trials (JSON string; SET NX creates it once)
 *   <prefix>next      the trial counter (INCR: numbers are monotonic and never reused, even across drivers)
 *   <prefix>trials    hash: trial number -> the trial's JSON
 *   digit-sweep:studies   set of the study names (workers find their queues through it)
 * Every write is atomic: createTrial is one Lua script (INCR + HSET), updateTrial a compare-and-set
 * Lua script retried on conflict, reads are one MULTI (a consistent snapshot). Values are JSON written
 * and parsed by JavaScript, never by Lua's cjson (which rounds numbers to 14 digits).
 */
import { Redis } from 'ioredis';
import type { FrozenTrial, StudyRecord } from '../core/types.js';
import { applyUpdateTrial, newStudyRecord, newTrialRecord, type NewStudy, type NewTrial, type TrialStore, type TrialUpdate } from './types.js';

export const STUDIES_KEY = 'digit-sweep:studies';

/** The key prefix of a study: `digit-sweep:<study>:`. */
export function studyPrefix(study: string): string {
  return `digit-sweep:${study}:`;
}

/** An ioredis connection to `url` (redis://host:port/db) that fails fast instead of queueing forever. */
export function connectRedis(url: string, extra: Record<string, unknown> = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false, ...extra });
}

const CREATE_TRIAL = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local n = redis.call('INCR', KEYS[2]) - 1
redis.call('HSET', KEYS[3], tostring(n), ARGV[1])
return n`;

// ARGV[1] = trial number, ARGV[2] = the JSON read, ARGV[3] = the new JSON. 1: written, 0: changed meanwhile, -1: no trial.
const UPDATE_TRIAL = `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return -1 end
if old ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`;

type StoredTrial = Omit<FrozenTrial, 'number'>;

function parseTrial(number: string, json: string): FrozenTrial {
  return { number: Number(number), ...(JSON.parse(json) as StoredTrial) };
}

export interface RedisTrialStoreOptions {
  /** An open connection (the store does not close it) or a redis:// URL (the store opens and closes its own). */
  redis: Redis | string;
  /** The study name: the key prefix. */
  study: string;
}

export class RedisTrialStore implements TrialStore {
  readonly redis: Redis;
  readonly study: string;
  private readonly owned: boolean;
  private readonly keys: { study: string; next: string; trials: string };

  constructor(opts: RedisTrialStoreOptions) {
    this.owned = typeof opts.redis === 'string';
    this.redis = typeof opts.redis === 'string' ? connectRedis(opts.redis) : opts.redis;
    this.study = opts.study;
    const p = studyPrefix(opts.study);
    this.keys = { study: `${p}study`, next: `${p}next`, trials: `${p}trials` };
  }

  async createStudy(study: NewStudy): Promise<StudyRecord> {
    const rec = newStudyRecord(study);
    const { trials: _t, nextTrialNumber: _n, ...meta } = rec;
    const ok = await this.redis.set(this.keys.study, JSON.stringify(meta), 'NX');
    if (ok !== 'OK') throw new Error(`a study (${this.study}) already exists in this store`);
    await this.redis.sadd(STUDIES_KEY, this.study);
    return rec;
  }

  async getStudy(): Promise<StudyRecord | null> {
    const res = await this.redis.multi().get(this.keys.study).hgetall(this.keys.trials).get(this.keys.next).exec();
    const [meta, trials, next] = (res ?? []).map(([err, v]) => {
      if (err) throw err;
      return v;
    }) as [string | null, Record<string, string>, string | null];
    if (meta === null) return null;
    return {
      ...(JSON.parse(meta) as Omit<StudyRecord, 'trials'>),
      trials: sortTrials(trials),
      nextTrialNumber: Number(next ?? 0),
    };
  }

  private fenced: Error | null = null;

  /** From now on every write throws `err` (a driver that lost its lease must not write the study). */
  fence(err: Error): void {
    this.fenced = err;
  }

  async createTrial(init: NewTrial): Promise<number> {
    if (this.fenced) throw this.fenced;
    const trial: StoredTrial = newTrialRecord(init);
    const n = (await this.redis.eval(CREATE_TRIAL, 3, this.keys.study, this.keys.next, this.keys.trials, JSON.stringify(trial))) as number;
    if (n < 0) throw new Error('no study in this store: call createStudy first');
    return n;
  }

  async updateTrial(number: number, update: TrialUpdate): Promise<FrozenTrial> {
    for (;;) {
      if (this.fenced) throw this.fenced;
      const old = await this.redis.hget(this.keys.trials, String(number));
      if (old === null) throw new RangeError(`study ${this.study} has no trial ${number}`);
      // The shared update logic (types.ts) over a one-trial record.
      const rec = { name: this.study, trials: [parseTrial(String(number), old)] } as StudyRecord;
      const { number: _n, ...next } = applyUpdateTrial(rec, number, update);
      const r = (await this.redis.eval(UPDATE_TRIAL, 1, this.keys.trials, String(number), old, JSON.stringify(next))) as number;
      if (r === 1) return { number, ...next };
      if (r < 0) throw new RangeError(`study ${this.study} has no trial ${number}`);
    }
  }

  async getTrial(number: number): Promise<FrozenTrial | null> {
    const json = await this.redis.hget(this.keys.trials, String(number));
    return json === null ? null : parseTrial(String(number), json);
  }

  async listTrials(): Promise<FrozenTrial[]> {
    return sortTrials(await this.redis.hgetall(this.keys.trials));
  }

  /**
   * Writes a whole study at once (migrate): the record, every trial and the counter, in one MULTI.
   * Fails if the study already exists here.
   */
  async importStudy(study: StudyRecord): Promise<void> {
    const { trials, nextTrialNumber, ...meta } = study;
    const next = Math.max(nextTrialNumber ?? 0, ...trials.map((t) => t.number + 1));
    const ok = await this.redis.set(this.keys.study, JSON.stringify(meta), 'NX');
    if (ok !== 'OK') throw new Error(`a study (${this.study}) already exists in this store`);
    const m = this.redis.multi().set(this.keys.next, String(next)).sadd(STUDIES_KEY, this.study);
    for (const { number, ...t } of trials) m.hset(this.keys.trials, String(number), JSON.stringify(t));
    await m.exec();
  }

  async close(): Promise<void> {
    if (this.owned) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function sortTrials(hash: Record<string, string>): FrozenTrial[] {
  return Object.entries(hash)
    .map(([n, json]) => parseTrial(n, json))
    .sort((a, b) => a.number - b.number);
}
