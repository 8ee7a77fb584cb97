/**
 * The optimize loop's state machine, in process: the real optimize() with the scripted trainer on a
 * virtual clock (virtual/virtual-runner.ts) and an in-memory store. No TF.js, no threads, no real time.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPruner } from '../../src/pruners/index.js';
import { parseSearchSpace, type SearchSpace } from '../../src/search-space/index.js';
import { FileCheckpoints, MemoryTrialStore, readCheckpointFile, writeCheckpointFile } from '../../src/storage/index.js';
import { trainParamsFor } from '../../src/study/phases.js';
import type { OptimizeEvent } from '../../src/study/optimize.js';
import { parseScriptedFault, scriptedEpochMetrics } from '../../src/scripted/trainer.js';
import type { TrialUpdate } from '../../src/storage/index.js';
import type { FrozenTrial } from '../../src/core/types.js';
import { sweepOnVirtualClock } from '../../src/virtual/virtual-runner.js';

function space(extra = ''): SearchSpace {
  return parseSearchSpace(
    `params:
  lr: {type: float, low: 1.0e-4, high: 1.0e-2, log: true}
  dropout: {type: float, low: 0.1, high: 0.6}
fixed: {epochs: 4}
sampler: {type: random}
seed: 3
${extra}`,
    'optimize-test.yaml',
  );
}

const epochsOf = (trials: FrozenTrial[]) => trials.reduce((n, t) => n + t.epochs.length, 0);

describe('optimize: budgets', () => {
  it('runs exactly budget.trials trials, each to its last epoch without a pruner', async () => {
    const { summary } = await sweepOnVirtualClock({ space: space('budget: {trials: 5}\nlag: 1'), workers: 2 });
    expect(summary.reason).toBe('budget of 5 trials reached');
    expect(summary.failed).toBe(false);
    expect(summary.trials.map((t) => [t.number, t.state, t.epochs.length])).toEqual([0, 1, 2, 3, 4].map((n) => [n, 'complete', 4]));
    for (const t of summary.trials) expect(t.value).toBe(Math.max(...t.intermediateValues));
  });

  it('stops at budget.maxEpochs: no trial goes on once the epochs are spent', async () => {
    const { summary } = await sweepOnVirtualClock({ space: space('budget: {trials: 50, maxEpochs: 10}\nlag: 1'), workers: 2 });
    expect(summary.reason).toBe('budget of 10 epochs reached');
    // Every epoch report after the 10th stops its trial: at most one more per other worker.
    expect(epochsOf(summary.trials)).toBeGreaterThanOrEqual(10);
    expect(epochsOf(summary.trials)).toBeLessThanOrEqual(11);
    expect(summary.trials.length).toBeLessThan(50);
  });

  it('stops starting trials after budget.maxWallMinutes of (virtual) time', async () => {
    const { summary, runner, clock } = await sweepOnVirtualClock({ space: space('budget: {trials: 50, maxWallMinutes: 3}\nlag: 1'), workers: 2 });
    expect(summary.reason).toBe('wall-time budget of 3 min reached');
    const t0 = runner.spans[0]!.start;
    // Scripted epochs take 10-20 virtual seconds: 3 minutes hold some trials, not 50.
    expect(summary.trials.length).toBeGreaterThan(2);
    expect(summary.trials.length).toBeLessThan(50);
    for (const s of runner.spans) expect(s.start - t0).toBeLessThan(3 * 60_000);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(3 * 60_000);
    expect(summary.trials.some((t) => t.state === 'fail')).toBe(false);
  });
});

describe('optimize: outcomes', () => {
  it('a NaN epoch prunes the trial with the reason, and is not a failure', async () => {
    const { summary } = await sweepOnVirtualClock({
      space: space('budget: {trials: 4, maxConsecutiveFailures: 1}\nlag: 0'),
      workers: 1,
      fault: parseScriptedFault('nan@2'),
    });
    expect(summary.failed).toBe(false);
    expect(summary.trials).toHaveLength(4);
    for (const t of summary.trials) {
      expect(t.state).toBe('pruned');
      expect(t.epochs).toHaveLength(2);
      expect(t.error).toMatch(/^non-finite valAcc at epoch 2/);
      expect(t.value).toBe(t.intermediateValues[0]); // the finite epoch
    }
  });

  it('maxConsecutiveFailures failures in a row stop the sweep (failed), with the last reason', async () => {
    const { summary } = await sweepOnVirtualClock({
      space: space('budget: {trials: 20, maxConsecutiveFailures: 3}\nlag: 0'),
      workers: 1,
      fault: parseScriptedFault('throw@2'),
    });
    expect(summary.failed).toBe(true);
    expect(summary.reason).toBe('3 trials failed in a row (last: scripted fault: training failed at epoch 2); stopping the sweep');
    expect(summary.trials.map((t) => t.state)).toEqual(['fail', 'fail', 'fail']);
    for (const t of summary.trials) {
      expect(t.error).toBe('scripted fault: training failed at epoch 2');
      expect(t.epochs).toHaveLength(1); // the epoch before the fault is kept
    }
  });

  it('failures that are not in a row do not stop the sweep', async () => {
    // Only trials with lr > 3e-3 fail; the random sampler interleaves them with good ones.
    const { summary } = await sweepOnVirtualClock({
      space: space('budget: {trials: 12, maxConsecutiveFailures: 3}\nlag: 0'),
      workers: 1,
      fault: parseScriptedFault('throw@1:lr>0.003'),
    });
    const states = summary.trials.map((t) => t.state);
    expect(states).toContain('fail');
    expect(states).toContain('complete');
    expect(summary.failed).toBe(false);
    expect(summary.trials).toHaveLength(12);
  });

  it('ASHA prunes at its rungs only, and never at the last epoch (rungs 1 and 2 of a 2-epoch space)', async () => {
    const s = parseSearchSpace(
      `params:
  lr: {type: float, low: 1.0e-4, high: 1.0e-2, log: true}
  dropout: {type: float, low: 0.1, high: 0.6}
  l2: {type: float, low: 1.0e-6, high: 1.0e-3, log: true}
  noise: {type: float, low: 0, high: 0.2}
fixed: {epochs: 2}
budget: {trials: 12}
sampler: {type: random}
pruner: {type: asha, minResource: 1, reductionFactor: 2}
seed: 5
lag: 0
`,
      'asha-2-epochs.yaml',
    );
    const { summary } = await sweepOnVirtualClock({ space: s, workers: 1 });
    for (const t of summary.trials) {
      if (t.state === 'pruned') expect(t.epochs).toHaveLength(1); // rung at epoch 1
      else expect([t.state, t.epochs.length]).toEqual(['complete', 2]);
    }
    expect(summary.trials.some((t) => t.state === 'pruned')).toBe(true);
    // Not vacuous: asked at epoch 2 (a rung), the pruner would have pruned some of the complete trials.
    const pruner = createPruner(s.pruner);
    const wouldPrune = summary.trials.filter(
      (t) => t.state === 'complete' && pruner.prune(summary.trials.filter((o) => o.number < t.number), t, 'maximize'),
    );
    expect(wouldPrune.length).toBeGreaterThan(0);
  });

  it('the stop signal suspends the running trials at their next epoch (left running, checkpointed), starts no more; the next run completes them', async () => {
    const ckdir = mkdtempSync(join(tmpdir(), 'ds-optimize-ckpt-'));
    const checkpoints = new FileCheckpoints(ckdir);
    const stop = new AbortController();
    const first = await sweepOnVirtualClock({
      space: space('budget: {trials: 10}\nlag: 1'),
      workers: 2,
      stopSignal: stop.signal,
      checkpoints,
      onEvent: (e) => {
        if (e.type === 'epoch' && e.trial.number === 2 && e.metrics.epoch === 1) stop.abort();
      },
    });
    expect(first.summary.reason).toBe('stopped by the user');
    expect(first.summary.trials.length).toBeLessThan(10);
    expect(first.summary.trials.filter((t) => t.state === 'fail')).toEqual([]);
    const suspended = first.summary.trials.filter((t) => t.state === 'running');
    expect(suspended.length).toBeGreaterThan(0);
    for (const t of suspended) {
      expect(t.epochs.length).toBeGreaterThan(0);
      expect((await readCheckpointFile(checkpoints.location(t.number)))!.epoch).toBe(t.epochs.length);
    }
    const resumedAt = new Map<number, number>();
    const second = await sweepOnVirtualClock({
      space: space('budget: {trials: 10}\nlag: 1'),
      workers: 2,
      store: first.store,
      checkpoints,
      onEvent: (e) => {
        if (e.type === 'trial-end' && e.resumedAt !== undefined) resumedAt.set(e.trial.number, e.resumedAt);
      },
    });
    expect(second.summary.trials).toHaveLength(10);
    for (const t of second.summary.trials) expect(['complete', 'pruned']).toContain(t.state);
    for (const t of suspended) {
      const after = second.summary.trials.find((x) => x.number === t.number)!;
      expect(after.params).toEqual(t.params);
      expect(after.epochs.slice(0, t.epochs.length)).toEqual(t.epochs);
      expect(resumedAt.get(t.number)).toBe(t.epochs.length + 1); // continued after its checkpoint
    }
    expect(readdirSync(join(ckdir, 'checkpoints'))).toEqual([]); // removed as the trials ended
    rmSync(ckdir, { recursive: true, force: true });
  });
});

describe('optimize: the trial time limit runs on the loop clock', () => {
  it('a trial longer than budget.trialTimeoutMinutes of virtual time fails at the limit with the reason, and the sweep goes on', async () => {
    // 25 virtual s per epoch, 4 epochs = 100 s per trial; the limit is 1 min: each trial ends at 60 s,
    // after its 2nd epoch (50 s) and before its 3rd (75 s). No real time passes.
    const { summary, runner } = await sweepOnVirtualClock({
      space: space('budget: {trials: 3, trialTimeoutMinutes: 1, maxConsecutiveFailures: 5}\nlag: 0'),
      workers: 1,
      epochSeconds: () => 25,
    });
    expect(summary.trials.map((t) => [t.number, t.state, t.epochs.length, t.error])).toEqual(
      [0, 1, 2].map((n) => [n, 'fail', 2, 'timed out after 1 min']),
    );
    expect(runner.spans.map((s) => s.end! - s.start)).toEqual([60_000, 60_000, 60_000]);
  });

  it('a trial that ends before the limit is not touched, and its timer does not hold the clock', async () => {
    const { summary, runner, clock } = await sweepOnVirtualClock({
      space: space('budget: {trials: 2, trialTimeoutMinutes: 10}\nlag: 0'),
      workers: 1,
      epochSeconds: () => 25,
    });
    expect(summary.trials.map((t) => [t.state, t.epochs.length])).toEqual([['complete', 4], ['complete', 4]]);
    // Both trials took 100 virtual s; the cleared 10-minute timers never advanced the clock past the last end.
    expect(runner.spans.map((s) => s.end! - s.start)).toEqual([100_000, 100_000]);
    await new Promise((r) => setImmediate(r));
    expect(clock.now()).toBe(runner.spans[1]!.end);
  });
});

describe('optimize: scheduling', () => {
  it('trials end in virtual-time order, and trial n starts only once every trial < n - lag has ended', async () => {
    const lag = 2;
    const ends: string[] = [];
    const { summary, runner } = await sweepOnVirtualClock({
      space: space(`budget: {trials: 16}\nlag: ${lag}\npruner: {type: median, nStartupTrials: 2}`),
      workers: 3,
      onEvent: (e: OptimizeEvent) => {
        if (e.type === 'trial-end') ends.push(e.trial.datetimeComplete!);
      },
    });
    expect(ends).toHaveLength(16);
    expect([...ends].sort()).toEqual(ends);
    const byNumber = new Map(runner.spans.map((s) => [s.number, s]));
    for (const s of runner.spans) {
      for (let m = 0; m < s.number - lag; m++) expect(byNumber.get(m)!.end!).toBeLessThanOrEqual(s.start);
    }
    // Three workers really ran at once at some point.
    const overlapAt = (t: number) => runner.spans.filter((s) => s.start <= t && t < s.end!).length;
    expect(Math.max(...runner.spans.map((s) => overlapAt(s.start)))).toBe(3);
    expect(summary.trials.map((t) => Date.parse(t.datetimeStart))).toEqual(runner.spans.map((s) => Math.floor(s.start)));
  });
});

describe('optimize: resume', () => {
  it('a trial left running by a dead driver continues with its number, params and seed, counts toward the budget, and numbering goes on', async () => {
    const ckdir = mkdtempSync(join(tmpdir(), 'ds-optimize-ckpt-'));
    const checkpoints = new FileCheckpoints(ckdir);
    const first = await sweepOnVirtualClock({ space: space('budget: {trials: 2}\nlag: 0'), workers: 1, checkpoints });
    const store = first.store as MemoryTrialStore;
    // The driver died while two trials ran: one in its first epoch (no checkpoint), one after epoch 2.
    const fresh = await store.createTrial({ params: { lr: 1e-3, dropout: 0.3 }, seed: 1 });
    const later = await store.createTrial({ params: { lr: 2e-3, dropout: 0.4 }, seed: 2 });
    const params = { ...trainParamsFor(space(), { lr: 2e-3, dropout: 0.4 }) };
    const done = [1, 2].map((e) => scriptedEpochMetrics(params, e, 2));
    await store.updateTrial(later, { epochs: done, intermediateValues: done.map((m) => m.valAcc) });
    await writeCheckpointFile(checkpoints.location(later), { epoch: 2, history: done, state: { trainer: 'scripted' }, arrays: [] });
    await writeCheckpointFile(checkpoints.location(0), { epoch: 1, history: done.slice(0, 1), state: {}, arrays: [] }); // a finished trial's leftover
    const resumedAt = new Map<number, number>();
    const { summary } = await sweepOnVirtualClock({
      space: space('budget: {trials: 5}\nlag: 0'),
      workers: 1,
      store,
      checkpoints,
      onEvent: (e) => {
        if (e.type === 'trial-end' && e.resumedAt !== undefined) resumedAt.set(e.trial.number, e.resumedAt);
      },
    });
    expect(summary.trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4]);
    for (const t of summary.trials) expect(['complete', 'pruned']).toContain(t.state);
    expect(summary.trials[fresh]!.params).toEqual({ lr: 1e-3, dropout: 0.3 });
    expect(summary.trials[fresh]!.seed).toBe(1);
    expect(resumedAt.get(fresh)).toBe(1); // no checkpoint: from epoch 1
    expect(resumedAt.get(later)).toBe(3); // after its checkpoint's epoch 2
    expect(summary.trials[later]!.epochs.slice(0, 2)).toEqual(done);
    // The finished trials are kept as they were; no checkpoint is left.
    expect(summary.trials.slice(0, 2)).toEqual(first.summary.trials);
    expect(readdirSync(join(ckdir, 'checkpoints'))).toEqual([]);
    rmSync(ckdir, { recursive: true, force: true });
  });
});

/** A store whose write of one trial's epoch `epoch` fails once (a full disk, a lost connection). */
class FlakyStore extends MemoryTrialStore {
  failed = false;
  constructor(private readonly trial: number, private readonly epoch: number) {
    super();
  }
  override async updateTrial(number: number, update: TrialUpdate): Promise<FrozenTrial> {
    if (!this.failed && number === this.trial && update.epochs?.length === this.epoch) {
      this.failed = true;
      throw new Error('ENOSPC: no space left on device, write');
    }
    return super.updateTrial(number, update);
  }
}

