/**
 * Our own training ops: kernel names TF.js does not have, each replacing a composition of stock kernels,
 * with an implementation per backend. One file per op: BatchNormalization (batchnorm.ts: forward with
 * the moving averages, and its gradient; batchnorm-layer.ts: the Keras layer that calls it), Adam
 * (adam.ts: one kernel for every variable), Conv2D + bias + ReLU (conv2d-relu.ts) and Dropout
 * (dropout.ts: forward and gradient). Each file holds the `cpu` kernel (the reference, JS) and the `wasm`
 * one (the same code over the heap, or our SIMD passes of ../wasm-simd/); the `webgpu` kernels are WGSL in
 * webgpu/kernels.ts. On other backends (`tensorflow`) the layers and the optimizer run TF.js's own
 * composition. Overrides of stock wasm kernels (same kernel name, our body) live in ../wasm-kernels/.
 */
import * as tf from '@tensorflow/tfjs';
import { adamKernelConfigs } from './adam.js';
import { batchNormKernelConfigs } from './batchnorm.js';
import { convReluGradConfig, convReluKernelConfigs } from './conv2d-relu.js';
import { dropoutGradConfig, dropoutKernelConfigs } from './dropout.js';
import type { CpuSideBackend } from './memory.js';
import { webgpuKernelConfigs } from './webgpu/kernels.js';

export { ADAM_UPDATE, FusedAdamOptimizer } from './adam.js';
export { BN_TRAINING, BN_TRAINING_GRAD } from './batchnorm.js';
export { batchNormalization, fusedBatchNormAvailable, fusedBatchNormTraining } from './batchnorm-layer.js';
export { CONV_RELU, conv2d, conv2dReluTraining, RELU_BIAS_GRAD } from './conv2d-relu.js';
export { DROPOUT, DROPOUT_GRAD, dropout, dropoutTraining } from './dropout.js';

function cpuSideConfigs(backend: CpuSideBackend): tf.KernelConfig[] {
  return [...batchNormKernelConfigs(backend), ...adamKernelConfigs(backend), ...convReluKernelConfigs(backend), ...dropoutKernelConfigs(backend)];
}

function configs(): tf.KernelConfig[] {
  return [...cpuSideConfigs('cpu'), ...cpuSideConfigs('wasm'), ...webgpuKernelConfigs()];
}

/** Registers the fused kernels for cpu, wasm and webgpu. Idempotent; no backend needs to be initialized. */
export function registerFusedKernels(): void {
  for (const config of configs()) {
    if (tf.getKernel(config.kernelName, config.backendName) === undefined) tf.registerKernel(config);
  }
  for (const grad of [convReluGradConfig, dropoutGradConfig]) {
    if (tf.getGradient(grad.kernelName) === undefined) tf.registerGradient(grad);
  }
}

/** Removes them again (benchmarks and tests compare against TF.js's composition). */
export function unregisterFusedKernels(): void {
  for (const config of configs()) {
    if (tf.getKernel(config.kernelName, config.backendName) !== undefined) tf.unregisterKernel(config.kernelName, config.backendName);
  }
}
