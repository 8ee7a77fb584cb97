/**
 * The fused training kernels of ../ in WGSL for TF.js's `webgpu` backend: same kernel names, inputs,
 * attributes, outputs and semantics as the cpu reference (batchnorm-kernels.ts, adam.ts, conv-relu.ts,
 * dropout.ts), each recorded as few compute dispatches as WebGPU's binding limits allow (a shader
 * stage may bind 8 storage buffers by default, which TF.js does not raise):
 *
 *   BatchNormTraining      2 dispatches: per-channel statistics (one workgroup per channel, two-pass
 *                          mean and variance by workgroup reduction) writing stats and both moving
 *                          averages; then the normalization, one thread per element.
 *   BatchNormTrainingGrad  2: per-channel sums (dbeta, dgamma), then dx per element.
 *   AdamUpdate             1 per variable (its 4 inputs and 3 outputs fill 7 of the 8 bindings).
 *   Conv2DReluTraining     the backend's own FusedConv2D (bias and ReLU applied as it writes).
 *   ReluBiasGrad           1: one workgroup per channel writes the masked gradient and sums it.
 *   DropoutTraining(Grad)  1 each: the mask of dropout-mask.ts, recomputed per element from the seed.
 *
 * Reductions run in float32 (the cpu reference sums in float64); the tests hold them to a relative
 * error below 1e-4 against cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { ADAM_UPDATE } from '../adam.js';
import { BN_TRAINING, BN_TRAINING_GRAD } from '../batchnorm.js';
import { convReluKernel, RELU_BIAS_GRAD } from '../conv2d-relu.js';
import { DROPOUT, DROPOUT_GRAD } from '../dropout.js';
import { DROPOUT_MASK_WGSL, keepThreshold, maskKeys } from '../dropout-mask.js';
import { input, type KernelArgs } from '../memory.js';
import { dispatch, elementwiseGroups, WORKGROUP, type ProgramSpec } from './program.js';

const BACKEND = 'webgpu';

/** Sum of `v` over the workgroup (every thread gets it); call from uniform control flow. */
const REDUCE_WGSL = /* wgsl */ `
var<workgroup> wgPartial : array<f32, ${WORKGROUP}>;
fn workgroupSum(l : u32, v : f32) -> f32 {
  wgPartial[l] = v;
  workgroupBarrier();
  for (var s = ${WORKGROUP / 2}u; s > 0u; s = s >> 1u) {
    if (l < s) { wgPartial[l] = wgPartial[l] + wgPartial[l + s]; }
    workgroupBarrier();
  }
  let total = wgPartial[0];
  workgroupBarrier();
  return total;
}
`;

const BN_STATS: ProgramSpec = {
  key: 'digitSweepBatchNormStats',
  outputs: ['stats', 'newMean', 'newVariance'],
  inputs: ['x', 'movingMean', 'movingVariance'],
  uniforms: [['rows', 'u32'], ['c', 'u32'], ['decay', 'f32']],
  body: `${REDUCE_WGSL}
fn run(g : u32, k : u32, l : u32) {
  let c = u.c;
  let rows = u.rows;
  var s = 0.0;
  for (var r = l; r < rows; r = r + ${WORKGROUP}u) { s = s + x[r * c + k]; }
  let mean = workgroupSum(l, s) / f32(rows);
  var q = 0.0;
  for (var r = l; r < rows; r = r + ${WORKGROUP}u) { let d = x[r * c + k] - mean; q = q + d * d; }
  let variance = workgroupSum(l, q) / f32(rows);
  if (l == 0u) {
    stats[k] = mean;
    stats[c + k] = variance;
    newMean[k] = movingMean[k] - (movingMean[k] - mean) * u.decay;
    newVariance[k] = movingVariance[k] - (movingVariance[k] - variance) * u.decay;
  }
}`,
};

const BN_NORMALIZE: ProgramSpec = {
  key: 'digitSweepBatchNormNormalize',
  outputs: ['y'],
  inputs: ['x', 'stats', 'gamma', 'beta'],
  uniforms: [['n', 'u32'], ['c', 'u32'], ['epsilon', 'f32']],
  body: `
fn run(i : u32, wg : u32, l : u32) {
  if (i >= u.n) { return; }
  let k = i % u.c;
  let scale = gamma[k] / sqrt(stats[u.c + k] + u.epsilon);
  y[i] = (x[i] - stats[k]) * scale + beta[k];
}`,
};

