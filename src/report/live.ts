/**
 * The throttle behind the live report of a running sweep: callers `request()` a write as often as they
 * like (every trial start, epoch and end); writes run one at a time, the first at once (or
 * `firstAfterMs` after the writer was made), the next no
 * sooner than `minIntervalMs` after the previous one ended (or twice its duration, when a write is slow:
 * a live report never takes more than a third of the driver's time), and a request made while waiting
 * or writing is never lost: one trailing write picks it up, so the last event always shows. `close()`
 * drops what is still waiting and waits for a write in progress, so the caller's final write is the
 * last one and never runs beside another. Errors go to `onError`; the next request tries again.
 */
import type { StudyRecord } from '../core/types.js';

/** How often, at most, a running sweep rewrites its reports (ms between the end of one write and the next). */
export const LIVE_REPORT_INTERVAL_MS = 5000;

export interface ThrottledWriterOptions {
  minIntervalMs: number;
  /** Gets every error of `write`; the writer goes on (the next request writes again). */
  onError: (err: unknown) => void;
  /** The first write waits this long after the writer is made (default 0: at once). */
  firstAfterMs?: number;
  /** Milliseconds clock (tests give a fake one through vitest's fake timers). */
  now?: () => number;
}

export class ThrottledWriter {
  private pending = false;
  private closed = false;
  private writing: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Earliest start of the next write. */
  private nextAt = -Infinity;
  private readonly now: () => number;
  /** Writes started so far. */
  writes = 0;

  constructor(
    private readonly write: () => Promise<void>,
    private readonly opts: ThrottledWriterOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.nextAt = this.now() + (opts.firstAfterMs ?? 0);
  }

  /** Asks for a write: now if allowed, else one trailing write when the interval has passed. */
  request(): void {
    if (this.closed) return;
    this.pending = true;
    this.pump();
  }

  private pump(): void {
    if (this.closed || !this.pending || this.writing || this.timer) return;
    const wait = this.nextAt - this.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, wait);
      // A live write still waiting must not keep the process alive: the final write supersedes it.
      this.timer.unref?.();
      return;
    }
    this.pending = false;
    this.writes++;
    const started = this.now();
    this.writing = (async () => {
      try {
        await this.write();
      } catch (err) {
        this.opts.onError(err);
      }
    })().finally(() => {
      const ended = this.now();
      this.nextAt = ended + Math.max(this.opts.minIntervalMs, 2 * (ended - started));
      this.writing = null;
      this.pump();
    });
  }

  /** No more writes: drops a waiting one and resolves once a write in progress has ended. */
  async close(): Promise<void> {
    this.closed = true;
    this.pending = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.writing;
  }
}

/** The messages between the driver (index.ts) and the live report's render thread (live-worker.ts). */
export interface LiveWriteRequest {
  studyDir: string;
  reportsDir: string;
  study: StudyRecord;
}
/** To the thread: a write, then `go` once it has said `rendered` (it writes no file before). */
export type LiveWriteMessage = ({ type: 'write' } & LiveWriteRequest) | { type: 'go' };
/** From the thread: `rendered` (nothing written yet; waits for go), then `done` or `error`. */
export type LiveWriteReply = { type: 'rendered' } | { type: 'done' } | { type: 'error'; message: string };
