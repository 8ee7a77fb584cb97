/**
 * Our convolution on the wasm backend, all three directions: Conv2D + bias + ReLU forward, the input
 * gradient dx and the filter gradient dW, each one register-tiled WASM SIMD pass of kernels.wat over the
 * tensors where they lie (NHWC, float32). The kernels that call these are ../ops/conv2d-relu.ts (the op
 * Conv2DReluTraining on wasm) and ../wasm-kernels/conv2d-backprop-input.ts and conv2d-backprop-filter.ts;
 * where a function here returns null (a shape it does not take, a dtype other than float32, no SIMD
 * module) they run XNNPACK's convolution instead.
 *
 *   direction              shapes (c in, o out channels)  kernels.wat        split over threads
 *   forward + bias + ReLU  c % 4 = 0, o % 16 = 0           convReluForward    output rows
 *   dx                     c % 16 = 0                      backpropInput      dx rows
 *   dW                     c % 4 = 0, o % 8 = 0            backpropFilter     output channels, in eights
 *                          c = 1, o % 8 = 0                backpropFilter1    no (one pass, im2col x dy)
 *
 * In the model (model.ts) that is every convolution but the first layer's forward (one input channel:
 * XNNPACK's FusedConv2D) and its dx (never computed). Measured against the XNNPACK paths (bench/NOTES.md):
 * dx 88 ms per training step against 124; dW ~17-27 GFLOP/s against ~7-13, where XNNPACK repacks dy as
 * weights on every call (the first layer's dW: ~1.4-4 GFLOP/s there).
 *
 * One set-up for the ranged passes (`runPass`): scratch for the packed filter followed by a run of zeros
 * (what a pixel in the padding reads), the packing, the output, zeroing it where the pass accumulates,
 * and the split over the backend's threads (index.ts's `parallel`, helper-threads.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdFor, type RangedArgs, type RangedKernel, type Simd } from './index.js';

/** Output positions per chunk of the filter gradient: their x and dy rows stay in L1 (16-32 measured alike). */
const CHUNK_POSITIONS = 24;

/** Refuses NCHW (a kernel's dataFormat attr: 'NHWC', 'channelsLast' or unset). */
function assertChannelsLast(kernelName: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`wasm ${kernelName}: only dataFormat 'NHWC' is supported, got '${String(dataFormat)}'`);
  }
}

function asPair(value: unknown, name: string, kernelName: string): [number, number] {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) {
    return [value[0] as number, value[1] as number];
  }
  throw new Error(`wasm ${kernelName}: ${name} must be a number or [h, w], got ${JSON.stringify(value)}`);
}

/**
 * The convolution's geometry from a kernel's attrs (strides, pad, dimRoundingMode, dataFormat), x's shape
 * and the filter's [kh, kw, c, o]; dilation 1. The same for the three kernels: for the gradients x is the
 * forward's input.
 */
export function conv2dInfo(kernelName: string, xShape: readonly number[], filterShape: readonly number[], attrs: tf.NamedAttrMap): tf.backend_util.Conv2DInfo {
  assertChannelsLast(kernelName, attrs['dataFormat']);
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    asPair(attrs['strides'], 'strides', kernelName),
    1,
    attrs['pad'] as 'same' | 'valid' | number,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    false,
    'channelsLast',
  );
}

type Geometry = [number, number, number, number, number, number, number, number, number, number, number, number];

