/**
 * The real optimize loop in simulated time: a virtual clock and a TrialRunner that runs the scripted
 * trainer on it. Each epoch takes the scripted trainer's `seconds` of virtual time; no real time passes.
 * Used by the determinism tests, the sizing test and bench:pruning, so they measure the product's loop
 * (optimize.ts), not a copy of it.
 *
 * How time advances: every sleeping trial waits on a timer of the clock. The clock wakes ONE timer (the
 * earliest; ties in the order they were set) per turn of the event loop (setImmediate), i.e. only once
 * every promise chain that can run has run: the loop has recorded the previous epoch, asked the pruner
 * and started whatever trials it may start. So trials report and end in virtual-time order, as they
 * would with real time and instant bookkeeping. This holds while the loop waits on nothing but the clock:
 * use it with the MemoryTrialStore and `keepModels: 0` (the runner refuses tasks that would save a model).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrialOutcome, TrialRunner, TrialTask } from '../pool/protocol.js';
import { createPruner, type Pruner } from '../pruners/index.js';
import { createSampler, type Sampler } from '../samplers/index.js';
import type { SearchSpace } from '../search-space/index.js';
import { MemoryTrialStore, type TrialStore } from '../storage/index.js';
import { VirtualClock } from '../core/clock.js';
import { optimize, type OptimizeEvent, type OptimizeSummary } from '../study/optimize.js';
import { runScriptedTrial, type ScriptedFault } from '../scripted/trainer.js';
import type { CheckpointStore } from '../storage/checkpoint.js';
import type { EpochMetrics } from '../core/types.js';

export interface VirtualRunnerOptions {
  clock: VirtualClock;
  /** Trials run at once (the number of workers simulated). */
  concurrency: number;
  /** A fault injected into every trial it applies to (see scripted/trainer.ts); default none. */
  fault?: ScriptedFault | null;
  /** Virtual seconds of one epoch; default: the scripted trainer's `seconds`. */
  epochSeconds?: (task: TrialTask, metrics: EpochMetrics) => number;
}

/** One trial as the runner saw it, in virtual ms. */
export interface VirtualTrialSpan {
  number: number;
  start: number;
  end: number | null;
}

export class VirtualRunner implements TrialRunner {
  readonly concurrency: number;
  /** Every trial run, in start order. */
  readonly spans: VirtualTrialSpan[] = [];
  private running = 0;

  constructor(private readonly opts: VirtualRunnerOptions) {
    if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${opts.concurrency}`);
    this.concurrency = opts.concurrency;
  }

  async run(task: TrialTask, onEpoch: (m: EpochMetrics) => Promise<boolean>, signal?: AbortSignal): Promise<TrialOutcome> {
    if (task.trainer !== 'scripted') throw new Error(`the virtual-clock runner runs the scripted trainer only (got ${task.trainer})`);
    // (A refit trial always names a model folder; the scripted trainer writes nothing there.)
    if (task.saveDir !== null && !task.refit) throw new Error('the virtual-clock runner keeps no models: use keepModels: 0');
    if (this.running >= this.concurrency) throw new Error(`the loop started a trial while ${this.running} of ${this.concurrency} workers were busy`);
    const { clock } = this.opts;
    const span: VirtualTrialSpan = { number: task.number, start: clock.now(), end: null };
    this.spans.push(span);
    this.running++;
    try {
      signal?.throwIfAborted();
      return await runScriptedTrial(
        task,
        async (m) => {
          // The epoch takes its virtual time; an abort (the trial's time limit) ends it at once.
          await clock.sleep(1000 * (this.opts.epochSeconds ? this.opts.epochSeconds(task, m) : m.seconds), signal);
          return onEpoch(m);
        },
        { epochDelayMs: 0, fault: this.opts.fault ?? null },
      );
    } finally {
      this.running--;
      span.end = clock.now();
    }
  }

  /** Virtual worker-ms spent idle between the first trial's start and the last trial's start. */
  idleBeforeLastStart(): number {
    if (this.spans.length === 0) return 0;
    const t0 = this.spans[0]!.start;
    const t1 = Math.max(...this.spans.map((s) => s.start));
    let busy = 0;
    for (const s of this.spans) busy += Math.max(0, Math.min(s.end ?? t1, t1) - s.start);
    return this.concurrency * (t1 - t0) - busy;
  }

  /** Virtual ms from the first start to the last end. */
  makespan(): number {
    if (this.spans.length === 0) return 0;
    return Math.max(...this.spans.map((s) => s.end ?? s.start)) - this.spans[0]!.start;
  }

  async close(): Promise<void> {}
}

export interface VirtualSweepOptions {
  space: SearchSpace;
  /** Workers simulated (the runner's concurrency). */
  workers: number;
  /** Default: createSampler(space.sampler). */
  sampler?: Sampler;
  /** Default: createPruner(space.pruner). */
  pruner?: Pruner;
  /** Default: a new MemoryTrialStore holding a new study. A store that already holds one is resumed. */
  store?: TrialStore;
  fault?: ScriptedFault | null;
  epochSeconds?: VirtualRunnerOptions['epochSeconds'];
  stopSignal?: AbortSignal;
  onEvent?: (e: OptimizeEvent) => void;
  /** Where trials keep checkpoints (resume tests); default none. */
  checkpoints?: CheckpointStore;
}

export interface VirtualSweep {
  summary: OptimizeSummary;
  store: TrialStore;
  runner: VirtualRunner;
  clock: VirtualClock;
}

/**
 * The real optimize() with the scripted trainer on a virtual clock and an in-memory store. The space's
 * `keepModels` is set to 0 (no model is trained, none is kept); nothing else of it changes.
 */
export async function sweepOnVirtualClock(o: VirtualSweepOptions): Promise<VirtualSweep> {
  const space: SearchSpace = { ...o.space, keepModels: 0 };
  const clock = new VirtualClock();
  const store = o.store ?? new MemoryTrialStore();
  if (!(await store.getStudy())) {
    await store.createStudy({
      name: 'virtual',
      createdAt: new Date(clock.now()).toISOString(),
      spaceFile: '(virtual)',
      space,
      direction: space.objective.direction,
      dataSource: 'scripted',
      dataFingerprint: 'scripted',
    });
  }
  const runner = new VirtualRunner({
    clock,
    concurrency: o.workers,
    ...(o.fault !== undefined ? { fault: o.fault } : {}),
    ...(o.epochSeconds ? { epochSeconds: o.epochSeconds } : {}),
  });
  const summary = await optimize({
    store,
    space,
    sampler: o.sampler ?? createSampler(space.sampler),
    pruner: o.pruner ?? createPruner(space.pruner),
    runner,
    // No model is ever saved (saveDir is null); the loop only removes leftover folders under it.
    studyDir: join(tmpdir(), 'digit-sweep-virtual-clock-keeps-no-models'),
    trainer: 'scripted',
    backend: 'scripted',
    clock,
    ...(o.stopSignal ? { stopSignal: o.stopSignal } : {}),
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
    ...(o.checkpoints ? { checkpoints: o.checkpoints } : {}),
  });
  return { summary, store, runner, clock };
}
