/**
 * Mean for wasm over leading axes (BatchNormalization's moments over NHWC [0, 1, 2]) in one
 * pass; every other reduction goes to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { callKernel, sumLeadingAxes, type WasmKernelArgs } from './wasm-backend.js';

export function meanConfig(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  if (stock === undefined) throw new Error('wasm Mean: the stock kernel is missing; import @tensorflow/tfjs-backend-wasm first');
  const kernelFunc = ({ inputs, backend, attrs = {} }: WasmKernelArgs): tf.TensorInfo => {
    const x = inputs['x'];
    if (x === undefined) throw new Error('wasm Mean: input x is required');
    return (
      sumLeadingAxes(backend, x, attrs['axis'], attrs['keepDims'] === true, (count) => 1 / count) ??
      callKernel(stock, backend, inputs, attrs)
    );
  };
  return { kernelName: 'Mean', backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
