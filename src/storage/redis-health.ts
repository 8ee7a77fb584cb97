/**
 * Redis outages, as the driver and the workers see them: one log line when Redis stops answering, at
 * most one more per interval while it stays away (with how long and how many errors), one when it is
 * back, and the reconnection backoff every digit-sweep connection uses (no busy loop: 0.5 s doubling
 * to 10 s between attempts).
 */
import type { RedisOptions } from 'ioredis';

/** Default interval between two "still unreachable" lines. */
export const OUTAGE_LOG_MS = 30_000;

/** ioredis options of long-lived connections: wait through outages (commands queue), reconnect with backoff. */
export const RECONNECT_OPTIONS: Partial<RedisOptions> = {
  maxRetriesPerRequest: null,
  retryStrategy: (times: number) => Math.min(500 * 2 ** Math.min(times - 1, 5), 10_000),
};

/** Backoff of a loop that retries a failing command itself: attempt 1, 2, ... -> ms. */
export const retryDelay = (attempt: number): number => Math.min(250 * 2 ** Math.min(attempt - 1, 6), 10_000);

export class OutageLog {
  /** When the current outage began (ms since epoch), or null while Redis answers. */
  since: number | null = null;
  private lastLine = 0;
  private errors = 0;

  constructor(
    private readonly what: string,
    private readonly log: (line: string) => void,
    private readonly intervalMs = OUTAGE_LOG_MS,
  ) {}

  /** An error talking to Redis: logged at once if it starts an outage, else at most once per interval. */
  error(err: unknown): void {
    const now = Date.now();
    const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    this.errors++;
    if (this.since === null) {
      this.since = now;
      this.lastLine = now;
      this.errors = 0;
      this.log(`${this.what}: Redis unreachable (${msg}); retrying with backoff`);
    } else if (now - this.lastLine >= this.intervalMs) {
      this.lastLine = now;
      this.log(`${this.what}: Redis still unreachable after ${Math.round((now - this.since) / 1000)} s (${this.errors} error(s); last: ${msg})`);
      this.errors = 0;
    }
  }

  /** Redis answered: ends an outage (one line). */
  ok(): void {
    if (this.since === null) return;
    this.log(`${this.what}: Redis is back after ${Math.round((Date.now() - this.since) / 1000)} s`);
    this.since = null;
  }

  /** How long the current outage has lasted (0 when none). */
  downMs(): number {
    return this.since === null ? 0 : Date.now() - this.since;
  }
}
