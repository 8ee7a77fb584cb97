/**
 * One compute-shader dispatch on TF.js's webgpu backend with several outputs.
 *
 * TF.js's own `runWebGPUProgram` binds exactly one output (`result`) and declares every input
 * read-only, so a fused kernel with k outputs would need k dispatches (or one packed output and k
 * Slice dispatches). This records one dispatch the way `runWebGPUProgram`'s `recordAndSubmit` does
 * (same command encoder and compute pass, same uniform-buffer packing, same deferred-submit batching
 * and buffer ownership bookkeeping), but with a bind group of our own: the outputs first
 * (read_write), then the inputs (read), then one uniform struct of 4-byte scalars.
 *
 * It uses members of the backend class that are not part of TF.js's public API; `webgpuInternals`
 * checks that each one is there (the package is pinned in package-lock.json) and fails with the
 * missing name otherwise, never silently. Dispatches recorded here are not timed by `tf.profile`'s
 * GPU timers (TF.js's `activeTimers`); they are counted by src/train/dispatches.ts like TF.js's.
 */
import * as tf from '@tensorflow/tfjs';

interface Pass {
  setPipeline(p: unknown): void;
  setBindGroup(i: number, g: unknown): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
}
interface Device {
  createShaderModule(d: { code: string; label?: string }): unknown;
  createComputePipeline(d: unknown): { getBindGroupLayout(i: number): unknown };
  createBindGroup(d: unknown): unknown;
  limits: { maxComputeWorkgroupsPerDimension: number };
}
export interface WebGPUBackendInternals {
  device: Device;
  commandEncoder: { beginComputePass(d: object): Pass } | null;
  computePassEncoder: Pass | null;
  dispatchCountInPass: number;
  commandQueueOwnedIds: WeakSet<object>;
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  uploadToGPU(dataId: object): void;
  tensorToBinding(t: tf.TensorInfo): unknown;
  makeUniforms(u: Uniform[]): unknown;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

export interface Uniform {
  type: 'int32' | 'uint32' | 'float32';
  data: number[];
}

const METHODS = ['makeTensorInfo', 'uploadToGPU', 'tensorToBinding', 'makeUniforms', 'ensureCommandEncoderReady', 'endComputePassEncoder', 'submitQueue'] as const;

/** The backend object TF.js passes to a webgpu kernel, checked for what `dispatch` uses. */
export function webgpuInternals(backend: unknown): WebGPUBackendInternals {
  const b = backend as Record<string, unknown>;
  for (const m of METHODS) {
    if (typeof b[m] !== 'function') throw new Error(`fused webgpu kernels: the webgpu backend has no ${m}() (a @tensorflow/tfjs-backend-webgpu other than 4.22?)`);
  }
  if (b['device'] == null || !(b['commandQueueOwnedIds'] instanceof WeakSet) || typeof b['dispatchCountInPass'] !== 'number') {
    throw new Error('fused webgpu kernels: the webgpu backend lacks device / commandQueueOwnedIds / dispatchCountInPass (a @tensorflow/tfjs-backend-webgpu other than 4.22?)');
  }
  return backend as WebGPUBackendInternals;
}

export const WORKGROUP = 256;

export interface ProgramSpec {
  /** Pipeline cache key: the same key must always mean the same WGSL. */
  key: string;
  outputs: string[];
  inputs: string[];
  /** Uniform fields, in order: [name, WGSL type]. */
  uniforms: Array<[string, 'i32' | 'u32' | 'f32']>;
  /**
   * The shader body: WGSL defining `fn run(g : u32, wg : u32, l : u32)` where g is the global thread
   * index over a flat 1-D dispatch, wg the workgroup index and l the thread in the workgroup
   * (WORKGROUP threads). The bindings are declared by `dispatch`; `u` holds the uniforms.
   */
  body: string;
}

const pipelines = new WeakMap<Device, Map<string, { getBindGroupLayout(i: number): unknown }>>();

function shader(spec: ProgramSpec): string {
  const lines: string[] = [];
  spec.outputs.forEach((name, i) => lines.push(`@group(0) @binding(${i}) var<storage, read_write> ${name} : array<f32>;`));
  spec.inputs.forEach((name, i) => lines.push(`@group(0) @binding(${spec.outputs.length + i}) var<storage, read> ${name} : array<f32>;`));
  lines.push(`struct Uniforms { ${spec.uniforms.map(([n, t]) => `${n} : ${t},`).join(' ')} };`);
  lines.push(`@group(0) @binding(${spec.outputs.length + spec.inputs.length}) var<uniform> u : Uniforms;`);
  lines.push(spec.body);
  lines.push(`@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid : vec3<u32>, @builtin(num_workgroups) nwg : vec3<u32>, @builtin(local_invocation_index) lid : u32) {
  let wg = wid.y * nwg.x + wid.x;
  run(wg * ${WORKGROUP}u + lid, wg, lid);
}`);
  return lines.join('\n');
}

/**
 * Records one dispatch of `workgroups` workgroups (a flat count, laid out 2-D when it exceeds the
 * per-dimension limit; `run` must ignore indices past its work) and returns the new output tensors,
 * float32, of `outputShapes`. Every output, input and uniform field must be used by the shader: the
 * pipeline's layout is derived from it.
 */
export function dispatch(
  backend: unknown,
  spec: ProgramSpec,
  inputs: tf.TensorInfo[],
  outputShapes: number[][],
  uniforms: number[],
  workgroups: number,
): tf.TensorInfo[] {
  const b = webgpuInternals(backend);
  if (inputs.length !== spec.inputs.length || outputShapes.length !== spec.outputs.length || uniforms.length !== spec.uniforms.length) {
    throw new Error(`${spec.key}: expected ${spec.inputs.length} inputs, ${spec.outputs.length} outputs, ${spec.uniforms.length} uniforms`);
  }
  for (const [i, t] of inputs.entries()) {
    if (t.dtype !== 'float32') throw new Error(`${spec.key}: input ${spec.inputs[i]} must be float32, got ${t.dtype}`);
  }
  if (!(workgroups > 0)) throw new Error(`${spec.key}: nothing to dispatch (an empty tensor: shapes ${JSON.stringify(inputs.map((t) => t.shape))})`);
  const outputs = outputShapes.map((s) => b.makeTensorInfo(s, 'float32'));
  for (const t of [...outputs, ...inputs]) b.uploadToGPU(t.dataId);

  let cache = pipelines.get(b.device);
  if (!cache) pipelines.set(b.device, (cache = new Map()));
  let pipeline = cache.get(spec.key);
  if (!pipeline) {
    const module = b.device.createShaderModule({ code: shader(spec), label: spec.key });
    pipeline = b.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: spec.key });
    cache.set(spec.key, pipeline);
  }
  const uniformBinding = b.makeUniforms(
    spec.uniforms.map(([, type], i) => ({ type: type === 'f32' ? 'float32' : type === 'u32' ? 'uint32' : 'int32', data: [uniforms[i]!] })),
  );
  const bindings = [...outputs, ...inputs].map((t) => b.tensorToBinding(t));
  bindings.push(uniformBinding);
  for (const t of [...outputs, ...inputs]) b.commandQueueOwnedIds.add(t.dataId);
  const bindGroup = b.device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: bindings.map((resource, binding) => ({ binding, resource })),
  });
  const max = b.device.limits.maxComputeWorkgroupsPerDimension;
  const x = Math.min(workgroups, max);
  const y = Math.ceil(workgroups / x);
  if (y > max) throw new Error(`${spec.key}: ${workgroups} workgroups exceed ${max} x ${max}`);
  b.ensureCommandEncoderReady();
  if (!b.computePassEncoder) b.computePassEncoder = b.commandEncoder!.beginComputePass({});
  b.computePassEncoder.setPipeline(pipeline);
  b.computePassEncoder.setBindGroup(0, bindGroup);
  b.computePassEncoder.dispatchWorkgroups(x, y, 1);
  b.dispatchCountInPass++;
  if ((tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') as number) <= b.dispatchCountInPass) {
    b.endComputePassEncoder();
    b.submitQueue();
  }
  return outputs;
}

/** Workgroups for one thread per element of `n`. */
export function elementwiseGroups(n: number): number {
  return Math.ceil(n / WORKGROUP);
}
