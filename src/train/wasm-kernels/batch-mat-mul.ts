/**
 * BatchMatMul for wasm. The stock kernel sends only the untransposed, batch-1 product to XNNPACK's
 * fully-connected operator; every transposed product (a Dense layer's two gradients) runs a scalar
 * triple loop. Here a transposed operand is first transposed by the wasm Transpose kernel, and the
 * now plain product goes to the stock kernel's XNNPACK path. Batched products (batch > 1) take the
 * stock kernel unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { callKernel, release, reshapeInfo, transpose, type WasmKernelArgs } from './wasm-backend.js';

const NAME = 'BatchMatMul';

export function batchMatMulConfig(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  if (stock === undefined) throw new Error(`wasm ${NAME}: the stock kernel is missing; import @tensorflow/tfjs-backend-wasm first`);
  const kernelFunc = ({ inputs, backend, attrs = {} }: WasmKernelArgs): tf.TensorInfo => {
    const a = inputs['a'];
    const b = inputs['b'];
    if (a === undefined || b === undefined) throw new Error(`wasm ${NAME}: inputs a and b are required`);
    const transposeA = attrs['transposeA'] === true;
    const transposeB = attrs['transposeB'] === true;
    const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
    const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
    if ((!transposeA && !transposeB) || batchA !== 1 || batchB !== 1 || a.dtype !== 'float32' || b.dtype !== 'float32') {
      return callKernel(stock, backend, inputs, attrs);
    }
    const [a0, a1] = a.shape.slice(-2) as [number, number];
    const [b0, b1] = b.shape.slice(-2) as [number, number];
    const temps: tf.TensorInfo[] = [];
    try {
      if (!transposeA && b0 * b1 > a0 * a1 + a0 * b0) {
        // A B^T with B the larger (a Dense layer's input gradient, dy W^T): (B A^T)^T moves |A| + |C|
        // floats through Transpose instead of |B|, and XNNPACK packs A^T, not B, as weights.
        const aT = transpose(backend, reshapeInfo(a, [a0, a1]), [1, 0]);
        temps.push(aT);
        const outT = callKernel(stock, backend, { a: reshapeInfo(b, [b0, b1]), b: aT }, { transposeA: false, transposeB: false });
        temps.push(outT);
        const out = transpose(backend, outT, [1, 0]);
        const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), a0, b0];
        return reshapeInfo(out, outShape);
      }
      let a2 = reshapeInfo(a, [a0, a1]);
      if (transposeA) {
        a2 = transpose(backend, a2, [1, 0]);
        temps.push(a2);
      }
      let b2 = reshapeInfo(b, [b0, b1]);
      if (transposeB) {
        b2 = transpose(backend, b2, [1, 0]);
        temps.push(b2);
      }
      const out = callKernel(stock, backend, { a: a2, b: b2 }, { transposeA: false, transposeB: false });
      const m = a2.shape[0] as number;
      const n = b2.shape[1] as number;
      const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
      return reshapeInfo(out, outShape);
    } finally {
      release(backend, ...temps);
    }
  };
  return { kernelName: NAME, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
