/**
 * Conv2D + bias + ReLU in training as one forward kernel and a one-pass ReLU/bias gradient.
 *
 * TF.js runs `tf.fused.conv2d` unfused whenever a gradient is being recorded and the activation is not
 * linear: a Conv2D, an Add and a Relu forward (each kept for the backward pass), then Step, Multiply,
 * Sum and reshapes backward. Here the forward is the backend's own FusedConv2D (XNNPACK applies bias
 * and ReLU while it writes the output), or on wasm for most shapes our SIMD pass (../wasm-simd/conv2d.ts,
 * which also holds the two gradients' passes), under the kernel name Conv2DReluTraining, whose registered
 * gradient is ReluBiasGrad (dy masked by y > 0 and its per-channel sum, in one pass) followed by the
 * two convolution gradients. Unlike tf.customGrad, a registered gradient computes only the inputs'
 * gradients that are needed: the first layer's input gradient is never computed.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2dInfo, conv2dReluForward } from '../wasm-simd/conv2d.js';
import { simdFor } from '../wasm-simd/index.js';
import { input, withArrays, type CpuSideBackend, type KernelArgs } from './memory.js';

export const CONV_RELU = 'Conv2DReluTraining';
export const RELU_BIAS_GRAD = 'ReluBiasGrad';

export interface ConvReluAttrs {
  strides: [number, number];
  pad: 'same' | 'valid';
}

/**
 * The backend's own FusedConv2D with bias and ReLU (cpu, wasm, and webgpu: webgpu/kernels.ts), or on wasm,
 * for the shapes it takes, our SIMD pass (../wasm-simd/conv2d.ts).
 */
