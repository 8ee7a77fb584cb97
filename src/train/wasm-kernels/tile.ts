/**
 * Tile for wasm, written over the wasm heap in JS. BatchNormalization's gradient tiles [1,1,1,C]
 * statistics up to [B,H,W,C]; the stock kernel walks every output element through index
 * arithmetic. Here each axis, innermost first, copies the source block once and then doubles it
 * with copyWithin, so the work is a handful of memcpy calls per block.
 */
import * as tf from '@tensorflow/tfjs';
import { callKernel, type WasmKernelArgs } from './wasm-backend.js';

const NAME = 'Tile';

type Heap = Float32Array | Int32Array | Uint8Array;

/** Repeats dst[start, start + len) so that it fills dst[start, start + len * times). */
function repeatBlock(dst: Heap, start: number, len: number, times: number): void {
  let filled = len;
  const total = len * times;
  while (filled < total) {
    const n = Math.min(filled, total - filled);
    dst.copyWithin(start + filled, start, start + n);
    filled += n;
  }
}

function tileInto(src: Heap, dst: Heap, shape: readonly number[], reps: readonly number[]): void {
  const rank = shape.length;
  const srcStride = new Array<number>(rank);
  const dstBlock = new Array<number>(rank); // size of dst for one index along axis (all inner axes tiled)
  let s = 1;
  let d = 1;
  for (let axis = rank - 1; axis >= 0; axis--) {
    srcStride[axis] = s;
    dstBlock[axis] = d;
    s *= shape[axis] as number;
    d *= (shape[axis] as number) * (reps[axis] as number);
  }
  const fill = (axis: number, srcOff: number, dstOff: number): void => {
    const n = shape[axis] as number;
    const block = dstBlock[axis] as number;
    if (axis === rank - 1) {
      dst.set(src.subarray(srcOff, srcOff + n), dstOff);
    } else {
      const stride = srcStride[axis] as number;
      for (let i = 0; i < n; i++) fill(axis + 1, srcOff + i * stride, dstOff + i * block);
    }
    repeatBlock(dst, dstOff, n * block, reps[axis] as number);
  };
  fill(0, 0, 0);
}

export function tileConfig(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs = {} }: WasmKernelArgs): tf.TensorInfo => {
    const x = inputs['x'];
    if (x === undefined) throw new Error(`wasm ${NAME}: input x is required`);
    const reps = attrs['reps'] as number[];
    if (x.dtype === 'string' || x.shape.length === 0 || reps.length !== x.shape.length) {
      if (stock === undefined) throw new Error(`wasm ${NAME}: unsupported input (dtype ${x.dtype}, rank ${x.shape.length})`);
      return callKernel(stock, backend, inputs, attrs);
    }
    const outShape = x.shape.map((n, i) => n * (reps[i] as number));
    const out = backend.makeOutput(outShape, x.dtype);
    if (tf.util.sizeFromShape(outShape) === 0) return out;
    const src = backend.typedArrayFromHeap(x) as Heap;
    const dst = backend.typedArrayFromHeap(out) as Heap;
    tileInto(src, dst, x.shape, reps);
    return out;
  };
  return { kernelName: NAME, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
