/**
 * Kernel dispatches: how many registered kernels the TF.js engine runs for a piece of work. Each one is
 * at least one backend call (on WebGPU one shader dispatch with its bind groups and uniforms, about
 * 1 ms of CPU time on the H100 of bench/NOTES.md), so the count is the GPU lever and a good part of the
 * wasm step's overhead. Counted by wrapping the engine's kernel entry point (`runKernelFunc`), which
 * every op, gradient and nested kernel call goes through; `tf.profile()` lists the same kernels.
 * Kernels that one of our wasm kernels calls directly (kernelFunc to kernelFunc, inside one dispatch)
 * are not engine dispatches and are not counted.
 */
import * as tf from '@tensorflow/tfjs';

export interface DispatchCount {
  total: number;
  /**
   * On webgpu: the compute-shader dispatches those kernels recorded (one kernel may record several, or
   * none when it only reshapes), counted by the bind groups created on the backend's device (one per
   * dispatch, in TF.js's recordAndSubmit and in our fused kernels' fused/webgpu/program.ts alike).
   * Absent on other backends.
   */
  gpuDispatches?: number;
  /** Dispatches per kernel name, most frequent first. */
  byKernel: Record<string, number>;
}

interface KernelParams {
  kernelName?: string;
}
interface GpuDeviceLike {
  createBindGroup(...args: unknown[]): unknown;
}
interface CountableEngine {
  runKernelFunc(params: KernelParams): unknown;
}

/** Runs `fn` and counts the kernels the engine dispatches while it runs (synchronous work only). */
export function countDispatches<T>(fn: () => T): { result: T; count: DispatchCount } {
  const engine = tf.engine() as unknown as CountableEngine;
  const own = Object.prototype.hasOwnProperty.call(engine, 'runKernelFunc');
  if (own) throw new Error('countDispatches: already counting (nested calls are not supported)');
  const original = engine.runKernelFunc;
  const counts = new Map<string, number>();
  engine.runKernelFunc = function (this: CountableEngine, params: KernelParams) {
    // customGrad's wrapper has no kernelName: it is a scope, its inner kernels are counted one by one.
    if (params.kernelName !== undefined) counts.set(params.kernelName, (counts.get(params.kernelName) ?? 0) + 1);
    return original.call(this, params);
  };
  const device = tf.getBackend() === 'webgpu' ? (tf.backend() as unknown as { device?: GpuDeviceLike }).device : undefined;
  let gpu = 0;
  const createBindGroup = device?.createBindGroup;
  if (device && createBindGroup) {
    device.createBindGroup = function (this: GpuDeviceLike, ...args: unknown[]) {
      gpu++;
      return createBindGroup.apply(this, args);
    };
  }
  let result: T;
  try {
    result = fn();
  } finally {
    delete (engine as unknown as Record<string, unknown>)['runKernelFunc'];
    if (device && createBindGroup) delete (device as unknown as Record<string, unknown>)['createBindGroup'];
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  const count: DispatchCount = { total: sorted.reduce((n, [, c]) => n + c, 0), byKernel: Object.fromEntries(sorted) };
  if (device && createBindGroup) count.gpuDispatches = gpu;
  return { result, count };
}
