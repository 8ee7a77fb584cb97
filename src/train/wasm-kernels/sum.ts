/**
 * Sum for wasm over leading axes (BatchNormalization's gradient sums NHWC over [0, 1, 2]) in one
 * pass; every other reduction goes to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { callKernel, sumLeadingAxes, type WasmKernelArgs } from './wasm-backend.js';

export function sumConfig(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  if (stock === undefined) throw new Error('wasm Sum: the stock kernel is missing; import @tensorflow/tfjs-backend-wasm first');
  const kernelFunc = ({ inputs, backend, attrs = {} }: WasmKernelArgs): tf.TensorInfo => {
    const x = inputs['x'];
    if (x === undefined) throw new Error('wasm Sum: input x is required');
    return sumLeadingAxes(backend, x, attrs['axis'], attrs['keepDims'] === true, () => 1) ?? callKernel(stock, backend, inputs, attrs);
  };
  return { kernelName: 'Sum', backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
