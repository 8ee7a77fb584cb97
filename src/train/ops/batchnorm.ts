/**
 * BatchNormalization in training mode as two fused kernels (the cpu reference and wasm, JS over the
 * tensors' memory), instead of TF.js's composition (moments, batchNorm, two moving-average updates and
 * their gradients: ~80 kernel dispatches per layer and step, and a Mean gradient that builds
 * `ones(x.shape)` in JS).
 *
 * BatchNormTraining: x [..., C], gamma, beta, movingMean, movingVariance [C]; attrs epsilon, momentum.
 *   Outputs y = (x - mean) / sqrt(variance + epsilon) * gamma + beta with the batch's mean and
 *   (biased) variance over every axis but the last; stats [2, C] = (mean, variance); and the moving
 *   averages as Keras updates them: m - (m - value) * (1 - momentum).
 * BatchNormTrainingGrad: dy, x, gamma, stats; attr epsilon. Outputs dx, dgamma, dbeta: the gradient of
 *   the forward output through the batch statistics too (what autodiff of the composition gives):
 *   xhat = (x - mean) * r, r = 1 / sqrt(variance + epsilon), dbeta = sum dy, dgamma = sum dy * xhat,
 *   dx = gamma * r * (dy - dbeta / n - xhat * dgamma / n).
 * Sums over the n = size / C rows accumulate in float64.
 */
import * as tf from '@tensorflow/tfjs';
import { simdFor, type Simd } from '../wasm-simd/index.js';
import { input, withArrays, type CpuSideBackend, type KernelArgs } from './memory.js';

export const BN_TRAINING = 'BatchNormTraining';
export const BN_TRAINING_GRAD = 'BatchNormTrainingGrad';

function channels(x: tf.TensorInfo, kernel: string): number {
  const c = x.shape[x.shape.length - 1];
  if (c === undefined || x.shape.length < 2) throw new Error(`${kernel}: x must have rank >= 2, got shape [${x.shape.join(', ')}]`);
  return c;
}

/**
 * The loops walk blocks of rows that fit in the L1 cache, one channel at a time with the running
 * sums in locals (strided reads inside the block): several times faster in V8 than indexing
 * per-channel accumulator arrays for every element.
 */
const BLOCK = 4096;

/** Per-channel sums of dy and of dy * x over the rows viewed as [rows, c] (dy = x gives the moments). */
function gradSums(dy: Float32Array, x: Float32Array, c: number, sumDy: Float64Array, sumDyX: Float64Array): void {
  const n = x.length;
  const step = Math.max(1, Math.floor(BLOCK / c)) * c;
  for (let base = 0; base < n; base += step) {
    const end = Math.min(n, base + step);
    for (let k = 0; k < c; k++) {
      let s0 = 0;
      let p0 = 0;
      for (let i = base + k; i < end; i += c) {
        const d = dy[i]!;
        s0 += d;
        p0 += d * x[i]!;
      }
      sumDy[k] += s0;
      sumDyX[k] += p0;
    }
  }
}

/** out[i] = a[k] * u[i] + b[k] * w[i] + e[k] for channel k of element i (w may be null: b ignored). */
function affine(out: Float32Array, c: number, u: Float32Array, a: ArrayLike<number>, w: Float32Array | null, b: ArrayLike<number>, e: ArrayLike<number>): void {
  const n = out.length;
  const step = Math.max(1, Math.floor(BLOCK / c)) * c;
  for (let base = 0; base < n; base += step) {
    const end = Math.min(n, base + step);
    for (let k = 0; k < c; k++) {
      const ak = a[k]!;
      const ek = e[k]!;
      if (w === null) {
        for (let i = base + k; i < end; i += c) out[i] = ak * u[i]! + ek;
      } else {
        const bk = b[k]!;
        for (let i = base + k; i < end; i += c) out[i] = ak * u[i]! + bk * w[i]! + ek;
      }
    }
  }
}

/**
 * From the per-channel sums s (x) and q (x * x) over `rows` rows: the statistics and moving averages
 * (written to `out`), and y = scale * x + shift's coefficients.
 */
