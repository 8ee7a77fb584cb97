/**
 * Refit scheduling in the real optimize loop (scripted trainer, virtual clock, in-memory store): the
 * plan (top K by value, epochs = the source's best epoch or N), trials of kind `refit` with their
 * source, never pruned, not counted in the search budget, unseen by the sampler, not redone, a
 * non-finite training loss fails them; and the refit: section's one-line errors.
 */
import { describe, expect, it } from 'vitest';
import { createPruner } from '../../src/pruners/index.js';
import { createSampler, type Sampler } from '../../src/samplers/index.js';
import { parseSearchSpace, validateSearchSpace, type SearchSpace } from '../../src/search-space/index.js';
import { MemoryTrialStore } from '../../src/storage/index.js';
import { optimize } from '../../src/study/optimize.js';
import type { FixedTrialConfig } from '../../src/study/phases.js';
import { planRefit, refitTrialsByRank } from '../../src/study/refit.js';
import type { FrozenTrial } from '../../src/core/types.js';
import { VirtualClock } from '../../src/core/clock.js';
import { VirtualRunner } from '../../src/virtual/virtual-runner.js';
import type { ScriptedFault } from '../../src/scripted/trainer.js';

const SPACE: SearchSpace = validateSearchSpace(
  {
    params: { lr: { type: 'float', low: 1e-4, high: 1e-2, log: true }, dropout: { type: 'float', low: 0.1, high: 0.6 } },
    fixed: { epochs: 4, batchSize: 64 },
    budget: { trials: 6, workers: 2 },
    sampler: { type: 'random' },
    // Prunes every search trial at epoch 3 (the scripted curves stay below 0.999): what a refit must never be.
    pruner: { type: 'threshold', lower: 0.999, nWarmupSteps: 2 },
    seed: 3,
    lag: 1,
    keepModels: 0,
  },
  'test',
);

/** The loop with the scripted trainer on a virtual clock; `fixed` runs the refit phase. */
async function run(store: MemoryTrialStore, space: SearchSpace, o: { fixed?: FixedTrialConfig[]; sampler?: Sampler; fault?: ScriptedFault } = {}) {
  if (!(await store.getStudy())) {
    await store.createStudy({ name: 'r', createdAt: '2024-01-01T00:00:00Z', spaceFile: 't', space, direction: 'maximize', dataSource: 's', dataFingerprint: 's' });
  }
  const clock = new VirtualClock();
  return optimize({
    store,
    space,
    sampler: o.sampler ?? createSampler(space.sampler),
    pruner: createPruner(space.pruner),
    runner: new VirtualRunner({ clock, concurrency: 2, ...(o.fault ? { fault: o.fault } : {}) }),
    studyDir: '/nonexistent/digit-sweep-refit-test',
    trainer: 'scripted',
    backend: 'scripted',
    clock,
    ...(o.fixed ? { fixed: o.fixed } : {}),
  });
}

const noPruning = { ...SPACE, pruner: validateSearchSpace({ pruner: { type: 'none' } }, 't').pruner };

describe('refit planning', () => {
  it('takes the K best complete search trials, with their best epoch or the given epochs', async () => {
    const store = new MemoryTrialStore();
    await run(store, noPruning);
    const trials = await store.listTrials();
    const ranked = trials.filter((t) => t.state === 'complete').sort((a, b) => b.value! - a.value! || a.number - b.number);
    const plan = planRefit(trials, noPruning, { top: 2, epochs: 'auto' });
    expect(plan.map((c) => c.refit.source)).toEqual(ranked.slice(0, 2).map((t) => t.number));
    for (const c of plan) {
      const src = trials.find((t) => t.number === c.refit.source)!;
      // The best epoch: the first epoch with the trial's value.
      expect(c.refit.epochs).toBe(src.intermediateValues.indexOf(src.value!) + 1);
      expect(c.params).toEqual(src.params);
      expect(c.kind).toBe('refit');
    }
    expect(planRefit(trials, noPruning, { top: 3, epochs: 7 }).map((c) => c.refit.epochs)).toEqual([7, 7, 7]);
    // More than there are: all of them; refit trials and unfinished ones are never sources.
    const withRefit: FrozenTrial[] = [...trials, { ...ranked[0]!, number: 99, kind: 'refit', refit: { source: ranked[0]!.number, epochs: 4 }, value: 1 }];
    expect(planRefit(withRefit, noPruning, { top: 50, epochs: 'auto' }).map((c) => c.refit.source)).toEqual(ranked.map((t) => t.number));
  });
});

