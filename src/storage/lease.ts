/**
 * The driver lease of a study in Redis: one driver per study, on any machine. A key
 * `digit-sweep:<study>:driver` holding { runId, pid, host, since } with a PX expiry, renewed every
 * LEASE_MS/4 while the driver runs. Workers read it to tell a live driver's jobs from stale ones
 * (pool/remote-protocol.ts); the driver (study/remote.ts) takes it before it opens the store.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { RedisUnavailableError, UserError } from '../core/errors.js';
import { isProcessAlive } from './lock.js';
import { OUTAGE_LOG_MS, OutageLog } from './redis-health.js';
import { studyPrefix } from './redis.js';

/** How long a driver's lease lasts without renewal. */
export const LEASE_MS = 10_000;

export interface DriverLease {
  runId: string;
  pid: number;
  host: string;
  since: string;
}

/** The Redis key of study `study`'s driver lease. */
export const driverLeaseKey = (study: string): string => `${studyPrefix(study)}driver`;

export interface HeldLease {
  runId: string;
  /**
   * Rejects with a RedisUnavailableError when the lease is lost: another driver holds it, or it could
   * not be renewed before it expired (Redis unreachable). Never resolves otherwise.
   */
  lost: Promise<never>;
  release(): Promise<void>;
}

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * Takes the study's driver lease (one driver per study, on any machine). A lease left by a dead driver
 * on this host is taken over at once; one from another host is waited for until it expires (LEASE_MS).
 * The lease is renewed in the background until release().
 */
export async function acquireDriverLease(
  redis: Redis,
  study: string,
  leaseMs = LEASE_MS,
  log: (line: string) => void = () => undefined,
  outageLogMs = OUTAGE_LOG_MS,
): Promise<HeldLease> {
  const key = driverLeaseKey(study);
  const runId = randomUUID();
  const mine: DriverLease = { runId, pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const value = JSON.stringify(mine);
  const deadline = Date.now() + leaseMs + 1000;
  for (;;) {
    if ((await redis.set(key, value, 'PX', leaseMs, 'NX')) === 'OK') break;
    const text = await redis.get(key);
    let other: DriverLease | null = null;
    try {
      other = text ? (JSON.parse(text) as DriverLease) : null;
    } catch {
      other = null;
    }
    if (text && (!other || (other.host === mine.host && !isProcessAlive(other.pid)))) {
      // A dead driver of this host (or garbage): take over, unless someone else just did.
      const r = (await redis.eval(`if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 else return 0 end`, 1, key, text, value, String(leaseMs))) as number;
      if (r === 1) break;
      continue;
    }
    if (Date.now() > deadline) {
      throw new UserError(
        `study ${study} is in use by another driver (pid ${other?.pid} on ${other?.host}, since ${other?.since}); stop it or use another --study`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  let renewed = Date.now();
  let renewing = false;
  let lose: (err: Error) => void = () => undefined;
  const lost = new Promise<never>((_, reject) => (lose = reject));
  lost.catch(() => undefined); // a driver that never looks at it must not crash on it
  const outage = new OutageLog(`driver of study ${study}`, log, outageLogMs);
  const stop = (why: string) => {
    clearInterval(timer);
    lose(new RedisUnavailableError(`lost the driver lease of study ${study}: ${why}; this driver stops (its trials stay in Redis: rerun the same command to resume)`));
  };
  const expired = () => `it could not be renewed for ${Math.round((Date.now() - renewed) / 1000)} s (Redis unreachable) and has expired`;
  const timer = setInterval(() => {
    // A renewal stuck in the offline queue (Redis down, commands wait) must not hide an expired lease.
    if (Date.now() - renewed > leaseMs + leaseMs / 4) return stop(expired());
    if (renewing) return; // one renewal at a time (during an outage they would pile up)
    renewing = true;
    (redis.eval(RENEW, 1, key, value, String(leaseMs)) as Promise<number>)
      .then((r) => {
        outage.ok();
        if (r === 1) renewed = Date.now();
        else stop('another driver holds it now');
      })
      .catch((err: unknown) => {
        outage.error(err);
        if (Date.now() - renewed > leaseMs) stop(expired());
      })
      .finally(() => (renewing = false));
  }, Math.max(100, Math.floor(leaseMs / 4)));
  timer.unref();
  return {
    runId,
    lost,
    release: async () => {
      clearInterval(timer);
      // Best effort: an expired lease (Redis away) needs no release.
      await redis.eval(RELEASE, 1, key, value).catch(() => undefined);
    },
  };
}
