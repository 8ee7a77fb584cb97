/**
 * Our own training ops (src/train/ops) against TF.js's own composition on the cpu backend, and the
 * wasm kernels against the cpu ones: forward values, gradients, moving averages, Adam's updates over
 * several steps, the layer's saved format, and no leaks.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels } from '../../src/train/wasm-kernels/index.js';
import {
  ADAM_UPDATE,
  batchNormalization,
  BN_TRAINING,
  conv2dReluTraining,
  dropout,
  dropoutTraining,
  FusedAdamOptimizer,
  fusedBatchNormTraining,
  buildModel,
  registerFusedKernels,
  regularizationLosses,
  unregisterFusedKernels,
} from '../../src/train/index.js';
import { relativeError } from './relative-error.js';

const TOLERANCE = 1e-4;


let seed = 777;
function randomValues(n: number, offset = 0, spread = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    out[i] = offset + spread * (seed / 2 ** 31 - 1);
  }
  return out;
}

async function use(backend: 'cpu' | 'wasm'): Promise<void> {
  if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
}

/** A LayerVariable-like holder over a tf.Variable. */
function holder(values: Float32Array) {
  const v = tf.variable(tf.tensor1d(values), false);
  return { v, read: () => v, write: (t: tf.Tensor) => v.assign(t as tf.Tensor1D) };
}

interface BnCase {
  shape: number[];
  offset: number;
  spread: number;
}
const BN_CASES: BnCase[] = [
  { shape: [4, 6, 6, 8], offset: 0, spread: 1 },
  { shape: [2, 5, 7, 3], offset: 3, spread: 0.5 }, // a large mean beside a small spread
  { shape: [16, 10], offset: -1, spread: 2 }, // rank 2 (after Dense)
  { shape: [3, 4, 4, 64], offset: 0.2, spread: 1 },
  { shape: [1, 2, 2, 5], offset: 0, spread: 1 }, // four rows per channel
];

interface BnResult {
  y: Float32Array;
  dx: Float32Array;
  dgamma: Float32Array;
  dbeta: Float32Array;
  movingMean: Float32Array;
  movingVariance: Float32Array;
}

/** Forward, a weighted-sum loss's gradients and the moving averages, fused or composed as TF.js's layer does. */
function runBatchNorm(fused: boolean, c: BnCase, data: { x: Float32Array; w: Float32Array; gamma: Float32Array; beta: Float32Array; mm: Float32Array; mv: Float32Array }): BnResult {
  const eps = 1e-3;
  const momentum = 0.99;
  const x = tf.tensor(data.x, c.shape);
  const w = tf.tensor(data.w, c.shape);
  const gamma = tf.variable(tf.tensor1d(data.gamma));
  const beta = tf.variable(tf.tensor1d(data.beta));
  const mm = holder(data.mm);
  const mv = holder(data.mv);
  let y: Float32Array = new Float32Array();
  const { value, grads } = tf.variableGrads(() => {
    let out: tf.Tensor;
    if (fused) {
      out = fusedBatchNormTraining(x, gamma, beta, { mean: mm, variance: mv }, eps, momentum);
    } else {
      const axes = c.shape.map((_, i) => i).slice(0, -1);
      const { mean, variance } = tf.moments(x, axes);
      out = tf.batchNorm(x, mean, variance, beta, gamma, eps);
      mm.write(tf.sub(mm.v, tf.mul(tf.sub(mm.v, mean), 1 - momentum)));
      mv.write(tf.sub(mv.v, tf.mul(tf.sub(mv.v, variance), 1 - momentum)));
    }
    y = out.dataSync() as Float32Array;
    return tf.sum(tf.mul(out, w)) as tf.Scalar;
  }, [gamma, beta]);
  const dx = tf.grad((xx: tf.Tensor) => {
    const out = fused
      ? fusedBatchNormTraining(xx, gamma, beta, { mean: holder(data.mm), variance: holder(data.mv) }, eps, momentum)
      : (() => {
          const { mean, variance } = tf.moments(xx, c.shape.map((_, i) => i).slice(0, -1));
          return tf.batchNorm(xx, mean, variance, beta, gamma, eps);
        })();
    return tf.sum(tf.mul(out, w));
  })(x);
  const result = {
    y,
    dx: dx.dataSync() as Float32Array,
    dgamma: grads[gamma.name]!.dataSync() as Float32Array,
    dbeta: grads[beta.name]!.dataSync() as Float32Array,
    movingMean: mm.v.dataSync() as Float32Array,
    movingVariance: mv.v.dataSync() as Float32Array,
  };
  tf.dispose([x, w, gamma, beta, mm.v, mv.v, value, dx, ...Object.values(grads)]);
  return result;
}