describe('refit trials in the optimize loop', () => {
  it('runs the plan as refit trials: never pruned, value = last training accuracy, outside the budget and the sampler, not redone', async () => {
    const store = new MemoryTrialStore();
    const search = await run(store, noPruning);
    expect(search.reason).toBe('budget of 6 trials reached');
    const before = await store.listTrials();

    // The refit under SPACE's pruner, which prunes every search trial at epoch 3 (below).
    const plan = planRefit(before, SPACE, { top: 2, epochs: 4 });
    expect(plan).toHaveLength(2);
    const refit = await run(store, SPACE, { fixed: plan });
    expect(refit.reason).toBe('refit done: 2 configuration(s)');
    const after = await store.listTrials();
    // The search trials are untouched.
    expect(after.slice(0, before.length)).toEqual(before);
    const refits = after.filter((t) => t.kind === 'refit');
    expect(refits.map((t) => t.number)).toEqual([6, 7]);
    expect(refits.map((t) => t.refit)).toEqual(plan.map((c) => c.refit));
    for (const t of refits) {
      const src = before.find((s) => s.number === t.refit!.source)!;
      expect(t.params).toEqual(src.params);
      // Never pruned, though the threshold pruner would have stopped it (its accuracy stays below 0.999).
      expect(t.state).toBe('complete');
      expect(t.epochs.map((m) => m.epoch)).toEqual([1, 2, 3, 4]);
      // No validation: the value is the training accuracy, of the last epoch (the kept model's).
      for (const m of t.epochs) expect(m.valAcc).toBeNaN();
      expect(t.intermediateValues).toEqual(t.epochs.map((m) => m.trainAcc));
      expect(t.value).toBe(t.epochs[3]!.trainAcc);
      // Its model is always kept (keepModels: 0 is for search trials); the scripted trainer writes none.
      expect(t.modelDir).toBeNull();
    }
    expect(refitTrialsByRank(after, 'maximize').map((t) => t.refit!.source)).toEqual(plan.map((c) => c.refit.source));

    // Again: the same plan is not redone, and the search budget still counts 6 trials (refits do not count).
    const again = await run(store, SPACE, { fixed: plan });
    expect(again.reason).toBe('refit done: 2 configuration(s)');
    expect(await store.listTrials()).toEqual(after);
    const seen: number[] = [];
    const spy: Sampler = {
      sample: (ctx) => {
        seen.push(...ctx.history.map((t) => t.number));
        return createSampler(SPACE.sampler).sample(ctx);
      },
    } as Sampler;
    const more = await run(store, { ...SPACE, budget: { ...SPACE.budget, trials: 8 } }, { sampler: spy });
    expect(more.reason).toBe('budget of 8 trials reached');
    const final = await store.listTrials();
    expect(final.filter((t) => t.kind !== 'refit').map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5, 8, 9]);
    expect(final.filter((t) => t.number >= 8).map((t) => [t.state, t.epochs.length])).toEqual([['pruned', 3], ['pruned', 3]]);
    // The sampler never saw a refit trial.
    expect(seen.some((n) => n === 6 || n === 7)).toBe(false);
    expect(seen.length).toBeGreaterThan(0);
  });

  it('fails a refit whose training loss is not finite (it is never pruned)', async () => {
    const store = new MemoryTrialStore();
    await run(store, noPruning);
    const plan = planRefit(await store.listTrials(), noPruning, { top: 1, epochs: 3 });
    await run(store, noPruning, { fixed: plan, fault: { mode: 'nan', epoch: 2 } });
    const t = (await store.listTrials()).find((x) => x.kind === 'refit')!;
    expect(t.state).toBe('fail');
    expect(t.error).toMatch(/^non-finite training accuracy at epoch 2/);
    expect(t.value).toBeNull();
    // A failed refit is tried again by the next run.
    await run(store, noPruning, { fixed: plan });
    const refits = (await store.listTrials()).filter((x) => x.kind === 'refit');
    expect(refits.map((x) => x.state)).toEqual(['fail', 'complete']);
  });
});

describe('the refit: section of a space', () => {
  it('defaults to top 1 and auto epochs; absent means no refit', () => {
    expect(parseSearchSpace('refit: {}\n', 's.yaml').refit).toEqual({ top: 1, epochs: 'auto' });
    expect(parseSearchSpace('refit: { top: 3, epochs: 12 }\n', 's.yaml').refit).toEqual({ top: 3, epochs: 12 });
    expect(parseSearchSpace('seed: 1\n', 's.yaml').refit).toBeUndefined();
  });

  it.each([
    ['refit: { top: 0 }\n', 's.yaml: refit.top: must be > 0 (got 0)'],
    ['refit: { epochs: many }\n', 's.yaml: refit.epochs: must be an integer >= 1 or auto (got "many")'],
    ['refit: { epochs: 2.5 }\n', 's.yaml: refit.epochs: must be an integer >= 1 or auto (got 2.5)'],
    ['refit: { tops: 2 }\n', 's.yaml: refit.tops: unknown key (got 2)'],
  ])('%j -> one line naming file, field and value', (text, message) => {
    expect(() => parseSearchSpace(text, 's.yaml')).toThrow(message);
  });
});
