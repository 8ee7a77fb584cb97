/**
 * Where the optimize loop reads the time: the system clock in a real sweep, a virtual one
 * (VirtualClock below) when the loop runs on scripted trials in simulated time (tests, bench:pruning).
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * A signal that aborts `ms` from now on this clock, with a TimeoutError as AbortSignal.timeout does (the
   * trial time limit); `clear()` drops the timer when it is no longer needed.
   */
  timeout(ms: number): ClockTimeout;
}

export interface ClockTimeout {
  signal: AbortSignal;
  clear(): void;
}

const timeoutError = (ms: number) => new DOMException(`timed out after ${ms} ms`, 'TimeoutError');

export const systemClock: Clock = {
  now: () => Date.now(),
  timeout(ms) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(timeoutError(ms)), ms);
    timer.unref(); // a pending limit must not keep the process alive (as AbortSignal.timeout)
    return { signal: controller.signal, clear: () => clearTimeout(timer) };
  },
};

/**
 * Simulated time. How it advances: every sleeping trial waits on a timer of the clock. The clock wakes ONE
 * timer (the earliest; ties in the order they were set) per turn of the event loop (setImmediate), i.e.
 * only once every promise chain that can run has run. See virtual/virtual-runner.ts for how the optimize
 * loop runs on it.
 */
interface Timer {
  at: number;
  seq: number;
  wake: () => void;
}

export class VirtualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers: Timer[] = [];
  private turnPending = false;

  /** `start`: the virtual time at which the clock starts, in ms since the Unix epoch. */
  constructor(start = Date.UTC(2024, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  /**
   * Resolves when the clock has advanced `ms` virtual milliseconds; rejects with the signal's reason as
   * soon as `signal` aborts (its timer is dropped).
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`sleep: ms must be >= 0, got ${ms}`);
    return new Promise<void>((wake, fail) => {
      if (signal?.aborted) return fail(signal.reason);
      const timer = this.addTimer(ms, () => {
        signal?.removeEventListener('abort', onAbort);
        wake();
      });
      const onAbort = () => {
        this.removeTimer(timer);
        fail(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  timeout(ms: number): ClockTimeout {
    if (!(ms >= 0)) throw new RangeError(`timeout: ms must be >= 0, got ${ms}`);
    const controller = new AbortController();
    const timer = this.addTimer(ms, () => controller.abort(timeoutError(ms)));
    return { signal: controller.signal, clear: () => this.removeTimer(timer) };
  }

  private addTimer(ms: number, wake: () => void): Timer {
    const timer = { at: this.t + ms, seq: this.seq++, wake };
    this.timers.push(timer);
    this.scheduleTurn();
    return timer;
  }

  private removeTimer(timer: Timer): void {
    const i = this.timers.indexOf(timer);
    if (i >= 0) this.timers.splice(i, 1);
  }

  private scheduleTurn(): void {
    if (this.turnPending) return;
    this.turnPending = true;
    setImmediate(() => this.turn());
  }

  private turn(): void {
    this.turnPending = false;
    if (this.timers.length === 0) return;
    let i = 0;
    for (let k = 1; k < this.timers.length; k++) {
      const a = this.timers[k]!;
      const b = this.timers[i]!;
      if (a.at < b.at || (a.at === b.at && a.seq < b.seq)) i = k;
    }
    const [timer] = this.timers.splice(i, 1);
    this.t = Math.max(this.t, timer!.at);
    timer!.wake();
    if (this.timers.length > 0) this.scheduleTurn();
  }
}

