/**
 * Dropout in training as one kernel forward and one backward, with the mask drawn by a counter-based
 * hash of each element's index inside the kernel's own pass over the tensor (four lanes at a time in
 * WASM SIMD on wasm).
 *
 * TF.js's tf.dropout draws the mask with randomUniform (seedrandom's alea, one JS call per element:
 * about 0.1 us each here, ~40 ms per step for the model's three Dropout layers), then runs Add, Floor,
 * RealDiv and Multiply, and keeps the mask for the gradient. Here the forward kernel writes
 * y = x * mask / keepProb and the gradient kernel regenerates the same mask from the same seed
 * (nothing is kept between the passes). The mask has the same distribution (each element kept with
 * probability 1 - rate); the random stream differs, as it does between any two unseeded TF.js runs.
 */
import * as tf from '@tensorflow/tfjs';
import { simdFor } from '../simd/index.js';
import { input, withArrays, type CpuSideBackend, type KernelArgs } from './memory.js';

export const DROPOUT = 'DropoutTraining';
export const DROPOUT_GRAD = 'DropoutTrainingGrad';

/** The mask's key for a seed (any uint32). */
function maskKey(seed: number): number {
  return Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) | 1;
}

/** ceil(keep * 2^32): element i is kept when its draw (a uint32) is below it; 2^32 keeps everything. */
function maskThreshold(rate: number): number {
  return Math.ceil((1 - rate) * 4294967296);
}

/**
 * out[i] = u[i] * scale where element i is kept, for i in [start, u.length). Element i's draw is
 * murmur3's fmix32 of (i * 0x9e3779b1) ^ key: a function of the index alone, so any range (and four
 * lanes at a time, in src/train/simd/kernels.wat) draws the same mask. scale = fround(1 / keep): the
 * float32 product of two float32 values, as the SIMD pass computes it.
 */
function applyMask(u: Float32Array, out: Float32Array, rate: number, seed: number, start = 0): void {
  const scale = Math.fround(1 / (1 - rate));
  const threshold = maskThreshold(rate);
  const key = maskKey(seed);
  for (let i = start; i < u.length; i++) {
    let h = Math.imul(i, 0x9e3779b1) ^ key;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    out[i] = h >>> 0 < threshold ? u[i]! * scale : 0;
  }
}

function kernel(name: string, backendName: CpuSideBackend, inputName: string): tf.KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs = {} }: KernelArgs): tf.TensorInfo => {
    const x = input(inputs, inputName, name);
    const rate = attrs['rate'] as number;
    if (!(rate >= 0 && rate < 1)) throw new Error(`${name}: rate must be in [0, 1), got ${rate}`);
    const m = withArrays(backendName, backend, [x], [x.shape]);
    const seed = attrs['seed'] as number;
    const n = tf.util.sizeFromShape(x.shape);
    const bulk = n - (n % 4);
    const simd = backendName === 'wasm' && maskThreshold(rate) < 4294967296 ? simdFor(backend) : null;
    if (simd !== null) {
      // Four lanes at a time in WASM SIMD; the last n % 4 elements below, the same draws.
      simd.kernels.dropout(simd.ptr(m.infos[0]!), simd.ptr(x), bulk, maskKey(seed), maskThreshold(rate) | 0, Math.fround(1 / (1 - rate)));
      if (bulk < n) {
        const buf = simd.memory.buffer;
        applyMask(new Float32Array(buf, simd.ptr(x), n), new Float32Array(buf, simd.ptr(m.infos[0]!), n), rate, seed, bulk);
      }
      return m.infos[0]!;
    }
    applyMask(m.inputs[0]!, m.outputs[0]!, rate, seed);
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