function forwardCoefficients(
  s: Float64Array,
  q: Float64Array,
  rows: number,
  params: { gamma: Float32Array; beta: Float32Array; movingMean: Float32Array; movingVariance: Float32Array },
  epsilon: number,
  momentum: number,
  out: { stats: Float32Array; movingMean: Float32Array; movingVariance: Float32Array },
): { scale: Float64Array; shift: Float64Array } {
  const c = s.length;
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  const decay = 1 - momentum;
  for (let k = 0; k < c; k++) {
    const mean = s[k]! / rows;
    const variance = Math.max(q[k]! / rows - mean * mean, 0);
    scale[k] = params.gamma[k]! / Math.sqrt(variance + epsilon);
    shift[k] = params.beta[k]! - mean * scale[k]!;
    out.stats[k] = mean;
    out.stats[c + k] = variance;
    out.movingMean[k] = params.movingMean[k]! - (params.movingMean[k]! - mean) * decay;
    out.movingVariance[k] = params.movingVariance[k]! - (params.movingVariance[k]! - variance) * decay;
  }
  return { scale, shift };
}

/** From the per-channel sums of dy and dy * x: dgamma, dbeta (written to `out`) and dx = a dy + b x + e's coefficients. */
function backwardCoefficients(
  sumDy: Float64Array,
  sumDyX: Float64Array,
  rows: number,
  gamma: Float32Array,
  stats: Float32Array,
  epsilon: number,
  out: { dgamma: Float32Array; dbeta: Float32Array },
): { a: Float64Array; b: Float64Array; e: Float64Array } {
  const c = sumDy.length;
  const a = new Float64Array(c);
  const b = new Float64Array(c);
  const e = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    const mean = stats[k]!;
    const rstd = 1 / Math.sqrt(stats[c + k]! + epsilon);
    const dbeta = sumDy[k]!;
    const dgamma = (sumDyX[k]! - mean * dbeta) * rstd; // sum dy * xhat
    out.dbeta[k] = dbeta;
    out.dgamma[k] = dgamma;
    const g = gamma[k]! * rstd;
    a[k] = g;
    b[k] = (-g * dgamma * rstd) / rows;
    e[k] = g * ((dgamma * rstd * mean) / rows - dbeta / rows);
  }
  return { a, b, e };
}

export function batchNormTrainingForward(
  x: Float32Array,
  c: number,
  gamma: Float32Array,
  beta: Float32Array,
  movingMean: Float32Array,
  movingVariance: Float32Array,
  epsilon: number,
  momentum: number,
  out: { y: Float32Array; stats: Float32Array; movingMean: Float32Array; movingVariance: Float32Array },
): void {
  const s = new Float64Array(c);
  const q = new Float64Array(c);
  // Sums of x and x * x: gradSums' pass with dy = x (the same loop, not a second copy of it).
  gradSums(x, x, c, s, q);
  const { scale, shift } = forwardCoefficients(s, q, x.length / c, { gamma, beta, movingMean, movingVariance }, epsilon, momentum, out);
  affine(out.y, c, x, scale, null, scale, shift);
}

export function batchNormTrainingBackward(
  dy: Float32Array,
  x: Float32Array,
  c: number,
  gamma: Float32Array,
  stats: Float32Array,
  epsilon: number,
  out: { dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array },
): void {
  const sumDy = new Float64Array(c);
  const sumDyX = new Float64Array(c);
  gradSums(dy, x, c, sumDy, sumDyX);
  const { a, b, e } = backwardCoefficients(sumDy, sumDyX, x.length / c, gamma, stats, epsilon, out);
  affine(out.dx, c, dy, a, x, b, e);
}

/**
 * The wasm backend's SIMD passes (../wasm-simd/kernels.wat) where the channels come in fours: the
 * same sums (float64) and coefficients as the JS functions above, the per-element passes four lanes
 * at a time with the coefficients in float32. Null when they do not apply.
 */
function simdPasses(backendName: CpuSideBackend, backend: unknown, c: number): Simd | null {
  if (backendName !== 'wasm' || c % 4 !== 0) return null;
  return simdFor(backend);
}

/** Writes f64 coefficient vectors as f32 into the scratch block at `at` (consecutive, c each). */
function putCoefficients(simd: Simd, at: number, vectors: Float64Array[]): void {
  const view = new Float32Array(simd.memory.buffer, at, vectors.length * (vectors[0]?.length ?? 0));
  vectors.forEach((v, i) => view.set(v, i * v.length));
}