/** What every pass of kernels.wat takes after its pointers: height, width, c, oh, ow, o, kh, kw, sh, sw, top, left. */
function geometry(info: tf.backend_util.Conv2DInfo): Geometry {
  const { inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  return [inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth, info.padInfo.top, info.padInfo.left];
}

/** The SIMD module when the shape fits and every tensor is float32, else null. */
function simdWhen(fits: boolean, backend: BackendWasm, ...tensors: tf.TensorInfo[]): Simd | null {
  return fits && tensors.every((t) => t.dtype === 'float32') ? simdFor(backend) : null;
}

interface Pass<K extends RangedKernel> {
  kernel: K;
  outShape: number[];
  /** The filter packed into scratch (`floats` floats by `run`), followed by `zeros` zero floats. */
  pack?: { floats: number; zeros: number; run(wp: number): void };
  /** The pass adds into its output: zero it first. */
  accumulates?: boolean;
  /** The pass's arguments before its range, given the addresses of the output, the packed filter and the zeros. */
  args(out: number, wp: number, zero: number): RangedArgs<K>;
  /** The range, [0, total) cut at multiples of grain across the threads. */
  total: number;
  grain: number;
}

/** The set-up every ranged pass shares: scratch, zeros, packing, the output, the split over threads. */
function runPass<K extends RangedKernel>(simd: Simd, backend: BackendWasm, pass: Pass<K>): tf.TensorInfo {
  let wp = 0;
  let zero = 0;
  if (pass.pack !== undefined) {
    wp = simd.scratch(4 * (pass.pack.floats + pass.pack.zeros));
    zero = wp + 4 * pass.pack.floats;
    new Float32Array(simd.memory.buffer, zero, pass.pack.zeros).fill(0);
    pass.pack.run(wp);
  }
  const out = backend.makeOutput(pass.outShape, 'float32');
  // A view taken after the last allocation (makeOutput may grow the heap).
  if (pass.accumulates === true) new Float32Array(simd.memory.buffer, simd.ptr(out), tf.util.sizeFromShape(pass.outShape)).fill(0);
  simd.parallel(pass.kernel, pass.args(simd.ptr(out), wp, zero), pass.total, pass.grain);
  return out;
}

/** relu(conv2d(x, filter) + bias), or null (see the table above). */
export function conv2dReluForward(backend: BackendWasm, x: tf.TensorInfo, filter: tf.TensorInfo, bias: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo | null {
  const { inChannels: c, outChannels: o, filterHeight: kh, filterWidth: kw } = info;
  const simd = simdWhen(c % 4 === 0 && o % 16 === 0 && bias.shape.length === 1, backend, x, filter, bias);
  if (simd === null) return null;
  return runPass(simd, backend, {
    kernel: 'convReluForward',
    outShape: info.outShape,
    pack: { floats: kh * kw * c * o, zeros: c, run: (wp) => simd.kernels.packFilter(wp, simd.ptr(filter), kh * kw, c, o) },
    args: (out, wp, zero) => [out, simd.ptr(x), wp, simd.ptr(bias), zero, ...geometry(info)],
    total: info.batchSize * info.outHeight,
    grain: 1,
  });
}

/** dx [batch, height, width, c] from dy and the filter, or null (see the table above). */
export function conv2dBackpropInput(backend: BackendWasm, dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo | null {
  const { inChannels: c, outChannels: o, filterHeight: kh, filterWidth: kw } = info;
  const simd = simdWhen(c % 16 === 0, backend, dy, filter);
  if (simd === null) return null;
  return runPass(simd, backend, {
    kernel: 'backpropInput',
    outShape: [info.batchSize, info.inHeight, info.inWidth, c],
    pack: { floats: kh * kw * c * o, zeros: o, run: (wp) => simd.kernels.packFilterT(wp, simd.ptr(filter), kh, kw, c, o) },
    args: (out, wp, zero) => [out, simd.ptr(dy), wp, zero, ...geometry(info)],
    total: info.batchSize * info.inHeight,
    grain: 1,
  });
}

/** dW [kh, kw, c, o] from x and dy, or null (see the table above). */
export function conv2dBackpropFilter(backend: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo | null {
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, outChannels: o, filterHeight: kh, filterWidth: kw } = info;
  const simd = simdWhen((c === 1 || c % 4 === 0) && o % 8 === 0, backend, x, dy);
  if (simd === null) return null;
  const filterShape = [kh, kw, c, o];
  if (c === 1) {
    const out = backend.makeOutput(filterShape, 'float32');
    const { strideHeight, strideWidth, padInfo } = info;
    simd.kernels.backpropFilter1(simd.ptr(out), simd.ptr(x), simd.ptr(dy), batchSize, inHeight, inWidth, outHeight, outWidth, kh, kw, o, strideHeight, strideWidth, padInfo.top, padInfo.left);
    return out;
  }
  // Chunks of about CHUNK_POSITIONS output positions.
  const rows = Math.max(1, Math.min(outHeight, Math.ceil(CHUNK_POSITIONS / outWidth)));
  return runPass(simd, backend, {
    kernel: 'backpropFilter',
    outShape: filterShape,
    accumulates: true,
    args: (out) => [out, simd.ptr(x), simd.ptr(dy), batchSize, ...geometry(info), rows],
    total: o,
    grain: 8,
  });
}
