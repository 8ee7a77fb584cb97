/**
 * Conv2DBackpropInput for wasm. Input channels in sixteens (every layer of the model whose input gradient
 * is needed): our SIMD pass (../wasm-simd/conv2d.ts). Any other shape: stride-1 convolutions the wasm
 * backend runs with XNNPACK, as follows (and where even those do not apply, the stock kernel).
 *
 * dx[b, y, x, c] = sum over i, j, o of dy[b, p, q, o] * W[i, j, c, o] where y = p*sh + i - top.
 * Split the output rows by phase r = (y + top) mod sh (columns likewise): a row of phase r only
 * meets the filter rows i = r, r + sh, r + 2*sh, ... So each of the sh*sw phases is a stride-1
 * convolution of dy with a small sub-filter (those taps, flipped, in and out channels swapped),
 * and its output rows interleave into dx. With stride 1 there is one phase and its output is dx.
 * No zeros are inserted into dy, so no multiply is wasted.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropInput as simdConv2dBackpropInput, conv2dInfo } from '../wasm-simd/conv2d.js';
import { simdFor } from '../wasm-simd/index.js';
import { callKernel, heapF32, release, runWasmKernel, type WasmKernelArgs } from './wasm-backend.js';

const NAME = 'Conv2DBackpropInput';

/** One phase along one axis: output index u of its convolution is dx index (first + u) * stride + offset. */
interface AxisPhase {
  /** Filter taps of this phase: r, r + stride, ... (count). */
  r: number;
  taps: number;
  /** First dy-space index q whose dx index is >= 0, and how many dx indices the phase owns. */
  first: number;
  count: number;
  padBefore: number;
  padAfter: number;
  /** Size of the phase convolution's output along this axis (>= count). */
  convSize: number;
}

function axisPhases(inSize: number, outSize: number, kernel: number, stride: number, padBefore: number): AxisPhase[] | null {
  const phases: AxisPhase[] = [];
  for (let r = 0; r < stride; r++) {
    const taps = Math.ceil((kernel - r) / stride);
    const first = Math.ceil((padBefore - r) / stride);
    const last = Math.floor((inSize - 1 - r + padBefore) / stride);
    const count = last - first + 1;
    if (count <= 0) continue;
    if (taps <= 0) {
      phases.push({ r, taps: 0, first, count, padBefore: 0, padAfter: 0, convSize: 0 });
      continue;
    }
    const before = taps - 1 - first;
    if (before < 0) return null; // would need dy cropped at the start: leave to the stock kernel
    const after = Math.max(0, count - outSize - before + taps - 1);
    phases.push({ r, taps, first, count, padBefore: before, padAfter: after, convSize: outSize + before + after - taps + 1 });
  }
  return phases;
}

/** Taps r, r+s, ... of W [KH, KW, C, O], flipped, as a filter [th, tw, O, C]. */
function subFilter(backend: BackendWasm, filter: tf.TensorInfo, ph: AxisPhase, pw: AxisPhase, sh: number, sw: number): tf.TensorInfo {
  const [, kw, c, o] = filter.shape as [number, number, number, number];
  const out = backend.makeOutput([ph.taps, pw.taps, o, c], 'float32');
  const src = heapF32(backend, filter);
  const dst = heapF32(backend, out);
  let d = 0;
  for (let m = 0; m < ph.taps; m++) {
    const i = ph.r + sh * (ph.taps - 1 - m);
    for (let n = 0; n < pw.taps; n++) {
      const j = pw.r + sw * (pw.taps - 1 - n);
      const base = (i * kw + j) * c * o;
      for (let oo = 0; oo < o; oo++) {
        for (let cc = 0; cc < c; cc++) dst[d++] = src[base + cc * o + oo] as number;
      }
    }
  }
  return out;
}

interface PhaseResult {
  ph: AxisPhase;
  pw: AxisPhase;
  dx: tf.TensorInfo;
}

/**
 * Each phase's stride-1 convolution of dy on XNNPACK (the caller releases the results, also when this
 * throws part-way: they are pushed to `results` as they are made). Returns whether the phases cover dx.
 */
