/**
 * Conv2D + bias + ReLU in training as one forward kernel and a one-pass ReLU/bias gradient.
 *
 * TF.js runs `tf.fused.conv2d` unfused whenever a gradient is being recorded and the activation is not
 * linear: a Conv2D, an Add and a Relu forward (each kept for the backward pass), then Step, Multiply,
 * Sum and reshapes backward. Here the forward is the backend's own FusedConv2D (XNNPACK applies bias
 * and ReLU while it writes the output), or on wasm for most shapes our SIMD pass (simdConvRelu), under
 * the kernel name Conv2DReluTraining, whose registered
 * gradient is ReluBiasGrad (dy masked by y > 0 and its per-channel sum, in one pass) followed by the
 * two convolution gradients. Unlike tf.customGrad, a registered gradient computes only the inputs'
 * gradients that are needed: the first layer's input gradient is never computed.
 */
import * as tf from '@tensorflow/tfjs';
import { simdFor } from '../simd/index.js';
import { input, withArrays, type CpuSideBackend, type KernelArgs } from './memory.js';

export const CONV_RELU = 'Conv2DReluTraining';
export const RELU_BIAS_GRAD = 'ReluBiasGrad';

export interface ConvReluAttrs {
  strides: [number, number];
  pad: 'same' | 'valid';
}

/**
 * wasm, input channels in fours and output channels in sixteens (every layer of the model but the first):
 * kernels.wat's convReluForward, one register-tiled SIMD pass with the filter packed once per call and the
 * rows split across the backend's threads (simd/threads.ts). Null when the shape or the heap does not suit.
 */
function simdConvRelu(backend: unknown, x: tf.TensorInfo, filter: tf.TensorInfo, bias: tf.TensorInfo, attrs: tf.NamedAttrMap): tf.TensorInfo | null {
  const [kh, kw, c, o] = filter.shape as [number, number, number, number];
  if (c % 4 !== 0 || o % 16 !== 0 || x.dtype !== 'float32' || filter.dtype !== 'float32' || bias.dtype !== 'float32' || bias.shape.length !== 1) return null;
  const simd = simdFor(backend);
  if (simd === null) return null;
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], [kh, kw, c, o], attrs['strides'] as [number, number], 1, attrs['pad'] as 'same' | 'valid');
  const packed = kh * kw * c * o;
  const wp = simd.scratch(4 * (packed + c));
  const zero = wp + 4 * packed;
  new Float32Array(simd.memory.buffer, zero, c).fill(0);
  simd.kernels.packFilter(wp, simd.ptr(filter), kh * kw, c, o);
  const out = (backend as { makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo }).makeOutput(info.outShape, 'float32');
  const { batchSize, inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth, padInfo } = info;
  simd.parallel(
    'convReluForward',
    [simd.ptr(out), simd.ptr(x), wp, simd.ptr(bias), zero, inHeight, inWidth, c, outHeight, outWidth, o, kh, kw, strideHeight, strideWidth, padInfo.top, padInfo.left],
    batchSize * outHeight,
    1,
  );
  return out;
}

/** Runs the backend's own FusedConv2D with bias and ReLU (cpu, wasm, and webgpu: webgpu/kernels.ts), or on wasm our SIMD pass. */
export function convReluKernel(backendName: string): tf.KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs = {} }: KernelArgs): tf.TensorInfo => {
    if (backendName === 'wasm') {
      const out = simdConvRelu(backend, input(inputs, 'x', CONV_RELU), input(inputs, 'filter', CONV_RELU), input(inputs, 'bias', CONV_RELU), attrs);
      if (out !== null) return out;
    }
    const fused = tf.getKernel('FusedConv2D', backendName);
    if (fused === undefined) throw new Error(`${CONV_RELU}: backend ${backendName} has no FusedConv2D kernel`);
    const out = fused.kernelFunc({
      inputs: { x: input(inputs, 'x', CONV_RELU), filter: input(inputs, 'filter', CONV_RELU), bias: input(inputs, 'bias', CONV_RELU) },
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
      // One SIMD pass: mask, store, and the per-channel sums in float64 (src/train/simd/kernels.wat).
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
