/**
 * Parameter importance, fANOVA-like: for each parameter, the share of the variance of the objective
 * that is explained by the parameter's binned marginal means (the correlation ratio η²):
 *
 *   η²(p) = Σ_b n_b (mean_b − mean)² / Σ_i (y_i − mean)²
 *
 * Numeric params are cut into up to 4 quantile bins (so a log-scaled param is binned the same as its
 * log: quantiles do not depend on the scale), categorical params group by value, trials without the
 * param form their own group. Importances are the η² normalized to sum to 1 over the params. Only
 * complete trials count (a pruned trial's value is cut short), unless fewer than 3 are complete, then
 * pruned trials join. With few trials η² is biased upwards (about (bins−1)/(n−1) for a useless param).
 */
import type { FrozenTrial, ParamValue } from '../core/types.js';
import { describeParams } from './params.js';

export const IMPORTANCE_METHOD =
  'fANOVA-like: share of the objective’s variance explained by each parameter’s binned marginal means ' +
  '(correlation ratio η²; numeric params in up to 4 quantile bins, categorical params by value), ' +
  'normalized to sum to 1.';

export interface ParamImportance {
  name: string;
  /** η² in 0..1. */
  eta2: number;
  /** η² normalized over all params (sums to 1 when any param explains anything). */
  importance: number;
  bins: number;
}

export interface ImportanceResult {
  importances: ParamImportance[];
  /** Trials the estimate used and which states they were drawn from. */
  trialsUsed: number;
  states: string[];
  /** Why no estimate could be made (too few trials, constant objective), else null. */
  note: string | null;
}

const MAX_BINS = 4;

function binKeys(values: Array<ParamValue | undefined>, numeric: boolean): string[] {
  if (!numeric) return values.map((v) => (v === undefined ? '\u0000unset' : `${typeof v}:${String(v)}`));
  const present = (values.filter((v) => v !== undefined) as number[]).slice().sort((a, b) => a - b);
  const distinct = [...new Set(present)];
  const k = Math.min(MAX_BINS, distinct.length, Math.max(1, Math.floor(present.length / 2)));
  // Upper edges of k quantile bins.
  const edges: number[] = [];
  for (let b = 1; b < k; b++) edges.push(present[Math.floor((b * present.length) / k) - 1]!);
  return values.map((v) => {
    if (v === undefined) return '\u0000unset';
    let b = 0;
    while (b < edges.length && (v as number) > edges[b]!) b++;
    return `bin${b}`;
  });
}

export function computeImportance(trials: FrozenTrial[], space?: unknown): ImportanceResult {
  const scored = (states: string[]): FrozenTrial[] =>
    trials.filter((t) => states.includes(t.state) && t.value !== null && Number.isFinite(t.value));
  let states = ['complete'];
  let used = scored(states);
  if (used.length < 3) {
    states = ['complete', 'pruned'];
    used = scored(states);
  }
  const infos = describeParams(used, space);
  if (used.length < 3 || infos.length === 0) {
    return {
      importances: infos.map((p) => ({ name: p.name, eta2: 0, importance: 0, bins: 0 })),
      trialsUsed: used.length,
      states,
      note: infos.length === 0 ? 'no searched parameters' : `too few scored trials (${used.length}; need 3)`,
    };
  }
  const ys = used.map((t) => t.value as number);
  const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
  const total = ys.reduce((a, y) => a + (y - mean) ** 2, 0);
  const raw = infos.map((info) => {
    const keys = binKeys(used.map((t) => t.params[info.name]), info.kind === 'numeric');
    const groups = new Map<string, number[]>();
    keys.forEach((k, i) => {
      let g = groups.get(k);
      if (!g) groups.set(k, (g = []));
      g.push(ys[i]!);
    });
    let between = 0;
    for (const g of groups.values()) {
      const m = g.reduce((a, b) => a + b, 0) / g.length;
      between += g.length * (m - mean) ** 2;
    }
    return { name: info.name, eta2: total > 0 ? Math.min(1, between / total) : 0, bins: groups.size };
  });
  const sum = raw.reduce((a, r) => a + r.eta2, 0);
  const importances = raw
    .map((r) => ({ ...r, importance: sum > 0 ? r.eta2 / sum : 0 }))
    .sort((a, b) => b.importance - a.importance || a.name.localeCompare(b.name));
  return {
    importances,
    trialsUsed: used.length,
    states,
    note: total > 0 ? null : 'the objective is the same for every trial',
  };
}
