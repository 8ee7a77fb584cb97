/**
 * Parzen estimators of TPE, following Optuna's rules (optuna/samplers/_tpe/parzen_estimator.py,
 * univariate case): one truncated-normal kernel per observation plus a prior kernel; bandwidth of a
 * kernel = the larger distance to its sorted neighbours (the bounds count as neighbours), clipped to
 * [range / min(100, 1 + nKernels), range] ("magic clip"); prior N((low+high)/2, range) with weight
 * `priorWeight`; observation weights flat for the 25 newest and a linear ramp for older ones.
 * Discrete params (int, float with step) use kernels integrated over each grid cell.
 */
import type { Rng } from '../core/random.js';

export interface ParzenOptions {
  priorWeight: number;
  considerMagicClip: boolean;
  considerEndpoints: boolean;
}

/** Optuna's default_weights: 1 for the newest 25 observations, a ramp 1/n..1 for older ones. */
export function defaultWeights(n: number): number[] {
  if (n === 0) return [];
  if (n < 25) return new Array<number>(n).fill(1);
  const ramp: number[] = [];
  const m = n - 25;
  for (let i = 0; i < m; i++) ramp.push(m === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (m - 1));
  return [...ramp, ...new Array<number>(25).fill(1)];
}

// ---- normal distribution helpers --------------------------------------------------------------

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Complementary error function, fractional error < 1.2e-7 (Numerical Recipes' erfcc). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
          t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** log of P(a <= Z <= b) for a standard normal Z, accurate in both tails. */
export function logNormalMass(a: number, b: number): number {
  let mass: number;
  if (a >= 0) mass = 0.5 * (erfc(a / Math.SQRT2) - erfc(b / Math.SQRT2));
  else if (b <= 0) mass = 0.5 * (erfc(-b / Math.SQRT2) - erfc(-a / Math.SQRT2));
  else mass = 1 - 0.5 * erfc(-a / Math.SQRT2) - 0.5 * erfc(b / Math.SQRT2);
  if (mass > 1e-300) return Math.log(mass);
  // Far in a tail: the density at the nearer end times the width is a close enough lower bound.
  const near = Math.min(Math.abs(a), Math.abs(b));
  return -0.5 * near * near - LOG_SQRT_2PI + Math.log(Math.max(b - a, 1e-300));
}

function logSumExp(xs: number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
}

/** A draw from N(mu, sigma) truncated to [low, high] (rejection; the mass inside is >= ~0.3 here). */
function truncatedNormal(rng: Rng, mu: number, sigma: number, low: number, high: number): number {
  for (let i = 0; i < 1000; i++) {
    const x = mu + sigma * rng.normal();
    if (x >= low && x <= high) return x;
  }
  return Math.min(Math.max(mu, low), high);
}

function pickIndex(rng: Rng, weights: readonly number[]): number {
  let u = rng.next();
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

// ---- numerical ---------------------------------------------------------------------------------

/**
 * A mixture of truncated normals on [low, high] in the (possibly log-transformed) internal space.
 * With `step` the variable is discrete: values low + k*step, kernels integrated over each cell.
 */
export class NumericalParzen {
  readonly mus: number[];
  readonly sigmas: number[];
  readonly weights: number[];
  private readonly logWeightsMinusZ: number[];

  constructor(
    observations: readonly number[],
    readonly low: number,
    readonly high: number,
    readonly step: number | null,
    opts: ParzenOptions,
  ) {
    const s = step ?? 0;
    const n = observations.length;
    const mus = [...observations];
    let sigmas: number[] = [];
    if (n > 0) {
      const order = mus.map((_, i) => i).sort((i, j) => mus[i]! - mus[j]!);
      const sorted = [low - s / 2, ...order.map((i) => mus[i]!), high + s / 2];
      const sortedSigmas: number[] = [];
      for (let k = 1; k <= n; k++) sortedSigmas.push(Math.max(sorted[k]! - sorted[k - 1]!, sorted[k + 1]! - sorted[k]!));
      if (!opts.considerEndpoints && sorted.length >= 4) {
        sortedSigmas[0] = sorted[2]! - sorted[1]!;
        sortedSigmas[n - 1] = sorted[n]! - sorted[n - 1]!;
      }
      sigmas = new Array<number>(n);
      order.forEach((i, k) => (sigmas[i] = sortedSigmas[k]!));
    }
    const range = high - low + s;
    const maxSigma = range;
    const minSigma = opts.considerMagicClip ? range / Math.min(100, 1 + n + 1) : 1e-12;
    sigmas = sigmas.map((x) => Math.min(Math.max(x, minSigma), maxSigma));
    // The prior kernel.
    mus.push(0.5 * (low + high));
    sigmas.push(range);
    const w = [...defaultWeights(n), opts.priorWeight];
    const total = w.reduce((a, b) => a + b, 0);
    this.mus = mus;
    this.sigmas = sigmas;
    this.weights = w.map((x) => x / total);
    // log weight minus the log of the kernel's mass inside the bounds (its truncation), per kernel.
    const lo = low - s / 2;
    const hi = high + s / 2;
    this.logWeightsMinusZ = mus.map((mu, i) => Math.log(this.weights[i]!) - logNormalMass((lo - mu) / sigmas[i]!, (hi - mu) / sigmas[i]!));
  }

  sample(rng: Rng): number {
    const i = pickIndex(rng, this.weights);
    const s = this.step ?? 0;
    const x = truncatedNormal(rng, this.mus[i]!, this.sigmas[i]!, this.low - s / 2, this.high + s / 2);
    if (this.step === null) return x;
    const k = Math.min(Math.max(Math.round((x - this.low) / this.step), 0), Math.round((this.high - this.low) / this.step));
    return this.low + k * this.step;
  }

  /** log density (continuous) or log probability (discrete) of x. */
  logPdf(x: number): number {
    const s = this.step ?? 0;
    const { mus, sigmas, logWeightsMinusZ } = this;
    const terms = new Array<number>(mus.length);
    for (let i = 0; i < mus.length; i++) {
      const mu = mus[i]!;
      const sigma = sigmas[i]!;
      let logP: number;
      if (this.step === null) {
        const z = (x - mu) / sigma;
        logP = -0.5 * z * z - LOG_SQRT_2PI - Math.log(sigma);
      } else {
        logP = logNormalMass((x - s / 2 - mu) / sigma, (x + s / 2 - mu) / sigma);
      }
      terms[i] = logWeightsMinusZ[i]! + logP;
    }
    return logSumExp(terms);
  }
}

// ---- categorical -------------------------------------------------------------------------------

/** A mixture over choice indices: each observation puts weight 1 on its choice plus a uniform prior. */
export class CategoricalParzen {
  /** Mixture probability of each choice. */
  readonly probs: number[];

  constructor(observations: readonly number[], nChoices: number, opts: ParzenOptions) {
    const n = observations.length;
    const w = [...defaultWeights(n), opts.priorWeight];
    const total = w.reduce((a, b) => a + b, 0);
    const nKernels = n + 1;
    const probs = new Array<number>(nChoices).fill(0);
    const addKernel = (weight: number, obs: number | null): void => {
      const row = new Array<number>(nChoices).fill(opts.priorWeight / nKernels);
      if (obs !== null) row[obs]! += 1;
      const rowSum = row.reduce((a, b) => a + b, 0);
      row.forEach((p, c) => (probs[c]! += (weight / total) * (p / rowSum)));
    };
    observations.forEach((o, i) => addKernel(w[i]!, o));
    // The prior kernel is uniform.
    addKernel(w[n]!, null);
    this.probs = probs;
  }

  sample(rng: Rng): number {
    return pickIndex(rng, this.probs);
  }

  logPdf(index: number): number {
    return Math.log(this.probs[index]!);
  }
}

// ---- multivariate ------------------------------------------------------------------------------

/** One dimension of a joint estimator, in the internal (possibly log-transformed) space. */
export type ParzenDimension =
  | { kind: 'numerical'; low: number; high: number; step: number | null }
  | { kind: 'categorical'; nChoices: number };

/**
 * Scott's rule for one dimension of a d-dimensional kernel density estimate,
 *   h = (4 / (d + 2))^(1 / (d + 4)) * sd * n^(-1 / (d + 4)),
 * with the standard deviation `sd` of the observations regularized by the prior: the prior kernel is
 * one more (weight priorWeight) member of the same mixture, so its spread (that of a uniform variable
 * on the range: range^2 / 12) joins the sum of squares as priorWeight pseudo-observations:
 *   sd^2 = (sum (x_i - mean)^2 + priorWeight * range^2 / 12) / (n + priorWeight - 1).
 * One observation gets the prior's spread; n clustered observations get a narrow kernel that still
 * cannot collapse (sd >= range / sqrt(12 (n + priorWeight - 1))), which is what the magic clip is for
 * in the univariate rule, so the joint estimator needs no clip.
 */
export function scottBandwidth(xs: readonly number[], range: number, d: number, priorWeight: number): number {
  const n = xs.length;
  const mean = n > 0 ? xs.reduce((a, b) => a + b, 0) / n : 0;
  const ss = xs.reduce((a, b) => a + (b - mean) ** 2, 0);
  const sd = Math.sqrt((ss + (priorWeight * range * range) / 12) / Math.max(n + priorWeight - 1, priorWeight));
  return (4 / (d + 2)) ** (1 / (d + 4)) * sd * Math.max(n, 1) ** (-1 / (d + 4));
}

/**
 * The multivariate Parzen estimator (Optuna's multivariate=True): one kernel per observation over ALL
 * the dimensions at once (a product of per-dimension truncated normals / categorical kernels sharing
 * the observation's weight), plus a prior kernel. So l(x) and g(x) model the params jointly and a
 * candidate is drawn whole from one good observation's neighbourhood.
 *
 * Bandwidth of numerical dimension j: Scott's rule on the prior-regularized spread of the group's
 * observations (scottBandwidth), the same for every kernel of the group. Optuna 3.1 uses
 * 0.2 * range_j * n^(-1/(d+4)) whatever the spread, i.e. it assumes the good group is spread over the
 * whole range, which is what TPE's good group is not: its kernels are several times too wide once the
 * good trials cluster (bench:search measures the difference). With `considerMagicClip` widths are
 * clipped to [range_j / min(100, n + 2), range_j] as Optuna does (off by default here: see
 * scottBandwidth). The prior kernel is N(centre, range_j). Categorical kernels are the univariate ones.
 */
export class JointParzen {
  /** Mixture weight of each kernel (observations, then the prior), summing to 1. */
  readonly weights: number[];
  /** Per dimension: the kernel centres / widths / log truncation masses (numerical) or choice probabilities (categorical). */
  private readonly mus: number[][] = [];
  private readonly sigmas: number[][] = [];
  private readonly logZ: number[][] = [];
  private readonly logProbs: number[][][] = [];
  private readonly probs: number[][][] = [];

  constructor(
    observations: readonly (readonly number[])[],
    readonly dims: readonly ParzenDimension[],
    opts: ParzenOptions,
  ) {
    const n = observations.length;
    const w = [...defaultWeights(n), opts.priorWeight];
    const total = w.reduce((a, b) => a + b, 0);
    this.weights = w.map((x) => x / total);
    dims.forEach((d, j) => {
      if (d.kind === 'categorical') {
        const rows: number[][] = [];
        for (let k = 0; k <= n; k++) {
          const row = new Array<number>(d.nChoices).fill(opts.priorWeight / (n + 1));
          if (k < n) row[observations[k]![j]!]! += 1;
          const s = row.reduce((a, b) => a + b, 0);
          rows.push(row.map((p) => p / s));
        }
        this.probs[j] = rows;
        this.logProbs[j] = rows.map((r) => r.map(Math.log));
        return;
      }
      const s = d.step ?? 0;
      const lo = d.low - s / 2;
      const hi = d.high + s / 2;
      const range = hi - lo;
      const minSigma = opts.considerMagicClip ? range / Math.min(100, n + 2) : 1e-12;
      const mus = observations.map((o) => o[j]!);
      const sigma = Math.min(Math.max(scottBandwidth(mus, range, dims.length, opts.priorWeight), minSigma), range);
      const sigmas = mus.map(() => sigma);
      mus.push(0.5 * (lo + hi));
      sigmas.push(range);
      this.mus[j] = mus;
      this.sigmas[j] = sigmas;
      this.logZ[j] = mus.map((mu, k) => logNormalMass((lo - mu) / sigmas[k]!, (hi - mu) / sigmas[k]!));
    });
  }

  /** One draw: a kernel by weight, then every dimension from that kernel. */
  sample(rng: Rng): number[] {
    const k = pickIndex(rng, this.weights);
    return this.dims.map((d, j) => {
      if (d.kind === 'categorical') return pickIndex(rng, this.probs[j]![k]!);
      const s = d.step ?? 0;
      const x = truncatedNormal(rng, this.mus[j]![k]!, this.sigmas[j]![k]!, d.low - s / 2, d.high + s / 2);
      if (d.step === null) return x;
      const i = Math.min(Math.max(Math.round((x - d.low) / d.step), 0), Math.round((d.high - d.low) / d.step));
      return d.low + i * d.step;
    });
  }

  /** log density of a point (log probability along discrete dimensions). */
  logPdf(x: readonly number[]): number {
    const terms = this.weights.map(Math.log);
    this.dims.forEach((d, j) => {
      const v = x[j]!;
      if (d.kind === 'categorical') {
        const lp = this.logProbs[j]!;
        for (let k = 0; k < terms.length; k++) terms[k]! += lp[k]![v]!;
        return;
      }
      const mus = this.mus[j]!;
      const sigmas = this.sigmas[j]!;
      const logZ = this.logZ[j]!;
      const s = d.step ?? 0;
      for (let k = 0; k < terms.length; k++) {
        const mu = mus[k]!;
        const sigma = sigmas[k]!;
        let lp: number;
        if (d.step === null) {
          const z = (v - mu) / sigma;
          lp = -0.5 * z * z - LOG_SQRT_2PI - Math.log(sigma);
        } else {
          lp = logNormalMass((v - s / 2 - mu) / sigma, (v + s / 2 - mu) / sigma);
        }
        terms[k]! += lp - logZ[k]!;
      }
    });
    return logSumExp(terms);
  }
}
