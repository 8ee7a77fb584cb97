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
   * dispatch, in TF.js's recordAndSubmit and in our fused kernels' ops/webgpu/program.ts alike).
   * Absent on other backends.
   */
  gpuDispatches?: number;
  /** gpuDispatches by the innermost engine kernel that recorded them, most first (webgpu only). */
  gpuByKernel?: Record<string, number>;
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
  const gpuCounts = new Map<string, number>();
  const running: string[] = [];
  engine.runKernelFunc = function (this: CountableEngine, params: KernelParams) {
    // customGrad's wrapper has no kernelName: it is a scope, its inner kernels are counted one by one.
    if (params.kernelName === undefined) return original.call(this, params);
    counts.set(params.kernelName, (counts.get(params.kernelName) ?? 0) + 1);
    running.push(params.kernelName);
    try {
      return original.call(this, params);
    } finally {
      running.pop();
    }
  };
  const device = tf.getBackend() === 'webgpu' ? (tf.backend() as unknown as { device?: GpuDeviceLike }).device : undefined;
  // Dawn may define createBindGroup on the object itself or on its prototype: put back exactly what was there.
  const ownBindGroup = device ? Object.getOwnPropertyDescriptor(device, 'createBindGroup') : undefined;
  const createBindGroup = device?.createBindGroup;
  if (device && createBindGroup) {
    Object.defineProperty(device, 'createBindGroup', {
      configurable: true,
      writable: true,
      value: function (this: GpuDeviceLike, ...args: unknown[]) {
        const name = running[running.length - 1] ?? '(outside a kernel)';
        gpuCounts.set(name, (gpuCounts.get(name) ?? 0) + 1);
        return createBindGroup.apply(this, args);
      },
    });
  }
  let result: T;
  try {
    result = fn();
  } finally {
    delete (engine as unknown as Record<string, unknown>)['runKernelFunc'];
    if (device && createBindGroup) {
      if (ownBindGroup) Object.defineProperty(device, 'createBindGroup', ownBindGroup);
      else delete (device as unknown as Record<string, unknown>)['createBindGroup'];
    }
  }
  const byCount = (m: Map<string, number>): Record<string, number> => Object.fromEntries([...m].sort((a, b) => b[1] - a[1]));
  const total = (m: Map<string, number>): number => [...m.values()].reduce((n, c) => n + c, 0);
  const count: DispatchCount = { total: total(counts), byKernel: byCount(counts) };
  if (device && createBindGroup) {
    count.gpuDispatches = total(gpuCounts);
    count.gpuByKernel = byCount(gpuCounts);
  }
  return { result, count };
}
