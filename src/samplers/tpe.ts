/**
 * Tree-structured Parzen Estimator after Optuna's TPESampler (optuna/samplers/_tpe/sampler.py, univariate),
 * with its defaults except one: `constantLiar` is on by default here (Optuna: constant_liar=False), because a
 * sweep runs trials in parallel and, with `lag`, trials n-lag .. n-1 count as running for trial n (study/view.ts);
 * with one worker and lag 0 nothing is running and the default changes nothing. `constantLiar: false` gives
 * Optuna's behaviour.
 *  - the first `nStartupTrials` (10) finished trials are sampled at random;
 *  - then the known trials are split into a "good" group of gamma(n) = min(ceil(0.1 n), 25) trials
 *    (best complete trials first, then pruned trials ranked by the last step they reached and their
 *    value there) and a "bad" group (the rest);
 *  - constant liar (default on, see above): trials still running count as the worst, i.e. they join the
 *    bad group with their params, so parallel workers are pushed away from each other's points;
 *  - per param, l(x) and g(x) are Parzen estimators (parzen.ts) of the good and bad groups;
 *    `nEiCandidates` (24) candidates are drawn from l and the one maximizing log l - log g wins.
 * Log distributions live in log space; ints and stepped floats are discrete; categoricals use a
 * categorical kernel. Failed trials are ignored.
 *
 * `multivariate: true` (Optuna's multivariate=True): the same split and constant liar, but l and g are
 * joint estimators over all params (parzen.ts, JointParzen), each kernel one whole observation, and a
 * candidate is drawn whole from one kernel of l; kernel widths follow Scott's rule on the group's
 * prior-regularized spread (scottBandwidth) instead of Optuna's fixed fraction of the range, and the
 * magic clip is off unless `considerMagicClip: true` (npm run bench:search measures both against
 * Optuna 3.1.0).
 */
import { UserError } from '../core/errors.js';
import { createRng, mixSeed, type Rng } from '../core/random.js';
import type { Distribution, TpeSamplerConfig } from '../search-space/schema.js';
import { contains, snapToStep } from '../search-space/distributions.js';
import type { Direction, FrozenTrial, ParamValue, Params } from '../core/types.js';
import { CategoricalParzen, JointParzen, NumericalParzen, type ParzenDimension, type ParzenOptions } from './parzen.js';
import { sampleAllUniform } from './random.js';
import type { SampleContext, Sampler } from './types.js';

/** Optuna's default gamma: size of the good group among n trials. */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

export const TPE_DEFAULTS: TpeSamplerConfig = {
  type: 'tpe',
  nStartupTrials: 10,
  nEiCandidates: 24,
  constantLiar: true,
  priorWeight: 1,
  considerEndpoints: false,
  multivariate: false,
};

function checkConfig(c: TpeSamplerConfig): void {
  if (!Number.isInteger(c.nStartupTrials) || c.nStartupTrials < 0) {
    throw new UserError(`nStartupTrials must be an integer >= 0, got ${c.nStartupTrials}`);
  }
  if (!Number.isInteger(c.nEiCandidates) || c.nEiCandidates < 1) {
    throw new UserError(`nEiCandidates must be an integer >= 1, got ${c.nEiCandidates}`);
  }
  if (!(c.priorWeight > 0)) throw new UserError(`priorWeight must be > 0, got ${c.priorWeight}`);
}

/** Splits the known trials into Optuna's good ("below") and bad ("above") groups of params. */
export function splitTrials(
  history: readonly FrozenTrial[],
  running: readonly Params[],
  direction: Direction,
  constantLiar: boolean,
): { below: Params[]; above: Params[] } {
  const sign = direction === 'maximize' ? -1 : 1; // ascending sort of sign*value puts the best first
  const complete = history.filter((t) => t.state === 'complete' && t.value !== null && Number.isFinite(t.value));
  const pruned = history.filter((t) => t.state === 'pruned');
  const liars = constantLiar ? running : [];
  let nBelow = defaultGamma(complete.length + pruned.length + liars.length);

  const byNumber = (a: FrozenTrial, b: FrozenTrial): number => a.number - b.number;
  const completeSorted = [...complete].sort((a, b) => sign * a.value! - sign * b.value! || a.number - b.number);
  const belowComplete = completeSorted.slice(0, Math.min(nBelow, completeSorted.length));
  const aboveComplete = completeSorted.slice(belowComplete.length);
  nBelow -= belowComplete.length;

  const lastStepValue = (t: FrozenTrial): number => {
    const v = t.intermediateValues[t.intermediateValues.length - 1];
    return v === undefined || !Number.isFinite(v) ? Infinity : sign * v;
  };
  const prunedSorted = [...pruned].sort(
    (a, b) =>
      b.intermediateValues.length - a.intermediateValues.length || lastStepValue(a) - lastStepValue(b) || a.number - b.number,
  );
  const belowPruned = prunedSorted.slice(0, Math.max(0, Math.min(nBelow, prunedSorted.length)));
  const abovePruned = prunedSorted.slice(belowPruned.length);

  const below = [...belowComplete, ...belowPruned].sort(byNumber).map((t) => t.params);
  const above = [...aboveComplete, ...abovePruned].sort(byNumber).map((t) => t.params);
  return { below, above: [...above, ...liars] };
}

/** How one distribution maps to the estimator's internal space. */
interface NumericalTransform {
  low: number;
  high: number;
  step: number | null;
  to(v: number): number;
  from(x: number): number;
}

