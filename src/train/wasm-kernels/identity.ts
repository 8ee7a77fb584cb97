/**
 * Identity for wasm without a copy: the output shares the input's buffer, counted by the backend's
 * reference count (as the wasm Reshape kernel and the cpu Identity kernel do). The stock kernel
 * copies; autodiff and the layers call it often on activation-sized tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { callKernel, type WasmKernelArgs } from './wasm-backend.js';

export function identityConfig(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  if (stock === undefined) throw new Error('wasm Identity: the stock kernel is missing; import @tensorflow/tfjs-backend-wasm first');
  const kernelFunc = ({ inputs, backend, attrs = {} }: WasmKernelArgs): tf.TensorInfo => {
    const x = inputs['x'];
    if (x === undefined) throw new Error('wasm Identity: input x is required');
    if (x.dtype === 'string') return callKernel(stock, backend, inputs, attrs);
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
  return { kernelName: 'Identity', backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
