/**
 * Each fused training kernel (src/train/ops/), forward and gradient, on a backend against the cpu
 * reference: the same inputs on both, the worst relative error max|a - b| / max|b| per case. Small
 * shapes (several per kernel: rows below and above one workgroup, one channel, strided and padded
 * convolutions, two dropout rates and seeds), so it runs on SwiftShader in tests
 * (test/train/webgpu.test.ts) and as the first check on a real GPU (scripts/gpu-run.sh, step `kernels`,
 * through src/bench/kernel-check.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, type ConcreteBackend } from './backend.js';
import { ADAM_UPDATE, BN_TRAINING, BN_TRAINING_GRAD, conv2dReluTraining, DROPOUT, DROPOUT_GRAD, RELU_BIAS_GRAD } from './ops/index.js';

export interface KernelCheck {
  backend: string;
  /** Per case ("<kernel> <shape>..."): how many output arrays were compared, and the worst relative error. */
  errors: Record<string, { outputs: number; worst: number }>;
  /** Elements dropped by the backend in the case "DropoutTraining [1000] rate 0.4 seed 7" (about 400). */
  dropped: number;
}

/** Deterministic values in [lo, lo + span) (a sine hash: nothing random to share between backends). */
function values(n: number, salt: number, lo = -1, span = 2): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => lo + span * ((((Math.sin(i * 12.9898 + salt * 78.233) * 43758.5453) % 1) + 1) % 1));
}
function t(shape: number[], salt: number, lo?: number, span?: number): tf.Tensor {
  return tf.tensor(values(tf.util.sizeFromShape(shape), salt, lo, span), shape);
}
function run(name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap): tf.Tensor[] {
  return [tf.engine().runKernel(name, inputs, attrs) as tf.Tensor | tf.Tensor[]].flat();
}

/** The cases, each computing its outputs on the current backend. */
function cases(): Record<string, () => tf.Tensor[]> {
  const c: Record<string, () => tf.Tensor[]> = {};
  for (const shape of [[4, 3, 3, 5], [300, 7], [6, 1]]) {
    const ch = shape[shape.length - 1]!;
    const inputs = (): tf.NamedTensorMap => ({ x: t(shape, 1, -2, 5), gamma: t([ch], 2, 0.5, 1), beta: t([ch], 3), movingMean: t([ch], 4), movingVariance: t([ch], 5, 0.5, 1) });
    c[`BatchNormTraining ${JSON.stringify(shape)}`] = () => run(BN_TRAINING, inputs(), { epsilon: 1e-3, momentum: 0.99 });
    c[`BatchNormTrainingGrad ${JSON.stringify(shape)}`] = () => {
      const ins = inputs();
      const [, stats] = run(BN_TRAINING, ins, { epsilon: 1e-3, momentum: 0.99 });
      return run(BN_TRAINING_GRAD, { dy: t(shape, 6), x: ins['x']!, gamma: ins['gamma']!, stats: stats! }, { epsilon: 1e-3 });
    };
  }
  c['AdamUpdate 3 variables, step 3'] = () => {
    const inputs: tf.NamedTensorMap = {};
    [[3, 3, 1, 4], [4], [600]].forEach((s, i) => {
      inputs[`p${i}`] = t(s, 10 + i);
      inputs[`g${i}`] = t(s, 20 + i, -0.1, 0.2);
      inputs[`m${i}`] = t(s, 30 + i, -0.01, 0.02);
      inputs[`v${i}`] = t(s, 40 + i, 0, 1e-4);
    });
    const acc1 = Math.fround(0.9 ** 3);
    const acc2 = Math.fround(0.999 ** 3);
    return run(ADAM_UPDATE, inputs, { count: 3, lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, oneMinusAccBeta1: Math.fround(1 - acc1), oneMinusAccBeta2: Math.fround(1 - acc2) });
  };
  const convs: Array<[number[], number[], [number, number], 'same' | 'valid']> = [
    [[2, 6, 6, 3], [3, 3, 3, 4], [1, 1], 'same'],
    [[1, 7, 7, 1], [5, 5, 1, 2], [2, 2], 'valid'],
  ];
  for (const [xs, fs, strides, pad] of convs) {
    const key = `Conv2DReluTraining x ${JSON.stringify(xs)} filter ${JSON.stringify(fs)} ${pad}`;
    const args = (): [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D] => [t(xs, 50) as tf.Tensor4D, t(fs, 51, -0.5, 1) as tf.Tensor4D, t([fs[3]!], 52, -0.2, 0.4) as tf.Tensor1D];
    c[`${key}: forward`] = () => [conv2dReluTraining(...args(), { strides, pad })];
    c[`${key}: gradients`] = () => {
      const [x, f, b] = args();
      const w = t(conv2dReluTraining(x, f, b, { strides, pad }).shape, 53);
      return tf.grads((xx, ff, bb) => tf.sum(tf.mul(conv2dReluTraining(xx as tf.Tensor4D, ff as tf.Tensor4D, bb as tf.Tensor1D, { strides, pad }), w)))([x, f, b]);
    };
  }
  c['ReluBiasGrad [300, 3]'] = () => run(RELU_BIAS_GRAD, { dy: t([300, 3], 60), y: t([300, 3], 61) }, {});
  const drops: Array<[number[], number, number]> = [
    [[1000], 0.4, 7],
    [[5, 7, 3], 0.1, 4000000000],
  ];
  for (const [shape, rate, seed] of drops) {
    const key = `${JSON.stringify(shape)} rate ${rate} seed ${seed}`;
    c[`DropoutTraining ${key}`] = () => run(DROPOUT, { x: t(shape, 70, 1, 1) }, { rate, seed });
    c[`DropoutTrainingGrad ${key}`] = () => run(DROPOUT_GRAD, { dy: t(shape, 71, 1, 1) }, { rate, seed });
  }
  return c;
}

async function outputs(backend: ConcreteBackend, all: Record<string, () => tf.Tensor[]>): Promise<Record<string, Float32Array[]>> {
  await initBackend(backend);
  const out: Record<string, Float32Array[]> = {};
  for (const [key, fn] of Object.entries(all)) {
    const ts = tf.tidy(fn);
    out[key] = (await Promise.all(ts.map((x) => x.data()))) as Float32Array[];
    tf.dispose(ts);
  }
  return out;
}

/** Runs every case on cpu, then on `backend` (which stays the active backend), and compares. */
export async function checkFusedKernels(backend: ConcreteBackend): Promise<KernelCheck> {
  const all = cases();
  const want = await outputs('cpu', all);
  const got = await outputs(backend, all);
  const errors: KernelCheck['errors'] = {};
  for (const key of Object.keys(all)) {
    let worst = 0;
    want[key]!.forEach((w, i) => {
      const g = got[key]![i]!;
      if (g.length !== w.length) throw new Error(`${key}: output ${i} has ${g.length} elements on ${backend}, ${w.length} on cpu`);
      let diff = 0;
      let scale = 0;
      for (let k = 0; k < w.length; k++) {
        diff = Math.max(diff, Math.abs(g[k]! - w[k]!));
        scale = Math.max(scale, Math.abs(w[k]!));
      }
      worst = Math.max(worst, diff / Math.max(scale, 1e-30));
    });
    errors[key] = { outputs: want[key]!.length, worst };
  }
  const dropped = got['DropoutTraining [1000] rate 0.4 seed 7']![0]!.filter((v) => v === 0).length;
  return { backend: tf.getBackend(), errors, dropped };
}