describe('optimize: an error while handling an epoch fails the trial', () => {
  it('a store write that fails mid-sweep fails that trial with the reason (never pruned), and the sweep goes on', async () => {
    const store = new FlakyStore(2, 2);
    const { summary } = await sweepOnVirtualClock({ space: space('budget: {trials: 6}\nlag: 1'), workers: 2, store });
    expect(store.failed).toBe(true);
    expect(summary.failed).toBe(false);
    expect(summary.reason).toBe('budget of 6 trials reached');
    const t2 = summary.trials[2]!;
    expect(t2.state).toBe('fail');
    expect(t2.error).toBe('handling epoch 2 failed: ENOSPC: no space left on device, write');
    expect(t2.epochs).toHaveLength(1); // what the store holds
    expect(summary.trials.filter((t) => t.number !== 2).map((t) => t.state)).toEqual(['complete', 'complete', 'complete', 'complete', 'complete']);
    // The store agrees with the loop.
    expect((await store.getTrial(2))!.state).toBe('fail');
  });

  it('it counts toward the failure streak', async () => {
    const { summary } = await sweepOnVirtualClock({
      space: space('budget: {trials: 6, maxConsecutiveFailures: 1}\nlag: 0'),
      workers: 1,
      store: new FlakyStore(1, 3),
    });
    expect(summary.failed).toBe(true);
    expect(summary.reason).toBe('1 trials failed in a row (last: handling epoch 3 failed: ENOSPC: no space left on device, write); stopping the sweep');
    expect(summary.trials.map((t) => t.state)).toEqual(['complete', 'fail']);
  });

  it('a pruner that throws fails the trial with its error', async () => {
    const pruner = {
      name: 'broken',
      prune: (_v: readonly FrozenTrial[], t: FrozenTrial) => {
        if (t.number === 1) throw new TypeError('pruner bug');
        return false;
      },
    };
    const { summary } = await sweepOnVirtualClock({ space: space('budget: {trials: 3}\nlag: 0'), workers: 1, pruner });
    expect(summary.trials.map((t) => [t.state, t.error ?? null])).toEqual([
      ['complete', null],
      ['fail', 'handling epoch 1 failed: pruner bug'],
      ['complete', null],
    ]);
  });
});