const BN_GRAD_SUMS: ProgramSpec = {
  key: 'digitSweepBatchNormGradSums',
  outputs: ['dgamma', 'dbeta'],
  inputs: ['dy', 'x', 'stats'],
  uniforms: [['rows', 'u32'], ['c', 'u32'], ['epsilon', 'f32']],
  body: `${REDUCE_WGSL}
fn run(g : u32, k : u32, l : u32) {
  let c = u.c;
  let mean = stats[k];
  var s = 0.0;
  var p = 0.0;
  for (var r = l; r < u.rows; r = r + ${WORKGROUP}u) {
    let d = dy[r * c + k];
    s = s + d;
    p = p + d * (x[r * c + k] - mean);
  }
  let sumDy = workgroupSum(l, s);
  let sumDyCentered = workgroupSum(l, p);
  if (l == 0u) {
    dbeta[k] = sumDy;
    dgamma[k] = sumDyCentered / sqrt(stats[c + k] + u.epsilon);
  }
}`,
};

const BN_GRAD_INPUT: ProgramSpec = {
  key: 'digitSweepBatchNormGradInput',
  outputs: ['dx'],
  inputs: ['dy', 'x', 'gamma', 'stats', 'dgamma', 'dbeta'],
  uniforms: [['n', 'u32'], ['c', 'u32'], ['epsilon', 'f32']],
  body: `
fn run(i : u32, wg : u32, l : u32) {
  if (i >= u.n) { return; }
  let k = i % u.c;
  let rows = f32(u.n / u.c);
  let rstd = 1.0 / sqrt(stats[u.c + k] + u.epsilon);
  let xhat = (x[i] - stats[k]) * rstd;
  dx[i] = gamma[k] * rstd * (dy[i] - dbeta[k] / rows - xhat * dgamma[k] / rows);
}`,
};

const ADAM: ProgramSpec = {
  key: 'digitSweepAdam',
  outputs: ['newP', 'newM', 'newV'],
  inputs: ['p', 'g', 'm', 'v'],
  uniforms: [['n', 'u32'], ['lr', 'f32'], ['beta1', 'f32'], ['beta2', 'f32'], ['epsilon', 'f32'], ['inv1', 'f32'], ['inv2', 'f32']],
  body: `
fn run(i : u32, wg : u32, l : u32) {
  if (i >= u.n) { return; }
  let gi = g[i];
  let mi = u.beta1 * m[i] + (1.0 - u.beta1) * gi;
  let vi = u.beta2 * v[i] + (1.0 - u.beta2) * gi * gi;
  newM[i] = mi;
  newV[i] = vi;
  newP[i] = p[i] - (u.lr * mi * u.inv1) / (sqrt(vi * u.inv2) + u.epsilon);
}`,
};

const RELU_BIAS: ProgramSpec = {
  key: 'digitSweepReluBiasGrad',
  outputs: ['dx', 'dbias'],
  inputs: ['dy', 'y'],
  uniforms: [['rows', 'u32'], ['c', 'u32']],
  body: `${REDUCE_WGSL}
fn run(g : u32, k : u32, l : u32) {
  var s = 0.0;
  for (var r = l; r < u.rows; r = r + ${WORKGROUP}u) {
    let i = r * u.c + k;
    var d = 0.0;
    if (y[i] > 0.0) { d = dy[i]; }
    dx[i] = d;
    s = s + d;
  }
  let total = workgroupSum(l, s);
  if (l == 0u) { dbias[k] = total; }
}`,
};

const DROPOUT_PROGRAM: ProgramSpec = {
  key: 'digitSweepDropout',
  outputs: ['y'],
  inputs: ['x'],
  uniforms: [['n', 'u32'], ['k1', 'u32'], ['k2', 'u32'], ['threshold', 'u32'], ['scale', 'f32']],
  body: `${DROPOUT_MASK_WGSL}
fn run(i : u32, wg : u32, l : u32) {
  if (i >= u.n) { return; }
  var kept = 0.0;
  if (dropoutKept(i, u.k1, u.k2, u.threshold)) { kept = x[i] * u.scale; }
  y[i] = kept;
}`,
};

function channels(x: tf.TensorInfo, kernel: string): number {
  const c = x.shape[x.shape.length - 1];
  if (c === undefined || x.shape.length < 2) throw new Error(`${kernel}: x must have rank >= 2, got shape [${x.shape.join(', ')}]`);
  return c;
}

function size(t: tf.TensorInfo): number {
  return tf.util.sizeFromShape(t.shape);
}

