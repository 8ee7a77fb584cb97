/**
 * The two CPU-side backends the fused kernels run on, seen the same way: float32 inputs as
 * Float32Arrays and freshly allocated float32 outputs. `cpu` keeps tensors in JS typed arrays, `wasm`
 * in its heap (outputs are allocated first, then every view is taken: an allocation may grow the
 * heap and detach older views).
 */
import * as tf from '@tensorflow/tfjs';

export type CpuSideBackend = 'cpu' | 'wasm';

export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
}
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): ArrayBufferView;
}

/** Allocates `shapes` as float32 outputs, then returns views of `inputs` and of the outputs. */
export function withArrays(
  backendName: CpuSideBackend,
  backend: unknown,
  inputs: tf.TensorInfo[],
  shapes: number[][],
): { inputs: Float32Array[]; outputs: Float32Array[]; infos: tf.TensorInfo[] } {
  for (const t of inputs) {
    if (t.dtype !== 'float32') throw new Error(`fused kernel: expected float32 inputs, got ${t.dtype}`);
  }
  if (backendName === 'wasm') {
    const b = backend as WasmBackendLike;
    const infos = shapes.map((s) => b.makeOutput(s, 'float32'));
    return {
      inputs: inputs.map((t) => b.typedArrayFromHeap(t) as Float32Array),
      outputs: infos.map((t) => b.typedArrayFromHeap(t) as Float32Array),
      infos,
    };
  }
  const b = backend as CpuBackendLike;
  const outputs = shapes.map((s) => new Float32Array(tf.util.sizeFromShape(s)));
  return {
    inputs: inputs.map((t) => b.data.get(t.dataId).values as Float32Array),
    outputs,
    infos: shapes.map((s, i) => b.makeTensorInfo(s, 'float32', outputs[i])),
  };
}

export function input(inputs: tf.NamedTensorInfoMap, name: string, kernel: string): tf.TensorInfo {
  const t = inputs[name];
  if (t === undefined) throw new Error(`${kernel}: input ${name} is required`);
  return t;
}