export function convReluKernel(backendName: string): tf.KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs = {} }: KernelArgs): tf.TensorInfo => {
    const x = input(inputs, 'x', CONV_RELU);
    const filter = input(inputs, 'filter', CONV_RELU);
    const bias = input(inputs, 'bias', CONV_RELU);
    if (backendName === 'wasm') {
      const out = conv2dReluForward(backend as BackendWasm, x, filter, bias, conv2dInfo(CONV_RELU, x.shape, filter.shape, attrs));
      if (out !== null) return out;
    }
    const fused = tf.getKernel('FusedConv2D', backendName);
    if (fused === undefined) throw new Error(`${CONV_RELU}: backend ${backendName} has no FusedConv2D kernel`);
    const out = fused.kernelFunc({
      inputs: { x, filter, bias },
      backend: backend as tf.KernelBackend,
      attrs: { strides: attrs['strides'] as number[], pad: attrs['pad'] as string, dataFormat: 'NHWC', dilations: [1, 1], activation: 'relu', leakyreluAlpha: 0 },
    });
    if (Array.isArray(out)) throw new Error(`${CONV_RELU}: FusedConv2D returned several tensors`);
    return out;
  };
  return { kernelName: CONV_RELU, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** dy masked where y <= 0 (ReLU's gradient, as TF.js: dy * step(x) with step(0) = 0), and its sum per channel. */
function reluBiasGradKernel(backendName: CpuSideBackend): tf.KernelConfig {
  const kernelFunc = ({ inputs, backend }: KernelArgs): tf.TensorInfo[] => {
    const dy = input(inputs, 'dy', RELU_BIAS_GRAD);
    const y = input(inputs, 'y', RELU_BIAS_GRAD);
    const c = y.shape[y.shape.length - 1]!;
    const simd = backendName === 'wasm' && c % 4 === 0 && dy.dtype === 'float32' && y.dtype === 'float32' ? simdFor(backend) : null;
    if (simd !== null) {
      // One SIMD pass: mask, store, and the per-channel sums in float64 (../wasm-simd/kernels.wat).
      const b = backend as { makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo };
      const out = b.makeOutput(y.shape, 'float32');
      const dbias = b.makeOutput([c], 'float32');
      const acc = simd.scratch(8 * c);
      simd.kernels.reluBiasGrad(simd.ptr(out), simd.ptr(dy), simd.ptr(y), tf.util.sizeFromShape(y.shape), c, acc);
      new Float32Array(simd.memory.buffer, simd.ptr(dbias), c).set(new Float64Array(simd.memory.buffer, acc, c));
      return [out, dbias];
    }
    const m = withArrays(backendName, backend, [dy, y], [y.shape, [c]]);
    const [d, ys] = m.inputs as [Float32Array, Float32Array];
    const [out, dbias] = m.outputs as [Float32Array, Float32Array];
    const sums = new Float64Array(c);
    const n = out.length;
    // Cache-sized blocks of rows, one channel at a time with the running sum in a local.
    const step = Math.max(1, Math.floor(4096 / c)) * c;
    for (let base = 0; base < n; base += step) {
      const end = Math.min(n, base + step);
      for (let k = 0; k < c; k++) {
        let sum = 0;
        for (let i = base + k; i < end; i += c) {
          const v = ys[i]! > 0 ? d[i]! : 0;
          out[i] = v;
          sum += v;
        }
        sums[k] += sum;
      }
    }
    dbias.set(sums);
    return m.infos;
  };
  return { kernelName: RELU_BIAS_GRAD, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

export function convReluKernelConfigs(backendName: CpuSideBackend): tf.KernelConfig[] {
  return [convReluKernel(backendName), reluBiasGradKernel(backendName)];
}

export const convReluGradConfig: tf.GradConfig = {
  kernelName: CONV_RELU,
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const { strides, pad } = attrs as unknown as ConvReluAttrs;
    const [dyMasked, dbias] = tf.engine().runKernel(RELU_BIAS_GRAD, { dy: dy as tf.Tensor, y }, {}) as [tf.Tensor4D, tf.Tensor1D];
    return {
      x: () => tf.conv2dTranspose(dyMasked, filter, x.shape, strides, pad),
      filter: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dyMasked }, { strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined as unknown as string, filterShape: filter.shape }) as tf.Tensor,
      bias: () => dbias,
    };
  },
};

export function convReluAvailable(): boolean {
  const b = tf.getBackend();
  return tf.getKernel(CONV_RELU, b) !== undefined && tf.getKernel(RELU_BIAS_GRAD, b) !== undefined && tf.getKernel('Conv2DBackpropFilter', b) !== undefined;
}

/** relu(conv2d(x, filter) + bias), NHWC, dilation 1, with the fused gradient. */
export function conv2dReluTraining(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, attrs: ConvReluAttrs): tf.Tensor4D {
  return tf.engine().runKernel(CONV_RELU, { x, filter, bias }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

type Conv2DArgs = Parameters<typeof tf.layers.conv2d>[0];
type Kwargs = Record<string, unknown>;
interface ConvInternals extends tf.layers.Layer {
  rank: number;
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number[];
  useBias: boolean;
  activation: { getClassName(): string };
  kernel: { read(): tf.Variable };
  bias: { read(): tf.Variable } | null;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[];
}

let layerClass: (new (args: Conv2DArgs) => tf.layers.Layer) | null = null;

function fusedLayerClass(): new (args: Conv2DArgs) => tf.layers.Layer {
  if (layerClass) return layerClass;
  // TF.js exports Conv2D through its factory only; its class is the prototype's constructor.
  const Base = Object.getPrototypeOf(tf.layers.conv2d({ filters: 1, kernelSize: 1 })).constructor as new (args: Conv2DArgs) => ConvInternals;
  class FusedTrainingConv2D extends Base {
    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const plain =
        kwargs['training'] !== true ||
        x === undefined ||
        x.rank !== 4 ||
        this.rank !== 2 ||
        this.activation.getClassName() !== 'relu' ||
        this.bias === null ||
        this.dataFormat !== 'channelsLast' ||
        this.dilationRate.some((d) => d !== 1) ||
        (this.padding !== 'same' && this.padding !== 'valid') ||
        !convReluAvailable();
      if (plain) return super.call(inputs, kwargs);
      return conv2dReluTraining(x as tf.Tensor4D, this.kernel.read() as unknown as tf.Tensor4D, this.bias!.read() as unknown as tf.Tensor1D, {
        strides: [this.strides[0]!, this.strides[1]!],
        pad: this.padding as 'same' | 'valid',
      });
    }
  }
  layerClass = FusedTrainingConv2D;
  return layerClass;
}

/** tf.layers.conv2d whose training step (ReLU, bias, channels last) runs fused (same class name, config, weights). */
export function conv2d(args: Conv2DArgs): tf.layers.Layer {
  return new (fusedLayerClass())(args);
}
