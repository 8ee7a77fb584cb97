/**
 * Our overrides of stock wasm kernels (src/train/wasm-kernels) against the cpu backend's kernels on random inputs, plus one full
 * gradient step of a small conv + BN + dense model on both backends.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels } from '../../src/train/wasm-kernels/index.js';
import { relativeError } from './relative-error.js';

type Backend = 'cpu' | 'wasm';
interface Input {
  shape: number[];
  values: Float32Array | Int32Array;
  dtype?: 'float32' | 'int32';
}

const TOLERANCE = 1e-4;


let seed = 12345;
function random(shape: number[]): Input {
  const n = shape.reduce((p, d) => p * d, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    values[i] = seed / 2 ** 31 - 1;
  }
  return { shape, values };
}

async function use(backend: Backend): Promise<void> {
  if (tf.getBackend() === backend) return;
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
}

async function runOn(backend: Backend, kernel: string, inputs: Record<string, Input>, attrs: tf.NamedAttrMap): Promise<{ shape: number[]; data: Float32Array | Int32Array }> {
  await use(backend);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(inputs)) tensors[k] = tf.tensor(v.values, v.shape, v.dtype ?? 'float32');
  const out = tf.engine().runKernel(kernel, tensors, attrs) as tf.Tensor;
  const result = { shape: out.shape, data: out.dataSync() as Float32Array | Int32Array };
  tf.dispose([out, ...Object.values(tensors)]);
  return result;
}

async function expectSameAsCpu(kernel: string, inputs: Record<string, Input>, attrs: tf.NamedAttrMap): Promise<void> {
  const want = await runOn('cpu', kernel, inputs, attrs);
  const got = await runOn('wasm', kernel, inputs, attrs);
  expect(got.shape).toEqual(want.shape);
  expect(relativeError(got.data, want.data)).toBeLessThan(TOLERANCE);
}

interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
}

const CONV_CASES: ConvCase[] = [
  // The model's six layers (batch 2: the cpu reference kernels are slow), the first at batch 64.
  { x: [64, 28, 28, 1], filter: [3, 3, 1, 32], strides: 1, pad: 'valid' },
  { x: [2, 26, 26, 32], filter: [3, 3, 32, 32], strides: 1, pad: 'valid' },
  { x: [2, 24, 24, 32], filter: [5, 5, 32, 32], strides: 2, pad: 'same' },
  { x: [2, 12, 12, 32], filter: [3, 3, 32, 64], strides: 1, pad: 'valid' },
  { x: [2, 10, 10, 64], filter: [3, 3, 64, 64], strides: 1, pad: 'valid' },
  { x: [2, 8, 8, 64], filter: [5, 5, 64, 64], strides: 2, pad: 'same' },
  // Batch and channels in fours (the WASM SIMD x transpose), with cropped rows/columns; one input
  // channel with the columns in fours after the crop.
  { x: [4, 10, 10, 32], filter: [3, 3, 32, 32], strides: 1, pad: 'valid' },
  { x: [4, 9, 10, 8], filter: [3, 3, 8, 4], strides: 2, pad: 'valid' },
  { x: [8, 7, 9, 1], filter: [2, 2, 1, 3], strides: 2, pad: 'valid' },
  { x: [4, 6, 8, 1], filter: [3, 3, 1, 2], strides: 1, pad: 'same' },
  // One input channel, output channels in eights (the filter gradient's SIMD im2col pass), with padding
  // on every side, strides and an odd batch.
  { x: [3, 9, 11, 1], filter: [5, 5, 1, 8], strides: 2, pad: 'same' },
  { x: [2, 7, 6, 1], filter: [3, 2, 1, 16], strides: [1, 2], pad: 'valid' },
  { x: [1, 5, 5, 1], filter: [3, 3, 1, 8], strides: 1, pad: 2 },
  // Input channels in fours and output channels in eights (the filter gradient's register-tiled SIMD
  // pass): padding on every side, uneven strides, rows the forward pass never read, chunks of rows that
  // do not divide the output height.
  { x: [3, 9, 11, 8], filter: [5, 3, 8, 16], strides: [2, 1], pad: 'same' },
  { x: [2, 7, 7, 4], filter: [3, 3, 4, 8], strides: 1, pad: 2 },
  { x: [2, 10, 9, 4], filter: [3, 3, 4, 8], strides: 2, pad: 'valid' },
  { x: [1, 30, 3, 12], filter: [2, 1, 12, 24], strides: 1, pad: 'valid' },
  // Input channels in sixteens (the input gradient's register-tiled SIMD pass): odd widths (a lone last
  // pixel), padding wider than the filter, rows and columns the forward pass never read, stride 3.
  { x: [3, 9, 11, 16], filter: [5, 3, 16, 8], strides: [2, 1], pad: 'same' },
  { x: [2, 6, 7, 32], filter: [3, 3, 32, 5], strides: 1, pad: 3 },
  { x: [2, 10, 9, 16], filter: [3, 3, 16, 8], strides: 2, pad: 'valid' },
  { x: [1, 8, 8, 16], filter: [2, 2, 16, 3], strides: 3, pad: 'same' },
  // Odd sizes, batch 1, uneven 'same' padding, rows the forward pass never read, 1x1 stride 2.
  { x: [1, 5, 5, 2], filter: [3, 3, 2, 3], strides: 1, pad: 'same' },
  { x: [1, 7, 9, 3], filter: [5, 5, 3, 4], strides: 2, pad: 'same' },
  { x: [3, 12, 11, 5], filter: [3, 3, 5, 2], strides: 2, pad: 'valid' },
  { x: [2, 11, 13, 3], filter: [5, 3, 3, 7], strides: [2, 1], pad: 'valid' },
  { x: [2, 9, 10, 4], filter: [2, 2, 4, 3], strides: 2, pad: 'same' },
  { x: [2, 6, 7, 3], filter: [1, 1, 3, 5], strides: 2, pad: 'valid' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: 3, pad: 'same' },
  { x: [2, 6, 6, 2], filter: [3, 3, 2, 2], strides: 1, pad: 1 },
  // Padding wider than the filter: Conv2DBackpropInput hands this to the stock kernel.
  { x: [2, 6, 6, 2], filter: [3, 3, 2, 2], strides: 1, pad: 3 },
];

function label(c: ConvCase): string {
  return `x ${c.x.join('x')} filter ${c.filter.join('x')} strides ${String(c.strides)} ${String(c.pad)}`;
}

function dyShape(c: ConvCase): number[] {
  return tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad).outShape;
}

beforeAll(async () => {
  registerWasmTrainingKernels();
  registerWasmTrainingKernels(); // idempotent
  await use('wasm');
});

describe('Conv2DBackpropFilter on wasm', () => {
  it.each(CONV_CASES.map((c) => [label(c), c] as const))('matches cpu: %s', async (_, c) => {
    await expectSameAsCpu('Conv2DBackpropFilter', { x: random(c.x), dy: random(dyShape(c)) }, {
      strides: c.strides,
      pad: c.pad,
      dataFormat: 'NHWC',
      filterShape: c.filter,
    });
  });
});

describe('Conv2DBackpropInput on wasm', () => {
  it.each(CONV_CASES.map((c) => [label(c), c] as const))('matches cpu: %s', async (_, c) => {
    await expectSameAsCpu('Conv2DBackpropInput', { dy: random(dyShape(c)), filter: random(c.filter) }, {
      strides: c.strides,
      pad: c.pad,
      dataFormat: 'NHWC',
      inputShape: c.x,
    });
  });
});

describe('Tile on wasm', () => {
  const cases: Array<[number[], number[]]> = [
    [[1, 1, 1, 32], [64, 26, 26, 1]],
    [[1, 1, 1, 64], [8, 10, 10, 1]],
    [[2, 3], [3, 2]],
    [[5], [3]],
    [[2, 1, 3], [1, 4, 2]],
    [[3, 2, 1, 2], [2, 1, 3, 1]],
    [[4, 3], [1, 1]],
  ];
  it.each(cases)('matches cpu: %j reps %j', async (shape, reps) => {
    await expectSameAsCpu('Tile', { x: random(shape) }, { reps });
  });
  it('tiles int32', async () => {
    const values = Int32Array.from({ length: 6 }, (_, i) => i * 7 - 3);
    await expectSameAsCpu('Tile', { x: { shape: [2, 3], values, dtype: 'int32' } }, { reps: [2, 3] });
  });
});

describe('BatchMatMul on wasm', () => {
  const cases: Array<[number[], number[], boolean, boolean]> = [
    [[64, 1024], [64, 256], true, false], // Dense kernel gradient
    [[64, 256], [1024, 256], false, true], // Dense input gradient
    [[64, 10], [256, 10], false, true],
    [[7, 5], [3, 7], true, true],
    [[1, 7, 5], [1, 7, 3], true, false],
    [[1, 5], [3, 5], false, true],
    [[1, 4, 6], [1, 20, 6], false, true], // B larger than A and the product: computed as (B A^T)^T
    [[5, 6], [6, 4], false, false],
    [[3, 5, 4], [3, 6, 5], true, true], // batched: the stock kernel
  ];
  it.each(cases)('matches cpu: a %j b %j transposeA %s transposeB %s', async (a, b, transposeA, transposeB) => {
    await expectSameAsCpu('BatchMatMul', { a: random(a), b: random(b) }, { transposeA, transposeB });
  });
});

describe('Sum and Mean on wasm', () => {
  const cases: Array<[number[], number | number[], boolean]> = [
    [[64, 26, 26, 32], [0, 1, 2], true], // BatchNormalization's moments and gradient
    [[8, 10, 10, 64], [0, 1, 2], false],
    [[4, 5], 0, false],
    [[3, 4, 5], [-3, -2], true],
    [[3, 4, 5], [0, 1, 2], false],
    [[3, 4, 5], [1], false], // not leading axes: the stock kernel
    [[3, 4, 5], [2, 0], true],
  ];
  for (const kernel of ['Sum', 'Mean']) {
    it.each(cases)(`${kernel} matches cpu: %j axis %j keepDims %s`, async (shape, axis, keepDims) => {
      await expectSameAsCpu(kernel, { x: random(shape) }, { axis, keepDims });
    });
  }
  it('sums int32 with the stock kernel', async () => {
    const values = Int32Array.from({ length: 12 }, (_, i) => i * 5 - 7);
    await expectSameAsCpu('Sum', { x: { shape: [3, 4], values, dtype: 'int32' } }, { axis: [0], keepDims: false });
  });
});

describe('Identity on wasm', () => {
  it('shares the buffer and survives disposing its input', async () => {
    await use('wasm');
    const x = tf.tensor(random([2, 3]).values, [2, 3]);
    const want = x.dataSync().slice();
    const y = tf.engine().runKernel('Identity', { x }, {}) as tf.Tensor;
    x.dispose();
    expect(y.shape).toEqual([2, 3]);
    expect(Array.from(y.dataSync())).toEqual(Array.from(want));
    y.dispose();
  });
});

describe('kernel hygiene', () => {
  it('leaks no tensors or wasm buffers', async () => {
    await use('wasm');
    const x = tf.tensor(random([4, 12, 12, 3]).values, [4, 12, 12, 3]);
    const w = tf.tensor(random([5, 5, 3, 4]).values, [5, 5, 3, 4]);
    const run = (): void => {
      tf.tidy(() => {
        const f = (...[xx, ww]: tf.Tensor[]) => tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 2, 'same').square().sum();
        const [gx, gw] = tf.grads(f)([x, w]) as [tf.Tensor, tf.Tensor];
        tf.tile(tf.ones([1, 1, 1, 3]), [4, 12, 12, 1]).sum().add(gx.sum()).add(gw.sum()).dataSync();
        tf.matMul(tf.ones([6, 5]), tf.ones([6, 7]), true, false).dataSync();
        tf.moments(gx, [0, 1, 2]).variance.clone().dataSync();
      });
    };
    run();
    const before = tf.memory() as tf.MemoryInfo & { numDataBuffers: number };
    for (let i = 0; i < 3; i++) run();
    const after = tf.memory() as tf.MemoryInfo & { numDataBuffers: number };
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    expect(after.numBytes).toBe(before.numBytes);
    tf.dispose([x, w]);
  });

  it('names an unsupported data format', async () => {
    await use('wasm');
    const x = tf.zeros([1, 2, 5, 5]);
    const dy = tf.zeros([1, 2, 3, 3]);
    expect(() =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 2, 2] }),
    ).toThrow(/dataFormat 'NHWC'/);
    tf.dispose([x, dy]);
  });
});

describe('a gradient step on wasm', () => {
  function buildSmallModel(): tf.Sequential {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [12, 12, 1], filters: 6, kernelSize: 3, activation: 'relu' }));
    m.add(tf.layers.batchNormalization());
    m.add(tf.layers.conv2d({ filters: 8, kernelSize: 5, strides: 2, padding: 'same', activation: 'relu' }));
    m.add(tf.layers.batchNormalization());
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 16, activation: 'relu' }));
    m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
    return m;
  }

  async function gradients(backend: Backend, weights: Input[], x: Input, labels: Int32Array): Promise<Map<string, Float32Array>> {
    await use(backend);
    const model = buildSmallModel();
    model.setWeights(weights.map((w) => tf.tensor(w.values, w.shape)));
    const xs = tf.tensor(x.values, x.shape);
    const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
    const { value, grads } = tf.variableGrads(() => {
      const pred = model.apply(xs, { training: true }) as tf.Tensor;
      return tf.metrics.categoricalCrossentropy(ys, pred).mean() as tf.Scalar;
    });
    const out = new Map<string, Float32Array>();
    out.set('loss', value.dataSync() as Float32Array);
    // Variable names differ between the two models (layer counters); the order matches.
    model.trainableWeights.forEach((w, i) => {
      const g = grads[w.originalName] ?? grads[w.name];
      if (g === undefined) throw new Error(`no gradient for ${w.name}`);
      out.set(`${i}:${w.shape.join('x')}`, g.dataSync() as Float32Array);
    });
    tf.dispose([value, xs, ys, ...Object.values(grads)]);
    model.dispose();
    return out;
  }

  it('matches cpu for every variable', async () => {
    await use('cpu');
    const reference = buildSmallModel();
    const weights = reference.getWeights().map((w) => ({ shape: w.shape, values: w.dataSync() as Float32Array }));
    reference.dispose();
    const x = random([5, 12, 12, 1]);
    const labels = Int32Array.from([3, 1, 4, 1, 5]);
    const want = await gradients('cpu', weights, x, labels);
    const got = await gradients('wasm', weights, x, labels);
    expect([...got.keys()]).toEqual([...want.keys()]);
    expect(got.size).toBeGreaterThan(10);
    for (const [name, w] of want) {
      expect(relativeError(got.get(name) as Float32Array, w), name).toBeLessThan(TOLERANCE);
    }
  });
});
