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
  /** Dispatches per kernel name, most frequent first. */
  byKernel: Record<string, number>;
}

interface KernelParams {
  kernelName?: string;
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
  let result: T;
  try {
    result = fn();
  } finally {
    delete (engine as unknown as Record<string, unknown>)['runKernelFunc'];
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  return { result, count: { total: sorted.reduce((n, [, c]) => n + c, 0), byKernel: Object.fromEntries(sorted) } };
}
