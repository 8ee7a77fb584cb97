/**
 * What the wasm kernel overrides share: the wasm backend's view as the kernels see it, a way to call
 * another wasm kernel (XNNPACK's Conv2D, Transpose, a stock kernel) from inside a kernel, the heap views
 * used for the small JS passes, and Sum's and Mean's one pass over leading axes.
 *
 * Intermediates made by calling a kernelFunc directly are backend data the engine does not track:
 * every kernel here releases its own with `release` before it returns.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export const WASM = 'wasm';

export interface WasmKernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs?: tf.NamedAttrMap;
}

/** Calls the kernel registered now for wasm under `kernelName`. */
export function runWasmKernel(
  kernelName: string,
  backend: BackendWasm,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
): tf.TensorInfo {
  const config = tf.getKernel(kernelName, WASM);
  if (config === undefined) throw new Error(`wasm training kernels: kernel ${kernelName} is not registered for wasm`);
  return callKernel(config, backend, inputs, attrs);
}

/** Calls one kernel config (for example the stock one kept before it was replaced). */
export function callKernel(
  config: tf.KernelConfig,
  backend: BackendWasm,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
): tf.TensorInfo {
  const out = config.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error(`wasm training kernels: ${config.kernelName} returned several tensors`);
  return out;
}

/** Frees intermediates this module made (never a kernel's inputs). */
export function release(backend: BackendWasm, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** The same data under another shape of equal size; release only the original. */
export function reshapeInfo(info: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/**
 * A Float32Array over a tensor's wasm memory. Take views after the last allocation
 * (`makeOutput`, a kernel call): a malloc may grow the heap and detach older views.
 */
export function heapF32(backend: BackendWasm, info: tf.TensorInfo): Float32Array {
  if (info.dtype !== 'float32') throw new Error(`wasm training kernels: expected float32, got ${info.dtype}`);
  return backend.typedArrayFromHeap(info) as Float32Array;
}

export function transpose(backend: BackendWasm, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return runWasmKernel('Transpose', backend, { x }, { perm });
}

/**
 * When `axis` names exactly the leading axes 0..k-1 of a float32 input (BatchNormalization's
 * [0, 1, 2] over NHWC), sums them in one pass over the heap into `inner` channel totals. The stock
 * wasm Sum and Mean first transpose the whole input to put those axes innermost.
 * Returns null when the reduction is not of that form.
 */
export function sumLeadingAxes(
  backend: BackendWasm,
  x: tf.TensorInfo,
  axis: unknown,
  keepDims: boolean,
  scale: (count: number) => number,
): tf.TensorInfo | null {
  if (x.dtype !== 'float32' || x.shape.length === 0) return null;
  const axes = tf.util.parseAxisParam(axis as number | number[], x.shape);
  const k = axes.length;
  if (k === 0 || new Set(axes).size !== k || !axes.every((a) => a < k)) return null;
  const outer = tf.util.sizeFromShape(x.shape.slice(0, k));
  const inner = tf.util.sizeFromShape(x.shape.slice(k));
  if (outer === 0) return null;
  const outShape = keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
  const out = backend.makeOutput(outShape, 'float32');
  const src = heapF32(backend, x);
  const dst = heapF32(backend, out);
  const acc = new Float64Array(inner);
  // Eight rows per pass: one accumulator update per eight loads (about 4x faster than row by row).
  let r = 0;
  for (; r + 8 <= outer; r += 8) {
    const base = r * inner;
    for (let c = 0; c < inner; c++) {
      const k = base + c;
      const s0 = (src[k] as number) + (src[k + inner] as number);
      const s1 = (src[k + 2 * inner] as number) + (src[k + 3 * inner] as number);
      const s2 = (src[k + 4 * inner] as number) + (src[k + 5 * inner] as number);
      const s3 = (src[k + 6 * inner] as number) + (src[k + 7 * inner] as number);
      acc[c] += s0 + s1 + (s2 + s3);
    }
  }
  for (; r < outer; r++) {
    const base = r * inner;
    for (let c = 0; c < inner; c++) acc[c] += src[base + c] as number;
  }
  const factor = scale(outer);
  for (let c = 0; c < inner; c++) dst[c] = (acc[c] as number) * factor;
  return out;
}
