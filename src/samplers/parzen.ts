/**
 * Parzen estimators of TPE, following Optuna's rules (optuna/samplers/_tpe/parzen_estimator.py,
 * univariate case): one truncated-normal kernel per observation plus a prior kernel; bandwidth of a
 * kernel = the larger distance to its sorted neighbours (the bounds count as neighbours), clipped to
 * [range / min(100, 1 + nKernels), range] ("magic clip"); prior N((low+high)/2, range) with weight
 * `priorWeight`; observation weights flat for the 25 newest and a linear ramp for older ones.
 * Discrete params (int, float with step) use kernels integrated over each grid cell.
 */
import type { Rng } from '../random.js';

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
    const lo = this.low - s / 2;
    const hi = this.high + s / 2;
    const terms = this.mus.map((mu, i) => {
      const sigma = this.sigmas[i]!;
      const logZ = logNormalMass((lo - mu) / sigma, (hi - mu) / sigma);
      let logP: number;
      if (this.step === null) {
        const z = (x - mu) / sigma;
        logP = -0.5 * z * z - LOG_SQRT_2PI - Math.log(sigma);
      } else {
        logP = logNormalMass((x - s / 2 - mu) / sigma, (x + s / 2 - mu) / sigma);
      }
      return Math.log(this.weights[i]!) + logP - logZ;
    });
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