function bnData(c: BnCase) {
  const n = c.shape.reduce((a, b) => a * b, 1);
  const ch = c.shape[c.shape.length - 1]!;
  return {
    x: randomValues(n, c.offset, c.spread),
    w: randomValues(n),
    gamma: randomValues(ch, 1, 0.5),
    beta: randomValues(ch, 0, 0.5),
    mm: randomValues(ch, 0, 0.1),
    mv: randomValues(ch, 1, 0.1),
  };
}

beforeAll(() => {
  registerWasmTrainingKernels();
  registerFusedKernels();
  registerFusedKernels(); // idempotent
});

describe('fused BatchNorm (training)', () => {
  it.each(BN_CASES.map((c) => [c.shape.join('x'), c] as const))('matches TF.js composition on cpu: %s', async (_, c) => {
    await use('cpu');
    const data = bnData(c);
    const fused = runBatchNorm(true, c, data);
    const composed = runBatchNorm(false, c, data);
    for (const key of Object.keys(composed) as (keyof BnResult)[]) {
      expect(relativeError(fused[key], composed[key]), key).toBeLessThan(TOLERANCE);
    }
  });

  it.each(BN_CASES.map((c) => [c.shape.join('x'), c] as const))('wasm matches cpu: %s', async (_, c) => {
    const data = bnData(c);
    await use('cpu');
    const want = runBatchNorm(true, c, data);
    await use('wasm');
    const got = runBatchNorm(true, c, data);
    for (const key of Object.keys(want) as (keyof BnResult)[]) {
      expect(relativeError(got[key], want[key]), key).toBeLessThan(TOLERANCE);
    }
  });

  it('dispatches one kernel forward and one backward, with the gradients of TF.js composition on cpu', async () => {
    const c: BnCase = { shape: [2, 3, 3, 4], offset: 0, spread: 1 };
    const data = bnData(c);
    await use('cpu');
    const want = runBatchNorm(false, c, data);
    await use('wasm');
    const x = tf.tensor(data.x, c.shape);
    const w = tf.tensor(data.w, c.shape);
    const gamma = tf.variable(tf.tensor1d(data.gamma));
    const beta = tf.variable(tf.tensor1d(data.beta));
    const moving = () => ({ mean: holder(data.mm), variance: holder(data.mv) });
    const holders = [moving(), moving()];
    // The gradients with respect to gamma and beta of sum(bn(x) * w) ...
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(fusedBatchNormTraining(x, gamma, beta, holders[0]!, 1e-3, 0.99), w)) as tf.Scalar, [gamma, beta]);
    expect(relativeError(grads[gamma.name]!.dataSync(), want.dgamma), 'dgamma').toBeLessThan(TOLERANCE);
    expect(relativeError(grads[beta.name]!.dataSync(), want.dbeta), 'dbeta').toBeLessThan(TOLERANCE);
    // ... and with respect to x, counting the kernels it dispatches.
    let dx: Float32Array = new Float32Array();
    const profile = await tf.profile(() => {
      const g = tf.grad((xx: tf.Tensor) => tf.mul(fusedBatchNormTraining(xx, gamma, beta, holders[1]!, 1e-3, 0.99), w))(x);
      dx = g.dataSync() as Float32Array;
      g.dispose();
    });
    expect(profile.kernels.map((k) => k.name).filter((n) => n.startsWith('BatchNorm'))).toEqual([BN_TRAINING, `${BN_TRAINING}Grad`]);
    expect(relativeError(dx, want.dx), 'dx').toBeLessThan(TOLERANCE);
    tf.dispose([x, w, gamma, beta, value, ...Object.values(grads), ...holders.flatMap((h) => [h.mean.v, h.variance.v])]);
  });

  it('the layer keeps the stock class name and config, so saved models are unchanged', () => {
    const fused = batchNormalization({ momentum: 0.99, epsilon: 1e-3 });
    const stock = tf.layers.batchNormalization({ momentum: 0.99, epsilon: 1e-3 });
    expect(fused.getClassName()).toBe('BatchNormalization');
    const { name: _a, ...fusedConfig } = fused.getConfig();
    const { name: _b, ...stockConfig } = stock.getConfig();
    expect(fusedConfig).toEqual(stockConfig);
  });

  it('a model with the layer trains on wasm without leaking tensors and matches the stock layer', async () => {
    await use('wasm');
    const build = (bn: (args: object) => tf.layers.Layer) => {
      const m = tf.sequential();
      m.add(tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
      m.add(bn({}));
      m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
      return m;
    };
    const x = tf.tensor(randomValues(6 * 64, 0.5, 0.5), [6, 8, 8, 1]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
    const run = (bn: (args: object) => tf.layers.Layer) => {
      const model = build(bn);
      const opt = tf.train.sgd(0.1);
      for (let i = 0; i < 3; i++) {
        opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
      }
      const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
      opt.dispose();
      model.dispose();
      return weights;
    };
    const stock = run((a) => tf.layers.batchNormalization(a));
    const before = tf.memory().numTensors;
    const fused = run((a) => batchNormalization(a));
    expect(tf.memory().numTensors).toBe(before);
    expect(fused.length).toBe(stock.length);
    fused.forEach((w, i) => expect(relativeError(w, stock[i]!), `weight ${i}`).toBeLessThan(TOLERANCE));
    tf.dispose([x, y]);
  });
});