function config(kernelName: string, kernelFunc: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]): tf.KernelConfig {
  return { kernelName, backendName: BACKEND, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

const bnTraining = config(BN_TRAINING, ({ inputs, backend, attrs = {} }) => {
  const x = input(inputs, 'x', BN_TRAINING);
  const c = channels(x, BN_TRAINING);
  const names = ['gamma', 'beta', 'movingMean', 'movingVariance'];
  const [gamma, beta, mm, mv] = names.map((n) => input(inputs, n, BN_TRAINING)) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
  for (const [i, p] of [gamma, beta, mm, mv].entries()) {
    if (p.shape.length !== 1 || p.shape[0] !== c) throw new Error(`${BN_TRAINING}: ${names[i]} must have shape [${c}], got [${p.shape.join(', ')}]`);
  }
  const n = size(x);
  const epsilon = attrs['epsilon'] as number;
  const decay = 1 - (attrs['momentum'] as number);
  const [stats, newMean, newVariance] = dispatch(backend, BN_STATS, [x, mm, mv], [[2, c], [c], [c]], [n / c, c, decay], c) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
  const [y] = dispatch(backend, BN_NORMALIZE, [x, stats, gamma, beta], [x.shape], [n, c, epsilon], elementwiseGroups(n)) as [tf.TensorInfo];
  return [y, stats, newMean, newVariance];
});

const bnTrainingGrad = config(BN_TRAINING_GRAD, ({ inputs, backend, attrs = {} }) => {
  const dy = input(inputs, 'dy', BN_TRAINING_GRAD);
  const x = input(inputs, 'x', BN_TRAINING_GRAD);
  const gamma = input(inputs, 'gamma', BN_TRAINING_GRAD);
  const stats = input(inputs, 'stats', BN_TRAINING_GRAD);
  const c = channels(x, BN_TRAINING_GRAD);
  const n = size(x);
  const epsilon = attrs['epsilon'] as number;
  const [dgamma, dbeta] = dispatch(backend, BN_GRAD_SUMS, [dy, x, stats], [[c], [c]], [n / c, c, epsilon], c) as [tf.TensorInfo, tf.TensorInfo];
  const [dx] = dispatch(backend, BN_GRAD_INPUT, [dy, x, gamma, stats, dgamma, dbeta], [x.shape], [n, c, epsilon], elementwiseGroups(n)) as [tf.TensorInfo];
  return [dx, dgamma, dbeta];
});

const adam = config(ADAM_UPDATE, ({ inputs, backend, attrs = {} }) => {
  const count = attrs['count'] as number;
  const get = (prefix: string, i: number): tf.TensorInfo => {
    const t = inputs[`${prefix}${i}`];
    if (t === undefined) throw new Error(`${ADAM_UPDATE}: input ${prefix}${i} is required (count ${count})`);
    return t;
  };
  const uniforms = [
    attrs['lr'] as number,
    attrs['beta1'] as number,
    attrs['beta2'] as number,
    attrs['epsilon'] as number,
    1 / (attrs['oneMinusAccBeta1'] as number),
    1 / (attrs['oneMinusAccBeta2'] as number),
  ];
  const p: tf.TensorInfo[] = [];
  const m: tf.TensorInfo[] = [];
  const v: tf.TensorInfo[] = [];
  for (let i = 0; i < count; i++) {
    const param = get('p', i);
    const n = size(param);
    const [np, nm, nv] = dispatch(backend, ADAM, [param, get('g', i), get('m', i), get('v', i)], [param.shape, param.shape, param.shape], [n, ...uniforms], elementwiseGroups(n)) as [
      tf.TensorInfo,
      tf.TensorInfo,
      tf.TensorInfo,
    ];
    p.push(np);
    m.push(nm);
    v.push(nv);
  }
  return [...p, ...m, ...v];
});

const reluBiasGrad = config(RELU_BIAS_GRAD, ({ inputs, backend }) => {
  const dy = input(inputs, 'dy', RELU_BIAS_GRAD);
  const y = input(inputs, 'y', RELU_BIAS_GRAD);
  const c = channels(y, RELU_BIAS_GRAD);
  return dispatch(backend, RELU_BIAS, [dy, y], [y.shape, [c]], [size(y) / c, c], c);
});

function dropoutKernel(name: string, inputName: string): tf.KernelConfig {
  return config(name, ({ inputs, backend, attrs = {} }) => {
    const x = input(inputs, inputName, name);
    const rate = attrs['rate'] as number;
    if (!(rate >= 0 && rate < 1)) throw new Error(`${name}: rate must be in [0, 1), got ${rate}`);
    const [k1, k2] = maskKeys(attrs['seed'] as number);
    const n = size(x);
    return dispatch(backend, DROPOUT_PROGRAM, [x], [x.shape], [n, k1, k2, keepThreshold(rate), 1 / (1 - rate)], elementwiseGroups(n))[0]!;
  });
}

export function webgpuKernelConfigs(): tf.KernelConfig[] {
  return [bnTraining, bnTrainingGrad, adam, convReluKernel(BACKEND), reluBiasGrad, dropoutKernel(DROPOUT, 'x'), dropoutKernel(DROPOUT_GRAD, 'dy')];
}
