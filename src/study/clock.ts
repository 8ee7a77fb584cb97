/**
 * Where the optimize loop reads the time: the system clock in a real sweep, a virtual one
 * (virtual-runner.ts) when the loop runs on scripted trials in simulated time (tests, bench:pruning).
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
