/**
 * Conv2DBackpropFilter for wasm (the stock backend has none, so it cannot train a CNN).
 *
 * dW[i, j, c, o] = sum over b, p, q of x[b, p*sh + i - top, q*sw + j - left, c] * dy[b, p, q, o].
 *
 * For one input channel or input channels in fours, with output channels in eights (every layer of the
 * model), our SIMD pass (../wasm-simd/conv2d.ts). Any other shape, or no SIMD module: a convolution the
 * wasm backend runs with XNNPACK. The input is x laid out as [C, H, W, B] (channels become the batch, the
 * batch becomes the channels), the filter is dy laid out as [OH, OW, B, O] with dilation = the forward
 * stride, stride 1, and explicit padding; the output is [C, KH, KW, O], transposed back to [KH, KW, C, O].
 * XNNPACK packs dy as weights on every call, which is why it runs at half its forward rate.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropFilter as simdConv2dBackpropFilter, conv2dInfo } from '../wasm-simd/conv2d.js';
import { simdFor } from '../wasm-simd/index.js';
import { heapF32, release, reshapeInfo, runWasmKernel, transpose, type WasmKernelArgs } from './wasm-backend.js';

const NAME = 'Conv2DBackpropFilter';

/**
 * x [B, H, W, C] -> [C, h, w, B] keeping rows < h and columns < w. WASM SIMD where B and C come in
 * fours (or C = 1 and w in fours: the first layer); otherwise a JS pass over the heap: about
 * 2.5x faster here than the wasm Transpose kernel's generic 4-D loop. Per pixel it moves a [B, C]
 * block to [C, B] eight batch entries at a time, so each write is a run of eight floats and the
 * eight source rows stay in cache across the channels (about 2x faster than one float at a time).
 */
function channelsToBatch(backend: BackendWasm, x: tf.TensorInfo, h: number, w: number): tf.TensorInfo {
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  const out = backend.makeOutput([channels, h, w, batch], 'float32');
  // WASM SIMD (../wasm-simd/kernels.wat): 4x4 blocks transposed in registers, in place on the heap.
  const simd = batch % 4 === 0 && (channels % 4 === 0 || (channels === 1 && w % 4 === 0)) ? simdFor(backend) : null;
  if (simd !== null) {
    if (channels === 1) simd.kernels.channelsToBatch1(simd.ptr(out), simd.ptr(x), batch, height, width, h, w);
    else simd.kernels.channelsToBatch(simd.ptr(out), simd.ptr(x), batch, height, width, channels, h, w);
    return out;
  }
  const src = heapF32(backend, x);
  const dst = heapF32(backend, out);
  const plane = h * w * batch; // dst stride between channels
  const image = height * width * channels; // src stride between batch entries
  const full = batch - (batch % 8);
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      const srcPixel = (y * width + xx) * channels;
      const dstPixel = (y * w + xx) * batch;
      for (let b = 0; b < full; b += 8) {
        for (let c = 0; c < channels; c++) {
          const d = c * plane + dstPixel + b;
          const s = b * image + srcPixel + c;
          dst[d] = src[s] as number;
          dst[d + 1] = src[s + image] as number;
          dst[d + 2] = src[s + 2 * image] as number;
          dst[d + 3] = src[s + 3 * image] as number;
          dst[d + 4] = src[s + 4 * image] as number;
          dst[d + 5] = src[s + 5 * image] as number;
          dst[d + 6] = src[s + 6 * image] as number;
          dst[d + 7] = src[s + 7 * image] as number;
        }
      }
      for (let b = full; b < batch; b++) {
        let si = b * image + srcPixel;
        let di = dstPixel + b;
        for (let c = 0; c < channels; c++) {
          dst[di] = src[si++] as number;
          di += plane;
        }
      }
    }
  }
  return out;
}

function conv2dBackpropFilter({ inputs, backend, attrs = {} }: WasmKernelArgs): tf.TensorInfo {
  const x = inputs['x'];
  const dy = inputs['dy'];
  if (x === undefined || dy === undefined) throw new Error(`wasm ${NAME}: inputs x and dy are required`);
  const info = conv2dInfo(NAME, x.shape, attrs['filterShape'] as number[], attrs);
  return simdConv2dBackpropFilter(backend, x, dy, info) ?? xnnpackBackpropFilter(backend, x, dy, info);
}

/** dW as a convolution of x (channels as the batch) with dy (as the filter) on XNNPACK (see the file comment). */
function xnnpackBackpropFilter(backend: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Padding after the last row/column so that the output is exactly KH x KW; negative when the
  // forward pass never read the last rows (valid padding with a stride): crop x instead.
  let bottom = filterHeight + (outHeight - 1) * strideHeight - inHeight - top;
  let right = filterWidth + (outWidth - 1) * strideWidth - inWidth - left;

  const temps: tf.TensorInfo[] = [];
  try {
    // Rows/columns the forward pass never read (valid padding with a stride) are cropped here.
    const h = inHeight + Math.min(bottom, 0);
    const w = inWidth + Math.min(right, 0);
    bottom = Math.max(bottom, 0);
    right = Math.max(right, 0);
    const xT = channelsToBatch(backend, x, h, w);
    temps.push(xT);
    // [B, OH, OW, O] -> [OH, OW, B, O]
    const dyT =
      batchSize === 1
        ? reshapeInfo(dy, [outHeight, outWidth, 1, outChannels])
        : transpose(backend, reshapeInfo(dy, [batchSize, outHeight * outWidth, outChannels]), [1, 0, 2]);
    if (batchSize !== 1) temps.push(dyT);
    const dyFilter = reshapeInfo(dyT, [outHeight, outWidth, batchSize, outChannels]);
    const grad = runWasmKernel(
      'Conv2D',
      backend,
      { x: xT, filter: dyFilter },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [strideHeight, strideWidth],
      },
    );
    // [C, KH, KW, O] -> [KH, KW, C, O]
    if (inChannels === 1) return reshapeInfo(grad, [filterHeight, filterWidth, inChannels, outChannels]);
    temps.push(grad);
    return transpose(backend, grad, [1, 2, 0, 3]);
  } finally {
    release(backend, ...temps);
  }
}

export function conv2dBackpropFilterConfig(): tf.KernelConfig {
  return { kernelName: NAME, backendName: 'wasm', kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc };
}