function forwardKernel(backendName: CpuSideBackend): tf.KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs = {} }: KernelArgs): tf.TensorInfo[] => {
    const x = input(inputs, 'x', BN_TRAINING);
    const c = channels(x, BN_TRAINING);
    const names = ['gamma', 'beta', 'movingMean', 'movingVariance'];
    const params = names.map((n) => input(inputs, n, BN_TRAINING));
    for (const [i, p] of params.entries()) {
      if (p.shape.length !== 1 || p.shape[0] !== c) throw new Error(`${BN_TRAINING}: ${names[i]} must have shape [${c}], got [${p.shape.join(', ')}]`);
    }
    const m = withArrays(backendName, backend, [x, ...params], [x.shape, [2, c], [c], [c]]);
    const simd = simdPasses(backendName, backend, c);
    if (simd !== null) {
      const n = tf.util.sizeFromShape(x.shape);
      const acc = simd.scratch(16 * c + 8 * c);
      simd.kernels.moments(simd.ptr(x), n, c, acc);
      // Views after the last allocation (scratch may grow the heap).
      const buf = simd.memory.buffer;
      const sums = new Float64Array(buf, acc, 2 * c);
      const view = (info: tf.TensorInfo, size: number) => new Float32Array(buf, simd.ptr(info), size);
      const [gamma, beta, mm, mv] = params.map((p) => view(p, c)) as [Float32Array, Float32Array, Float32Array, Float32Array];
      const { scale, shift } = forwardCoefficients(sums.subarray(0, c), sums.subarray(c), n / c, { gamma, beta, movingMean: mm, movingVariance: mv }, attrs['epsilon'] as number, attrs['momentum'] as number, {
        stats: view(m.infos[1]!, 2 * c),
        movingMean: view(m.infos[2]!, c),
        movingVariance: view(m.infos[3]!, c),
      });
      const coef = acc + 16 * c;
      putCoefficients(simd, coef, [scale, shift]);
      simd.kernels.affine1(simd.ptr(m.infos[0]!), simd.ptr(x), n, c, coef, coef + 4 * c);
      return m.infos;
    }
    const [xs, gamma, beta, mm, mv] = m.inputs as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    const [y, stats, nmm, nmv] = m.outputs as [Float32Array, Float32Array, Float32Array, Float32Array];
    batchNormTrainingForward(xs, c, gamma, beta, mm, mv, attrs['epsilon'] as number, attrs['momentum'] as number, {
      y,
      stats,
      movingMean: nmm,
      movingVariance: nmv,
    });
    return m.infos;
  };
  return { kernelName: BN_TRAINING, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

function backwardKernel(backendName: CpuSideBackend): tf.KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs = {} }: KernelArgs): tf.TensorInfo[] => {
    const dy = input(inputs, 'dy', BN_TRAINING_GRAD);
    const x = input(inputs, 'x', BN_TRAINING_GRAD);
    const c = channels(x, BN_TRAINING_GRAD);
    const gammaInfo = input(inputs, 'gamma', BN_TRAINING_GRAD);
    const statsInfo = input(inputs, 'stats', BN_TRAINING_GRAD);
    const m = withArrays(backendName, backend, [dy, x, gammaInfo, statsInfo], [x.shape, [c], [c]]);
    const simd = simdPasses(backendName, backend, c);
    if (simd !== null) {
      const n = tf.util.sizeFromShape(x.shape);
      const acc = simd.scratch(16 * c + 12 * c);
      simd.kernels.gradSums(simd.ptr(dy), simd.ptr(x), n, c, acc);
      const buf = simd.memory.buffer;
      const sums = new Float64Array(buf, acc, 2 * c);
      const { a, b, e } = backwardCoefficients(
        sums.subarray(0, c),
        sums.subarray(c),
        n / c,
        new Float32Array(buf, simd.ptr(gammaInfo), c),
        new Float32Array(buf, simd.ptr(statsInfo), 2 * c),
        attrs['epsilon'] as number,
        { dgamma: new Float32Array(buf, simd.ptr(m.infos[1]!), c), dbeta: new Float32Array(buf, simd.ptr(m.infos[2]!), c) },
      );
      const coef = acc + 16 * c;
      putCoefficients(simd, coef, [a, b, e]);
      simd.kernels.affine2(simd.ptr(m.infos[0]!), simd.ptr(dy), simd.ptr(x), n, c, coef, coef + 4 * c, coef + 8 * c);
      return m.infos;
    }
    const [dys, xs, gamma, stats] = m.inputs as [Float32Array, Float32Array, Float32Array, Float32Array];
    const [dx, dgamma, dbeta] = m.outputs as [Float32Array, Float32Array, Float32Array];
    batchNormTrainingBackward(dys, xs, c, gamma, stats, attrs['epsilon'] as number, { dx, dgamma, dbeta });
    return m.infos;
  };
  return { kernelName: BN_TRAINING_GRAD, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

export function batchNormKernelConfigs(backendName: CpuSideBackend): tf.KernelConfig[] {
  return [forwardKernel(backendName), backwardKernel(backendName)];
}
