// Child process of test/train/webgpu.test.ts (the Vulkan loader reads LD_LIBRARY_PATH at process
// start, so SwiftShader needs a fresh process): runs each fused kernel, forward and gradient, on cpu and
// on webgpu with the same inputs and prints one JSON line { backend, errors: { case: relative error } }.
import * as tf from '@tensorflow/tfjs';
import {
  ADAM_UPDATE, BN_TRAINING, BN_TRAINING_GRAD, DROPOUT, DROPOUT_GRAD, RELU_BIAS_GRAD, conv2dReluTraining, initBackend,
} from '../../dist/train/index.js';

/** Deterministic values in [lo, lo + span) (a sine hash: no RNG state to share between backends). */
const values = (n, salt, lo = -1, span = 2) => Float32Array.from({ length: n }, (_, i) => lo + span * ((Math.sin(i * 12.9898 + salt * 78.233) * 43758.5453) % 1 + 1) % 1);
const size = (shape) => shape.reduce((a, b) => a * b, 1);
const t = (shape, salt, lo, span) => tf.tensor(values(size(shape), salt, lo, span), shape);
const run = (name, inputs, attrs) => [tf.engine().runKernel(name, inputs, attrs)].flat();

/** Each case returns a list of arrays, computed on the current backend. */
const cases = {};
for (const shape of [[4, 3, 3, 5], [300, 7], [6, 1]]) {
  const c = shape.at(-1);
  const key = `BatchNormTraining ${JSON.stringify(shape)}`;
  const inputs = () => ({ x: t(shape, 1, -2, 5), gamma: t([c], 2, 0.5, 1), beta: t([c], 3), movingMean: t([c], 4), movingVariance: t([c], 5, 0.5, 1) });
  cases[key] = () => run(BN_TRAINING, inputs(), { epsilon: 1e-3, momentum: 0.99 });
  cases[`BatchNormTrainingGrad ${JSON.stringify(shape)}`] = () => {
    const { x, gamma } = inputs();
    const [, stats] = run(BN_TRAINING, inputs(), { epsilon: 1e-3, momentum: 0.99 });
    return run(BN_TRAINING_GRAD, { dy: t(shape, 6), x, gamma, stats }, { epsilon: 1e-3 });
  };
}
cases['AdamUpdate 3 variables, step 3'] = () => {
  const shapes = [[3, 3, 1, 4], [4], [600]];
  const inputs = {};
  shapes.forEach((s, i) => {
    inputs[`p${i}`] = t(s, 10 + i);
    inputs[`g${i}`] = t(s, 20 + i, -0.1, 0.2);
    inputs[`m${i}`] = t(s, 30 + i, -0.01, 0.02);
    inputs[`v${i}`] = t(s, 40 + i, 0, 1e-4);
  });
  const acc1 = Math.fround(0.9 ** 3);
  const acc2 = Math.fround(0.999 ** 3);
  return run(ADAM_UPDATE, inputs, { count: 3, lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, oneMinusAccBeta1: Math.fround(1 - acc1), oneMinusAccBeta2: Math.fround(1 - acc2) });
};
for (const [xs, fs, strides, pad] of [[[2, 6, 6, 3], [3, 3, 3, 4], [1, 1], 'same'], [[1, 7, 7, 1], [5, 5, 1, 2], [2, 2], 'valid']]) {
  const key = `Conv2DReluTraining x ${JSON.stringify(xs)} filter ${JSON.stringify(fs)} ${pad}`;
  const attrs = { strides, pad };
  cases[`${key}: forward`] = () => [conv2dReluTraining(t(xs, 50), t(fs, 51, -0.5, 1), t([fs[3]], 52, -0.2, 0.4), attrs)];
  cases[`${key}: gradients`] = () => {
    const x = t(xs, 50);
    const f = t(fs, 51, -0.5, 1);
    const b = t([fs[3]], 52, -0.2, 0.4);
    const w = t(conv2dReluTraining(x, f, b, attrs).shape, 53);
    return tf.grads((xx, ff, bb) => tf.sum(tf.mul(conv2dReluTraining(xx, ff, bb, attrs), w)))([x, f, b]);
  };
}
cases['ReluBiasGrad [300, 3]'] = () => run(RELU_BIAS_GRAD, { dy: t([300, 3], 60), y: t([300, 3], 61) }, {});
for (const [shape, rate, seed] of [[[1000], 0.4, 7], [[5, 7, 3], 0.1, 4000000000]]) {
  const key = `${JSON.stringify(shape)} rate ${rate} seed ${seed}`;
  cases[`DropoutTraining ${key}`] = () => run(DROPOUT, { x: t(shape, 70, 1, 1) }, { rate, seed });
  cases[`DropoutTrainingGrad ${key}`] = () => run(DROPOUT_GRAD, { dy: t(shape, 71, 1, 1) }, { rate, seed });
}

const results = {};
for (const backend of ['cpu', 'webgpu']) {
  await initBackend(backend);
  results[backend] = {};
  for (const [key, fn] of Object.entries(cases)) {
    const out = tf.tidy(fn);
    results[backend][key] = await Promise.all(out.map((o) => o.data()));
    tf.dispose(out);
  }
}
const errors = {};
for (const key of Object.keys(cases)) {
  let worst = 0;
  results.cpu[key].forEach((want, i) => {
    const got = results.webgpu[key][i];
    if (got.length !== want.length) throw new Error(`${key}: output ${i} has ${got.length} elements on webgpu, ${want.length} on cpu`);
    let diff = 0;
    let scale = 0;
    for (let k = 0; k < want.length; k++) {
      diff = Math.max(diff, Math.abs(got[k] - want[k]));
      scale = Math.max(scale, Math.abs(want[k]));
    }
    worst = Math.max(worst, diff / Math.max(scale, 1e-30));
  });
  errors[key] = { outputs: results.cpu[key].length, worst };
}
const dropped = Array.from(results.webgpu['DropoutTraining [1000] rate 0.4 seed 7'][0]).filter((v) => v === 0).length;
console.log(JSON.stringify({ backend: tf.getBackend(), errors, dropped }));
process.exit(0);