describe('fused Adam', () => {
  async function adamRun(backend: 'cpu' | 'wasm', fused: boolean, steps: number) {
    await use(backend);
    const shapes = [[3, 4], [5], [2, 2, 3]];
    const vars = shapes.map((s, i) => tf.variable(tf.tensor(randomValues(s.reduce((a, b) => a * b, 1), 0, 1), s), true, `adamtest${backend}${fused}${i}`));
    const opt = fused ? new FusedAdamOptimizer(0.01) : tf.train.adam(0.01);
    const gradSeeds = shapes.map((s) => randomValues(s.reduce((a, b) => a * b, 1)));
    for (let t = 0; t < steps; t++) {
      opt.minimize(() => tf.addN(vars.map((v, i) => tf.sum(tf.mul(tf.square(v), tf.tensor(gradSeeds[i]!, v.shape))))) as tf.Scalar);
    }
    const values = vars.map((v) => v.dataSync() as Float32Array);
    const weights = await opt.getWeights();
    const slots = weights.map((w) => ({ name: w.name.replace(/adamtest\w+?(\d)\//, 'v$1/'), values: w.tensor.dataSync() as Float32Array }));
    opt.dispose();
    tf.dispose(vars);
    return { values, slots };
  }

  it.each([1, 4])('matches tf.train.adam on cpu after %i steps (parameters, moments, iterations)', async (steps) => {
    const s0 = seed;
    const want = await adamRun('cpu', false, steps);
    seed = s0;
    const got = await adamRun('cpu', true, steps);
    got.values.forEach((v, i) => expect(relativeError(v, want.values[i]!)).toBeLessThan(TOLERANCE));
    expect(got.slots.map((s) => s.name)).toEqual(want.slots.map((s) => s.name));
    got.slots.forEach((s, i) => expect(relativeError(s.values, want.slots[i]!.values), s.name).toBeLessThan(TOLERANCE));
  });

  it('wasm matches cpu, in one dispatch per step', async () => {
    const s0 = seed;
    const want = await adamRun('cpu', true, 3);
    seed = s0;
    const got = await adamRun('wasm', true, 3);
    got.values.forEach((v, i) => expect(relativeError(v, want.values[i]!)).toBeLessThan(TOLERANCE));
    const v = tf.variable(tf.ones([4]), true, 'adamDispatch');
    const opt = new FusedAdamOptimizer(0.1);
    opt.applyGradients({ adamDispatch: tf.ones([4]) as tf.Variable }); // the first step also creates the moments
    const profile = await tf.profile(() => opt.applyGradients({ adamDispatch: tf.ones([4]) as tf.Variable }));
    expect(profile.kernels.map((k) => k.name)).toEqual([ADAM_UPDATE]);
    opt.dispose();
    v.dispose();
  });

  it('state saved with getWeights and restored with setWeights continues the same run', async () => {
    await use('cpu');
    const target = tf.tensor1d([1, -2, 3]);
    const loss = (v: tf.Variable) => () => tf.sum(tf.square(tf.sub(v, target))) as tf.Scalar;
    const a = tf.variable(tf.zeros([3]), true, 'adamResumeA');
    const optA = new FusedAdamOptimizer(0.05);
    for (let t = 0; t < 3; t++) optA.minimize(loss(a));
    const saved = await optA.getWeights();
    const b = tf.variable(a.clone(), true, 'adamResumeB');
    const optB = new FusedAdamOptimizer(0.05);
    await optB.setWeights(saved.map((w) => ({ name: w.name.replace('adamResumeA', 'adamResumeB'), tensor: w.tensor.clone() })));
    for (let t = 0; t < 2; t++) {
      optA.minimize(loss(a));
      optB.minimize(loss(b));
    }
    expect(relativeError(b.dataSync(), a.dataSync())).toBeLessThan(1e-6);
    optA.dispose();
    optB.dispose();
    tf.dispose([a, b, target]);
  });
});

describe('fused Conv2D + bias + ReLU (training)', () => {
  interface ConvCase {
    x: [number, number, number, number];
    filter: [number, number, number, number];
    strides: [number, number];
    pad: 'same' | 'valid';
  }
  const CASES: ConvCase[] = [
    { x: [2, 8, 8, 1], filter: [3, 3, 1, 4], strides: [1, 1], pad: 'valid' },
    { x: [3, 9, 9, 3], filter: [5, 5, 3, 4], strides: [2, 2], pad: 'same' },
    { x: [2, 6, 7, 4], filter: [3, 3, 4, 5], strides: [1, 1], pad: 'same' },
    { x: [1, 10, 10, 2], filter: [3, 3, 2, 3], strides: [2, 1], pad: 'valid' },
    // Input channels in fours and output channels in sixteens (wasm's SIMD forward): odd output widths (a
    // lone last pixel), padding on every side, uneven strides, the model's third layer.
    { x: [2, 9, 11, 4], filter: [3, 3, 4, 16], strides: [1, 1], pad: 'same' },
    { x: [3, 11, 9, 8], filter: [5, 3, 8, 32], strides: [2, 1], pad: 'same' },
    { x: [2, 10, 10, 4], filter: [3, 3, 4, 16], strides: [2, 2], pad: 'valid' },
    { x: [2, 24, 24, 32], filter: [5, 5, 32, 32], strides: [2, 2], pad: 'same' },
  ];

  function runConv(fused: boolean, c: ConvCase, data: { x: Float32Array; f: Float32Array; b: Float32Array; w: Float32Array }) {
    const x = tf.tensor4d(data.x, c.x);
    const f = tf.tensor4d(data.f, c.filter);
    const b = tf.tensor1d(data.b);
    const forward = (xx: tf.Tensor4D, ff: tf.Tensor4D, bb: tf.Tensor1D) =>
      fused ? conv2dReluTraining(xx, ff, bb, { strides: c.strides, pad: c.pad }) : tf.relu(tf.add(tf.conv2d(xx, ff, c.strides, c.pad), bb));
    const y = tf.tidy(() => forward(x, f, b));
    const w = tf.tensor(data.w, y.shape);
    const grads = tf.grads((xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(forward(xx as tf.Tensor4D, ff as tf.Tensor4D, bb as tf.Tensor1D), w)))([x, f, b]);
    const out = { y: y.dataSync() as Float32Array, dx: grads[0]!.dataSync() as Float32Array, dfilter: grads[1]!.dataSync() as Float32Array, dbias: grads[2]!.dataSync() as Float32Array };
    tf.dispose([x, f, b, y, w, ...grads]);
    return out;
  }

  function convData(c: ConvCase) {
    const size = (s: number[]) => s.reduce((a, v) => a * v, 1);
    const outShape = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad).outShape;
    return { x: randomValues(size(c.x)), f: randomValues(size(c.filter)), b: randomValues(c.filter[3], 0, 0.3), w: randomValues(size(outShape)) };
  }

  const label = (c: ConvCase) => `x ${c.x.join('x')} filter ${c.filter.join('x')} strides ${c.strides.join(',')} ${c.pad}`;

  it.each(CASES.map((c) => [label(c), c] as const))('matches relu(conv2d + bias) on cpu: %s', async (_, c) => {
    await use('cpu');
    const data = convData(c);
    const fused = runConv(true, c, data);
    const composed = runConv(false, c, data);
    for (const key of Object.keys(composed) as (keyof typeof composed)[]) {
      expect(relativeError(fused[key], composed[key]), key).toBeLessThan(TOLERANCE);
    }
  });

  it.each(CASES.map((c) => [label(c), c] as const))('wasm matches cpu: %s', async (_, c) => {
    const data = convData(c);
    await use('cpu');
    const want = runConv(true, c, data);
    await use('wasm');
    const got = runConv(true, c, data);
    for (const key of Object.keys(want) as (keyof typeof want)[]) {
      expect(relativeError(got[key], want[key]), key).toBeLessThan(TOLERANCE);
    }
  });

  it('computes no input gradient when only the filter and bias need one', async () => {
    await use('wasm');
    const x = tf.tensor4d(randomValues(2 * 6 * 6), [2, 6, 6, 1]);
    const f = tf.variable(tf.tensor4d(randomValues(9 * 2), [3, 3, 1, 2]));
    const b = tf.variable(tf.zeros([2]));
    const profile = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(conv2dReluTraining(x, f as unknown as tf.Tensor4D, b as unknown as tf.Tensor1D, { strides: [1, 1], pad: 'valid' })) as tf.Scalar, [f, b]);
      tf.dispose([value, ...Object.values(grads)]);
    });
    const names = profile.kernels.map((k) => k.name);
    expect(names).toContain('Conv2DBackpropFilter');
    expect(names).not.toContain('Conv2DBackpropInput');
    tf.dispose([x, f, b]);
  });
});

