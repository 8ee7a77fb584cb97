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

/** Per-channel mean and (biased) variance of x viewed as [rows, c]. */
function moments(x: Float32Array, c: number, mean: Float64Array, variance: Float64Array): void {
  const n = x.length;
  const rows = n / c;
  const s = new Float64Array(c);
  const q = new Float64Array(c);
  const step = Math.max(1, Math.floor(BLOCK / c)) * c;
  for (let base = 0; base < n; base += step) {
    const end = Math.min(n, base + step);
    for (let k = 0; k < c; k++) {
      let s0 = 0;
      let q0 = 0;
      for (let i = base + k; i < end; i += c) {
        const v = x[i]!;
        s0 += v;
        q0 += v * v;
      }
      s[k] += s0;
      q[k] += q0;
    }
  }
  for (let k = 0; k < c; k++) {
    const m = s[k]! / rows;
    mean[k] = m;
    variance[k] = Math.max(q[k]! / rows - m * m, 0);
  }
}

/** out[i] = a[k] * u[i] + b[k] * w[i] + e[k] for channel k of element i (w may be null: b ignored). */
function affine(out: Float32Array, c: number, u: Float32Array, a: Float64Array, w: Float32Array | null, b: Float64Array, e: Float64Array): void {
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
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  moments(x, c, mean, variance);
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    scale[k] = gamma[k]! / Math.sqrt(variance[k]! + epsilon);
    shift[k] = beta[k]! - mean[k]! * scale[k]!;
  }
  affine(out.y, c, x, scale, null, scale, shift);
  const decay = 1 - momentum;
  for (let k = 0; k < c; k++) {
    out.stats[k] = mean[k]!;
    out.stats[c + k] = variance[k]!;
    out.movingMean[k] = movingMean[k]! - (movingMean[k]! - mean[k]!) * decay;
    out.movingVariance[k] = movingVariance[k]! - (movingVariance[k]! - variance[k]!) * decay;
  }
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
  const n = x.length;
  const rows = n / c;
  const sumDy = new Float64Array(c);
  const sumDyX = new Float64Array(c);
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
  // dx = a * dy + b * x + e, per channel.
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
  affine(out.dx, c, dy, a, x, b, e);
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
    const m = withArrays(backendName, backend, [dy, x, input(inputs, 'gamma', BN_TRAINING_GRAD), input(inputs, 'stats', BN_TRAINING_GRAD)], [x.shape, [c], [c]]);
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
