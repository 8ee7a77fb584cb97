import { describe, expect, it } from 'vitest';
import { computeImportance } from '../../src/report/importance.js';
import { describeParams, normalizeParam } from '../../src/report/params.js';
import type { FrozenTrial } from '../../src/core/types.js';
import { makeTrials } from './helpers/fixture.js';

function trials(n: number, f: (i: number) => { params: FrozenTrial['params']; value: number }): FrozenTrial[] {
  return Array.from({ length: n }, (_, i) => ({
    number: i, state: 'complete' as const, ...f(i), intermediateValues: [], epochs: [],
    datetimeStart: '', datetimeComplete: null, backend: null, seed: i,
  }));
}

describe('parameter importance (fANOVA-like η²)', () => {
  it('ranks the param that drives the value first and a shuffled one near zero', () => {
    const ts = trials(24, (i) => {
      const lr = 10 ** (-4 + (i % 8) * 0.4);
      const opt = ['adam', 'sgd', 'rmsprop'][i % 3]!;
      const noise = Math.floor(i / 8) / 10; // unrelated to the value, balanced against lr
      return { params: { lr, opt, noise }, value: 0.99 - 0.05 * Math.abs(Math.log10(lr) + 2.5) - (opt === 'sgd' ? 0.02 : 0) };
    });
    const r = computeImportance(ts);
    expect(r.note).toBeNull();
    expect(r.trialsUsed).toBe(24);
    expect(r.importances.map((p) => p.name)[0]).toBe('lr');
    const byName = Object.fromEntries(r.importances.map((p) => [p.name, p]));
    expect(byName.lr!.eta2).toBeGreaterThan(0.5);
    expect(byName.noise!.eta2).toBeLessThan(0.05);
    expect(byName.opt!.eta2).toBeGreaterThan(byName.noise!.eta2 + 0.1);
    expect(r.importances.reduce((a, p) => a + p.importance, 0)).toBeCloseTo(1);
  });

  it('says why when there are too few trials, and uses pruned ones when few are complete', () => {
    const few = computeImportance(trials(2, (i) => ({ params: { lr: i }, value: i })));
    expect(few.note).toMatch(/too few scored trials/);
    const fixture = makeTrials();
    fixture.filter((t) => t.state === 'complete').slice(2).forEach((t) => (t.state = 'pruned'));
    expect(computeImportance(fixture).states).toEqual(['complete', 'pruned']);
  });

  it('takes log scale from the space, else from a wide positive range', () => {
    const ts = makeTrials();
    const infos = describeParams(ts, { params: { dropout: { log: false }, noise: { type: 'float' } } });
    const byName = Object.fromEntries(infos.map((p) => [p.name, p]));
    expect(byName.lr).toMatchObject({ kind: 'numeric', log: true });
    expect(byName.dropout).toMatchObject({ kind: 'numeric', log: false });
    expect(byName.optimizer).toMatchObject({ kind: 'categorical', values: ['adam', 'sgd', 'rmsprop'] });
    expect(normalizeParam(byName.lr!, 1e-3)).toBeCloseTo((Math.log10(1e-3) - Math.log10(1e-4)) / (Math.log10(5e-2) - Math.log10(1e-4)));
    expect(normalizeParam(byName.optimizer!, 'sgd')).toBe(0.5);
  });
});