describe('the trainer\'s model', () => {
  it('fused and unfused layers give the same loss and gradients on wasm (BN, conv + ReLU, L2)', async () => {
    await use('wasm');
    const xs = tf.tensor4d(randomValues(8 * 784, 0.5, 0.5), [8, 28, 28, 1]);
    const ys = tf.oneHot(tf.tensor1d(Int32Array.from({ length: 8 }, (_, i) => i % 10), 'int32'), 10);
    const run = () => {
      const model = buildModel({ dropout: 0, l2: 1e-4 }, 3);
      const { value, grads } = tf.variableGrads(() => {
        const probs = model.apply(xs, { training: true }) as tf.Tensor;
        return tf.add(tf.mean(tf.metrics.categoricalCrossentropy(ys, probs)), tf.addN(regularizationLosses(model))) as tf.Scalar;
      });
      const out = [value.dataSync() as Float32Array, ...model.trainableWeights.map((w) => grads[w.originalName]!.dataSync() as Float32Array)];
      tf.dispose([value, ...Object.values(grads)]);
      model.dispose();
      return out;
    };
    unregisterFusedKernels();
    let stock: Float32Array[];
    try {
      stock = run();
    } finally {
      registerFusedKernels();
    }
    const fused = run();
    expect(fused.length).toBe(stock.length);
    fused.forEach((g, i) => expect(relativeError(g, stock[i]!), i === 0 ? 'loss' : `gradient ${i - 1}`).toBeLessThan(TOLERANCE));
    tf.dispose([xs, ys]);
  });
});