function phaseConvolutions(backend: BackendWasm, dy: tf.TensorInfo, filter: tf.TensorInfo, rows: AxisPhase[], cols: AxisPhase[], info: tf.backend_util.Conv2DInfo, results: PhaseResult[]): boolean {
  let covered = true;
  for (const ph of rows) {
    for (const pw of cols) {
      if (ph.taps === 0 || pw.taps === 0) {
        covered = false;
        continue;
      }
      const w = subFilter(backend, filter, ph, pw, info.strideHeight, info.strideWidth);
      try {
        const pad = [[0, 0], [ph.padBefore, ph.padAfter], [pw.padBefore, pw.padAfter], [0, 0]];
        const dx = runWasmKernel('Conv2D', backend, { x: dy, filter: w }, { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1] });
        results.push({ ph, pw, dx });
      } finally {
        release(backend, w);
      }
    }
  }
  return covered;
}

/** True when one phase's output is dx itself (stride 1 and no cropping). */
function isWholeDx(results: PhaseResult[], covered: boolean, info: tf.backend_util.Conv2DInfo): boolean {
  const only = results[0];
  return (
    results.length === 1 &&
    covered &&
    only !== undefined &&
    only.ph.convSize === info.inHeight &&
    only.pw.convSize === info.inWidth &&
    only.ph.first * info.strideHeight + only.ph.r - info.padInfo.top === 0 &&
    only.pw.first * info.strideWidth + only.pw.r - info.padInfo.left === 0
  );
}

/** The phases' output rows interleaved into dx (zeros where no phase reaches). */
function interleavePhases(backend: BackendWasm, results: PhaseResult[], covered: boolean, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels: c, strideHeight: sh, strideWidth: sw } = info;
  const out = backend.makeOutput([batchSize, inHeight, inWidth, c], 'float32');
  const dst = heapF32(backend, out);
  if (!covered) dst.fill(0);
  const simd = c % 4 === 0 ? simdFor(backend) : null;
  for (const { ph, pw, dx } of results) {
    const y0 = ph.first * sh + ph.r - info.padInfo.top;
    const x0 = pw.first * sw + pw.r - info.padInfo.left;
    if (simd !== null) {
      // The phase's rows of channel runs, copied into place by WASM SIMD (one call per image).
      const f = 4 * c;
      for (let b = 0; b < batchSize; b++) {
        const to = simd.ptr(out) + ((b * inHeight + y0) * inWidth + x0) * f;
        simd.kernels.copyBlocks(to, simd.ptr(dx) + b * ph.convSize * pw.convSize * f, ph.count, sh * inWidth * f, pw.convSize * f, pw.count, sw * f, f);
      }
      continue;
    }
    const src = heapF32(backend, dx);
    for (let b = 0; b < batchSize; b++) {
      for (let u = 0; u < ph.count; u++) {
        const y = y0 + u * sh;
        let s = ((b * ph.convSize + u) * pw.convSize) * c;
        const rowBase = (b * inHeight + y) * inWidth;
        for (let v = 0; v < pw.count; v++) {
          let d = (rowBase + x0 + v * sw) * c;
          for (let k = 0; k < c; k++) dst[d++] = src[s++] as number;
        }
      }
    }
  }
  return out;
}

/** dx by stride phases on XNNPACK (see the file comment), or null when a phase would need dy cropped. */
function xnnpackBackpropInput(backend: BackendWasm, dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo | null {
  const rows = axisPhases(info.inHeight, info.outHeight, info.filterHeight, info.strideHeight, info.padInfo.top);
  const cols = axisPhases(info.inWidth, info.outWidth, info.filterWidth, info.strideWidth, info.padInfo.left);
  if (rows === null || cols === null || dy.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  const results: PhaseResult[] = [];
  try {
    const covered = phaseConvolutions(backend, dy, filter, rows, cols, info, results);
    if (isWholeDx(results, covered, info)) return results.pop()!.dx; // handed out, not released
    return interleavePhases(backend, results, covered, info);
  } finally {
    release(backend, ...results.map((r) => r.dx));
  }
}

export function conv2dBackpropInputConfig(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs = {} }: WasmKernelArgs): tf.TensorInfo => {
    const dy = inputs['dy'];
    const filter = inputs['filter'];
    if (dy === undefined || filter === undefined) throw new Error(`wasm ${NAME}: inputs dy and filter are required`);
    const info = conv2dInfo(NAME, attrs['inputShape'] as number[], filter.shape, attrs);
    const dx = simdConv2dBackpropInput(backend, dy, filter, info) ?? xnnpackBackpropInput(backend, dy, filter, info);
    if (dx !== null) return dx;
    if (stock === undefined) throw new Error(`wasm ${NAME}: unsupported padding ${JSON.stringify(attrs['pad'])}`);
    return callKernel(stock, backend, inputs, attrs);
  };
  return { kernelName: NAME, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
