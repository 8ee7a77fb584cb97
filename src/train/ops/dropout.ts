/**
 * Dropout in training as one kernel forward and one backward, with the mask drawn inside the kernel's
 * own pass over the tensor by the counter-based hash of dropout-mask.ts (the same mask on every backend:
 * webgpu/kernels.ts runs the same function in WGSL, and on wasm ../wasm-simd/kernels.wat, four lanes
 * at a time).
 *
 * TF.js's tf.dropout draws the mask with randomUniform (seedrandom's alea, one JS call per element:
 * about 0.1 us each here, ~40 ms per step for the model's three Dropout layers), then runs Add, Floor,
 * RealDiv and Multiply, and keeps the mask for the gradient. Here the forward kernel writes
 * y = x * mask / keepProb and the gradient kernel regenerates the same mask from the same seed
 * (nothing is kept between the passes). The mask has the same distribution (each element kept with
 * probability 1 - rate); the random stream differs, as it does between any two unseeded TF.js runs.
 */
import * as tf from '@tensorflow/tfjs';
import { simdFor } from '../wasm-simd/index.js';
import { applyDropoutMask, keepThreshold, maskKeys } from './dropout-mask.js';
import { input, withArrays, type CpuSideBackend, type KernelArgs } from './memory.js';

export const DROPOUT = 'DropoutTraining';
export const DROPOUT_GRAD = 'DropoutTrainingGrad';

function kernel(name: string, backendName: CpuSideBackend, inputName: string): tf.KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs = {} }: KernelArgs): tf.TensorInfo => {
    const x = input(inputs, inputName, name);
    const rate = attrs['rate'] as number;
    if (!(rate >= 0 && rate < 1)) throw new Error(`${name}: rate must be in [0, 1), got ${rate}`);
    const m = withArrays(backendName, backend, [x], [x.shape]);
    const seed = attrs['seed'] as number;
    const simd = backendName === 'wasm' ? simdFor(backend) : null;
    if (simd !== null) {
      // Four lanes at a time in WASM SIMD (../wasm-simd/kernels.wat), the same mask; the scale there is
      // float32 (values within an ulp of the JS pass). The last n % 4 elements in JS.
      const n = tf.util.sizeFromShape(x.shape);
      const bulk = n - (n % 4);
      const [k1, k2] = maskKeys(seed);
      simd.kernels.dropout(simd.ptr(m.infos[0]!), simd.ptr(x), bulk, k1 | 0, k2 | 0, keepThreshold(rate), 1 / (1 - rate));
      if (bulk < n) {
        const buf = simd.memory.buffer;
        applyDropoutMask(new Float32Array(buf, simd.ptr(x), n), new Float32Array(buf, simd.ptr(m.infos[0]!), n), rate, seed, bulk);
      }
      return m.infos[0]!;
    }
    applyDropoutMask(m.inputs[0]!, m.outputs[0]!, rate, seed);
    return m.infos[0]!;
  };
  return { kernelName: name, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

export function dropoutKernelConfigs(backendName: CpuSideBackend): tf.KernelConfig[] {
  return [kernel(DROPOUT, backendName, 'x'), kernel(DROPOUT_GRAD, backendName, 'dy')];
}

export const dropoutGradConfig: tf.GradConfig = {
  kernelName: DROPOUT,
  gradFunc: (dy, _saved, attrs) => ({
    x: () => tf.engine().runKernel(DROPOUT_GRAD, { dy: dy as tf.Tensor }, attrs as tf.NamedAttrMap) as tf.Tensor,
  }),
};

export function dropoutAvailable(): boolean {
  const b = tf.getBackend();
  return tf.getKernel(DROPOUT, b) !== undefined && tf.getKernel(DROPOUT_GRAD, b) !== undefined;
}

/** x * mask / (1 - rate), each element kept with probability 1 - rate; `seed` picks the mask (uint32). */
export function dropoutTraining(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  return tf.engine().runKernel(DROPOUT, { x }, { rate, seed: seed >>> 0 }) as tf.Tensor;
}

type DropoutArgs = Parameters<typeof tf.layers.dropout>[0];
type Kwargs = Record<string, unknown>;
interface DropoutInternals extends tf.layers.Layer {
  rate: number;
  noiseShape: unknown;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[];
}

let layerClass: (new (args: DropoutArgs) => tf.layers.Layer) | null = null;

function fusedLayerClass(): new (args: DropoutArgs) => tf.layers.Layer {
  if (layerClass) return layerClass;
  // TF.js exports Dropout through its factory only; its class is the prototype's constructor.
  const Base = Object.getPrototypeOf(tf.layers.dropout({ rate: 0.5 })).constructor as new (args: DropoutArgs) => DropoutInternals;
  class FusedTrainingDropout extends Base {
    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (kwargs['training'] !== true || x === undefined || x.dtype !== 'float32' || this.noiseShape != null || !(this.rate > 0 && this.rate < 1) || !dropoutAvailable()) {
        return super.call(inputs, kwargs);
      }
      // The training loop sets a new seed before every step (mixSeed(seed, step, layer): a resumed trial
      // draws the same masks as an uninterrupted one); a layer used without one draws a fresh seed, as a
      // stock unseeded Dropout does (a fixed seed would repeat its mask every step).
      const seed = (this as unknown as { seed?: number }).seed;
      return dropoutTraining(x, this.rate, seed ?? Math.floor(Math.random() * 4294967296));
    }
  }
  layerClass = FusedTrainingDropout;
  return layerClass;
}

/** tf.layers.dropout whose training step runs as one kernel each way (same class name, config). */
export function dropout(args: DropoutArgs): tf.layers.Layer {
  return new (fusedLayerClass())(args);
}