function numericalTransform(d: Exclude<Distribution, { type: 'categorical' }>): NumericalTransform {
  const clamp = (v: number): number => Math.min(Math.max(v, d.low), d.high);
  if (d.type === 'int' && d.log) {
    return {
      low: Math.log(d.low - 0.5),
      high: Math.log(d.high + 0.5),
      step: null,
      to: Math.log,
      from: (x) => clamp(Math.round(Math.exp(x))),
    };
  }
  if (d.log) return { low: Math.log(d.low), high: Math.log(d.high), step: null, to: Math.log, from: (x) => clamp(Math.exp(x)) };
  if (d.step !== null) {
    const step = d.step;
    return { low: d.low, high: d.high, step, to: (v) => v, from: (x) => snapToStep(x, d.low, d.high, step) };
  }
  return { low: d.low, high: d.high, step: null, to: (v) => v, from: clamp };
}

export class TpeSampler implements Sampler {
  readonly name = 'tpe';
  readonly config: TpeSamplerConfig;
  /** Parzen options, with the magic clip's per-mode default resolved. */
  private readonly parzen: ParzenOptions;

  constructor(config: Partial<TpeSamplerConfig> = {}) {
    this.config = { ...TPE_DEFAULTS, ...config, type: 'tpe' };
    checkConfig(this.config);
    this.parzen = {
      priorWeight: this.config.priorWeight,
      considerEndpoints: this.config.considerEndpoints,
      considerMagicClip: this.config.considerMagicClip ?? !this.config.multivariate,
    };
  }

  sample(ctx: SampleContext): Params {
    const rng = createRng(mixSeed(ctx.seed, ctx.trialNumber));
    const nFinished = ctx.history.filter((t) => t.state === 'complete' || t.state === 'pruned').length;
    if (nFinished < this.config.nStartupTrials || nFinished === 0) return sampleAllUniform(ctx.space.params, rng);
    const { below, above } = splitTrials(ctx.history, ctx.running, ctx.space.objective.direction, this.config.constantLiar);
    if (this.config.multivariate) return this.sampleJoint(ctx.space.params, below, above, rng);
    const out: Params = {};
    for (const [name, d] of Object.entries(ctx.space.params)) {
      const obs = (group: Params[]): ParamValue[] =>
        group.map((p) => p[name]).filter((v): v is ParamValue => v !== undefined && contains(d, v));
      out[name] = this.sampleParam(d, obs(below), obs(above), rng);
    }
    return out;
  }

  private sampleParam(d: Distribution, below: ParamValue[], above: ParamValue[], rng: Rng): ParamValue {
    const opts = this.parzen;
    if (d.type === 'categorical') {
      const index = (v: ParamValue): number => d.choices.findIndex((c) => c === v);
      const l = new CategoricalParzen(below.map(index), d.choices.length, opts);
      const g = new CategoricalParzen(above.map(index), d.choices.length, opts);
      let best = -1;
      let bestScore = -Infinity;
      for (let i = 0; i < this.config.nEiCandidates; i++) {
        const c = l.sample(rng);
        const score = l.logPdf(c) - g.logPdf(c);
        if (best < 0 || score > bestScore) [best, bestScore] = [c, score];
      }
      return d.choices[best]!;
    }
    const tr = numericalTransform(d);
    const l = new NumericalParzen(below.map((v) => tr.to(v as number)), tr.low, tr.high, tr.step, opts);
    const g = new NumericalParzen(above.map((v) => tr.to(v as number)), tr.low, tr.high, tr.step, opts);
    let best = NaN;
    let bestScore = -Infinity;
    for (let i = 0; i < this.config.nEiCandidates; i++) {
      const x = l.sample(rng);
      const score = l.logPdf(x) - g.logPdf(x);
      if (Number.isNaN(best) || score > bestScore) [best, bestScore] = [x, score];
    }
    return tr.from(best);
  }

  /**
   * Multivariate: l and g are JointParzen estimators over every param (observations that lack a
   * param or hold a value outside its distribution, e.g. from an older space, are left out), and the
   * nEiCandidates candidates are drawn whole from l.
   */
  private sampleJoint(params: Record<string, Distribution>, below: Params[], above: Params[], rng: Rng): Params {
    const entries = Object.entries(params);
    const dims: ParzenDimension[] = [];
    const toInternal: Array<(v: ParamValue) => number> = [];
    const fromInternal: Array<(x: number) => ParamValue> = [];
    for (const [, d] of entries) {
      if (d.type === 'categorical') {
        dims.push({ kind: 'categorical', nChoices: d.choices.length });
        toInternal.push((v) => d.choices.findIndex((c) => c === v));
        fromInternal.push((i) => d.choices[i]!);
      } else {
        const tr = numericalTransform(d);
        dims.push({ kind: 'numerical', low: tr.low, high: tr.high, step: tr.step });
        toInternal.push((v) => tr.to(v as number));
        fromInternal.push(tr.from);
      }
    }
    const points = (group: Params[]): number[][] =>
      group
        .filter((p) => entries.every(([name, d]) => p[name] !== undefined && contains(d, p[name]!)))
        .map((p) => entries.map(([name], j) => toInternal[j]!(p[name]!)));
    const l = new JointParzen(points(below), dims, this.parzen);
    const g = new JointParzen(points(above), dims, this.parzen);
    let best: number[] | null = null;
    let bestScore = -Infinity;
    for (let i = 0; i < this.config.nEiCandidates; i++) {
      const x = l.sample(rng);
      const score = l.logPdf(x) - g.logPdf(x);
      if (best === null || score > bestScore) [best, bestScore] = [x, score];
    }
    const out: Params = {};
    entries.forEach(([name], j) => (out[name] = fromInternal[j]!(best![j]!)));
    return out;
  }
}