describe('fused Dropout (training)', () => {
  it.each([
    [[64, 12, 12, 32], 0.4],
    [[64, 256], 0.5],
    [[3, 7], 0.1],
  ] as const)('shape %j rate %f: keeps about 1 - rate, scales by 1 / (1 - rate), and its gradient is TF.js\'s for that mask', async (shape, rate) => {
    for (const backend of ['cpu', 'wasm'] as const) {
      await use(backend);
      const n = shape.reduce((a: number, b: number) => a * b, 1);
      const x = tf.tensor(randomValues(n, 2, 1), [...shape]); // never 0: a zero output means dropped
      const w = tf.tensor(randomValues(n), [...shape]);
      const seedValue = 12345;
      const y = dropoutTraining(x, rate, seedValue);
      const yv = y.dataSync();
      const mask = tf.tensor(Float32Array.from(yv, (v) => (v === 0 ? 0 : 1)), [...shape]);
      const kept = mask.sum().dataSync()[0]! / n;
      if (n > 10_000) expect(Math.abs(kept - (1 - rate))).toBeLessThan(0.01);
      // TF.js's dropout composition with this mask: x * (mask / keepProb), and its gradient.
      const multiplier = tf.div(mask, 1 - rate);
      expect(relativeError(yv, tf.mul(x, multiplier).dataSync())).toBeLessThan(TOLERANCE);
      const got = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(dropoutTraining(xx, rate, seedValue), w)))(x);
      const want = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.mul(xx, multiplier), w)))(x);
      expect(relativeError(got.dataSync(), want.dataSync())).toBeLessThan(TOLERANCE);
      // Another seed, another mask.
      const other = dropoutTraining(x, rate, seedValue + 1);
      expect(Array.from(other.dataSync())).not.toEqual(Array.from(yv));
      tf.dispose([x, w, y, mask, multiplier, got, want, other]);
    }
  });

  it('cpu and wasm draw the same mask for the same seed (SIMD lanes and the JS tail)', async () => {
    const values = randomValues(5003, 1, 0.5); // not a multiple of 4: the last 3 take the JS path
    await use('cpu');
    const a = dropoutTraining(tf.tensor1d(values), 0.4, 99);
    const want = a.dataSync().slice();
    a.dispose();
    await use('wasm');
    const b = dropoutTraining(tf.tensor1d(values), 0.4, 99);
    const got = b.dataSync();
    // The same elements dropped (the inputs are never 0), the kept ones scaled alike.
    expect(Array.from(got, (v) => v === 0)).toEqual(Array.from(want, (v) => v === 0));
    expect(relativeError(got, want)).toBeLessThan(TOLERANCE);
    b.dispose();
  });

  it('the layer keeps the stock class name and config, and is the identity in inference', async () => {
    await use('wasm');
    const layer = dropout({ rate: 0.4 });
    expect(layer.getClassName()).toBe('Dropout');
    const { name: _a, ...config } = layer.getConfig();
    const { name: _b, ...stock } = tf.layers.dropout({ rate: 0.4 }).getConfig();
    expect(config).toEqual(stock);
    const x = tf.ones([4, 5]);
    const y = layer.apply(x, { training: false }) as tf.Tensor;
    expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    tf.dispose([x, y]);
  });
});
