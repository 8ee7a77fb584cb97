/**
 * The live report's throttle on a virtual clock (vitest fake timers): one write at a time, the first at
 * once, the next no sooner than the interval after the previous ended, a trailing write for requests
 * made meanwhile, nothing after close(), errors reported and survived.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ThrottledWriter } from '../../src/report/live.js';

/** A write that takes `ms` of virtual time and records when it ran and how many ran at once. */
function recorder(ms: number, fail?: (n: number) => boolean) {
  const runs: Array<{ start: number; end: number }> = [];
  let active = 0;
  let maxActive = 0;
  const write = async () => {
    const n = runs.length;
    const run = { start: Date.now(), end: NaN };
    runs.push(run);
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise((r) => setTimeout(r, ms));
    active--;
    run.end = Date.now();
    if (fail?.(n)) throw new Error(`disk full (write ${n})`);
  };
  return { write, runs, maxActive: () => maxActive };
}

describe('ThrottledWriter (live report throttle)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes at once, then at most once per interval after the previous write ended, with one trailing write', async () => {
    const rec = recorder(1000);
    const errors: unknown[] = [];
    const w = new ThrottledWriter(rec.write, { minIntervalMs: 5000, onError: (e) => errors.push(e) });
    w.request();
    expect(rec.runs).toHaveLength(1); // leading write, synchronously started
    // A burst of events while the first write runs and during the interval after it.
    for (let t = 0; t < 10; t++) {
      await vi.advanceTimersByTimeAsync(500);
      w.request();
    }
    await vi.advanceTimersByTimeAsync(20_000);
    expect(rec.runs.map((r) => r.start)).toEqual([0, 6000]); // 1 s write + 5 s interval; the burst is one trailing write
    // Later events: each one gets a write, never closer than 5 s to the previous write's end.
    for (let i = 0; i < 5; i++) {
      w.request();
      await vi.advanceTimersByTimeAsync(1200);
    }
    await vi.advanceTimersByTimeAsync(20_000);
    for (let i = 1; i < rec.runs.length; i++) expect(rec.runs[i]!.start - rec.runs[i - 1]!.end).toBeGreaterThanOrEqual(5000);
    expect(rec.runs.length).toBe(4); // 0, 6000, then one at once (>= 5 s idle) and one trailing for the rest
    expect(rec.maxActive()).toBe(1);
    expect(errors).toEqual([]);
    await w.close();
  });

  it('firstAfterMs holds the first write back: a burst in the first seconds is one write', async () => {
    const rec = recorder(100);
    const w = new ThrottledWriter(rec.write, { minIntervalMs: 5000, firstAfterMs: 5000, onError: () => {} });
    for (let i = 0; i < 8; i++) {
      w.request();
      await vi.advanceTimersByTimeAsync(500);
    }
    await vi.advanceTimersByTimeAsync(10_000);
    expect(rec.runs.map((r) => r.start)).toEqual([5000]);
    await w.close();
  });

  it('a slow write stretches the interval to twice its duration', async () => {
    const rec = recorder(4000);
    const w = new ThrottledWriter(rec.write, { minIntervalMs: 5000, onError: () => {} });
    w.request();
    await vi.advanceTimersByTimeAsync(100);
    w.request();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(rec.runs.map((r) => r.start)).toEqual([0, 12_000]); // ends at 4 s, waits 8 s
    await w.close();
  });

  it('close() waits for the write in progress and drops the waiting one: nothing runs after it', async () => {
    const rec = recorder(1000);
    const w = new ThrottledWriter(rec.write, { minIntervalMs: 5000, onError: () => {} });
    w.request();
    await vi.advanceTimersByTimeAsync(200);
    w.request(); // would be the trailing write
    let closed = false;
    const closing = w.close().then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(500);
    expect(closed).toBe(false); // the first write still runs
    await vi.advanceTimersByTimeAsync(500);
    await closing;
    expect(rec.runs).toHaveLength(1);
    expect(rec.runs[0]!.end).toBe(1000);
    w.request();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(rec.runs).toHaveLength(1);
    expect(rec.maxActive()).toBe(1);
  });

  it('a failed write goes to onError and the next request writes again', async () => {
    const rec = recorder(100, (n) => n === 0);
    const errors: string[] = [];
    const w = new ThrottledWriter(rec.write, { minIntervalMs: 5000, onError: (e) => errors.push((e as Error).message) });
    w.request();
    await vi.advanceTimersByTimeAsync(1000);
    expect(errors).toEqual(['disk full (write 0)']);
    w.request();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(rec.runs).toHaveLength(2);
    expect(errors).toHaveLength(1);
    await w.close();
  });
});
