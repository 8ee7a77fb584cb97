/**
 * Backend selection. The only place that decides which TF.js backend trains: `tensorflow` (tfjs-node-gpu
 * or tfjs-node, optional peer dependencies), `webgpu` (Dawn through the npm package `webgpu`), `wasm`
 * (always installed, with our training kernels) and `cpu` (pure JS, ~2 img/s: last resort).
 * `tf.setBackend()` resolves false and silently stays on `cpu` when a backend fails, so every
 * initialization is checked, and a backend that was asked for and fails is an error, never a fallback.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BackendError } from '../core/errors.js';
import { registerFusedKernels } from './ops/index.js';
import { THREADS } from '../core/train-params.js';
import { unrefPthreads, withThreadedWasmHooks } from './wasm-threaded-build.js';

export const BACKENDS = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type ConcreteBackend = Exclude<BackendName, 'auto'>;

export interface BackendInit {
  /** The backend that trains. */
  name: ConcreteBackend;
  /** One line on why this one (for `auto`: what was tried before it). */
  reason: string;
  /** Details recorded in each trial's metadata (package, adapter, driver). */
  info: Record<string, string>;
}

export interface BackendOptions {
  /**
   * wasm only: threads of the XNNPACK pool (THREADS in core/train-params.ts). 1 loads the plain SIMD build,
   * more the threaded SIMD build (wasm-threaded-build.ts). Fixed for the thread's life once wasm is up: unset means
   * the count already running, else 1; asking for another count then is an error.
   */
  threads?: number;
}

let current: BackendInit | null = null;

/** Ensures the requested backend is active and returns it. Idempotent within a thread. */
export async function initBackend(requested: BackendName = 'auto', opts: BackendOptions = {}): Promise<BackendInit> {
  const threads = opts.threads ?? 1;
  if (!(Number.isInteger(threads) && threads >= THREADS.min && threads <= THREADS.max)) {
    throw new BackendError(`backend wasm: threads must be an integer from ${THREADS.min} to ${THREADS.max} (got ${threads})`);
  }
  if (current && (requested === 'auto' || requested === current.name)) {
    if (current.name === 'wasm' && opts.threads !== undefined && current.info.threads !== String(threads)) {
      throw new BackendError(
        `backend wasm: already running with ${current.info.threads} thread(s) in this thread; it cannot change to ${threads} (start a new process)`,
      );
    }
    return current;
  }
  if (requested !== 'auto') {
    current = await initOne(requested, threads);
    return current;
  }
  const skipped: string[] = [];
  for (const name of ['tensorflow', 'webgpu', 'wasm'] as const) {
    try {
      const init = await initOne(name, threads);
      const why = skipped.length ? `fastest available (${skipped.join('; ')})` : 'fastest available';
      current = { ...init, reason: why };
      return current;
    } catch (err) {
      skipped.push(`${name}: ${firstLine(err).replace(/^backend \w+:? /, '')}`);
    }
  }
  throw new BackendError(`no training backend could be initialized (${skipped.join('; ')})`);
}

/** The backend initialized in this thread, if any. */
export function currentBackend(): BackendInit | null {
  return current;
}

async function initOne(name: ConcreteBackend, threads: number): Promise<BackendInit> {
  registerFusedKernels();
  switch (name) {
    case 'tensorflow':
      return initTensorflow();
    case 'webgpu':
      return initWebgpu();
    case 'wasm':
      return initWasm(threads);
    case 'cpu':
      await activate('cpu');
      return { name: 'cpu', reason: 'requested', info: { package: '@tensorflow/tfjs-backend-cpu' } };
  }
}

async function activate(name: string): Promise<void> {
  let ok = false;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (err) {
    throw new BackendError(`backend ${name} failed to initialize: ${firstLine(err)}`);
  }
  if (!ok || tf.getBackend() !== name) {
    throw new BackendError(`backend ${name} failed to initialize (tf.setBackend returned false; TF.js is on ${tf.getBackend()})`);
  }
}

async function initTensorflow(): Promise<BackendInit> {
  const errors: string[] = [];
  let missing = 0;
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      // Optional peer dependencies: absent unless the user installed one (see README).
      await import(pkg);
      await activate('tensorflow');
      return { name: 'tensorflow', reason: 'requested', info: { package: pkg } };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (package|module)|Could not resolve|Failed to load url/.test(firstLine(err))) missing++;
      errors.push(`${pkg}: ${firstLine(err)}`);
    }
  }
  // Not installed is the common case: say so briefly; anything else (a broken install) in full.
  const why = missing === errors.length ? 'neither is installed; see docs/gpu.md' : errors.join('; ');
  throw new BackendError(`backend tensorflow needs @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node installed (${why})`);
}

interface DawnModule {
  create(flags: string[]): GPULike;
  globals: Record<string, unknown>;
}
interface GPULike {
  requestAdapter(options?: unknown): Promise<AdapterLike | null>;
}
interface AdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}

/**
 * Set to 1 to train on a fallback adapter (a CPU implementation of Vulkan such as SwiftShader, which
 * Debian's chromium package ships): it runs WGSL correctly but far too slowly to train (576 images did
 * not finish one epoch in 10 minutes), so `--backend webgpu` refuses it unless this says otherwise.
 * The webgpu kernel tests set it.
 */
export const ALLOW_FALLBACK_ADAPTER_ENV = 'DIGIT_SWEEP_ALLOW_FALLBACK_ADAPTER';

async function loadDawn(): Promise<DawnModule> {
  // DAWN_NODE points at a dawn.node shipped next to a bundle (a GPU machine without node_modules).
  const path = process.env.DAWN_NODE;
  if (path) return createRequire(import.meta.url)(path) as DawnModule;
  return (await import('webgpu')) as unknown as DawnModule;
}

/**
 * Dawn needs the Vulkan loader on Linux; without it Dawn prints a multi-line warning on stderr and finds
 * no adapter. Checking first keeps `auto` quiet on CPU-only machines. Unknown (no ldconfig): try Dawn.
 */
function hasVulkanLoader(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  if (dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')))) return true;
  for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    try {
      return execFileSync(ldconfig, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('libvulkan.so.1');
    } catch {
      // try the next location
    }
  }
  return true;
}

async function initWebgpu(): Promise<BackendInit> {
  let dawn: DawnModule;
  try {
    dawn = await loadDawn();
  } catch (err) {
    throw new BackendError(`backend webgpu needs the npm package "webgpu" (Dawn): ${firstLine(err)}`);
  }
  if (!hasVulkanLoader()) {
    throw new BackendError('backend webgpu: no Vulkan loader (libvulkan.so.1) on this machine, so no GPU adapter for Dawn (see docs/gpu.md)');
  }
  const g = globalThis as Record<string, unknown>;
  Object.assign(g, dawn.globals);
  const gpu = dawn.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new BackendError('backend webgpu: Dawn found no GPU adapter (no Vulkan driver for a GPU on this machine)');
  }
  const adapterInfo = adapter.info ?? {};
  const fallback = adapterInfo.isFallbackAdapter === true || adapter.isFallbackAdapter === true || /swiftshader|llvmpipe/i.test(`${adapterInfo.architecture ?? ''} ${adapterInfo.description ?? ''}`);
  if (fallback && process.env[ALLOW_FALLBACK_ADAPTER_ENV] !== '1') {
    const name = adapterInfo.description || adapterInfo.architecture || 'unknown';
    throw new BackendError(
      `backend webgpu: the only adapter is a CPU fallback (${name}), far too slow to train; set ${ALLOW_FALLBACK_ADAPTER_ENV}=1 to use it anyway`,
    );
  }
  const nav = (g.navigator ?? {}) as Record<string, unknown>;
  try {
    Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
    if (!g.navigator) Object.defineProperty(g, 'navigator', { value: nav, configurable: true });
  } catch (err) {
    throw new BackendError(`backend webgpu: cannot expose navigator.gpu: ${firstLine(err)}`);
  }
  await import('@tensorflow/tfjs-backend-webgpu');
  const flags = setWebgpuFlags();
  await activate('webgpu');
  const info = adapter.info ?? {};
  return {
    name: 'webgpu',
    reason: 'requested',
    info: {
      package: 'webgpu (Dawn)',
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
      fallbackAdapter: String(fallback),
      flags,
    },
  };
}

/**
 * TF.js webgpu flags for training, measured on an H100 (bench/NOTES.md): submit the command buffer every
 * 1000 dispatches instead of 15, and never run small ops on the CPU (that reads GPU data back). An
 * environment variable of the same name overrides each one (benchmarks). Returns them as one line.
 */
export const WEBGPU_TRAINING_FLAGS = { WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: 1000, WEBGPU_CPU_FORWARD: false } as const;

function setWebgpuFlags(): string {
  const set: string[] = [];
  for (const [name, fallback] of Object.entries(WEBGPU_TRAINING_FLAGS)) {
    const raw = process.env[name];
    let value: number | boolean = fallback;
    if (raw !== undefined && raw !== '') {
      value = typeof fallback === 'boolean' ? raw === 'true' || raw === '1' : Number(raw);
      if (typeof value === 'number' && !(Number.isInteger(value) && value > 0)) {
        throw new BackendError(`backend webgpu: environment variable ${name} must be a positive integer (got ${JSON.stringify(raw)})`);
      }
    }
    try {
      tf.env().set(name, value);
    } catch (err) {
      throw new BackendError(`backend webgpu: cannot set TF.js flag ${name}: ${firstLine(err)}`);
    }
    set.push(`${name}=${value}`);
  }
  return set.join(' ');
}

async function initWasm(threads: number): Promise<BackendInit> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // Under Node the .wasm binaries sit beside the package's dist; a bundle ships them next to itself.
  const dir = process.env.TFJS_WASM_DIR;
  if (dir) wasm.setWasmPaths(dir.endsWith('/') ? dir : `${dir}/`);
  const { registerWasmTrainingKernels } = await import('./wasm-kernels/index.js');
  registerWasmTrainingKernels();
  // TF.js only has a threaded build with SIMD; with 1 thread the plain SIMD build has no pthread overhead.
  const threaded = threads > 1;
  if (threaded && !(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) {
    throw new BackendError(`backend wasm: ${threads} threads need WebAssembly SIMD, which this Node lacks (use --threads 1)`);
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threaded);
  wasm.setThreadsCount(threads);
  if (threaded) await withThreadedWasmHooks(threads, () => activate('wasm'));
  else await activate('wasm');
  const actual = wasm.getThreadsCount();
  if (actual !== threads) {
    throw new BackendError(`backend wasm: asked for ${threads} thread(s), the wasm module runs ${actual} (has @tensorflow/tfjs-backend-wasm changed? see src/train/wasm-threaded-build.ts)`);
  }
  if (threaded) unrefPthreads((tf.backend() as unknown as { wasm: Parameters<typeof unrefPthreads>[0] }).wasm);
  return {
    name: 'wasm',
    reason: 'requested',
    info: { package: '@tensorflow/tfjs-backend-wasm', version: wasm.version_wasm, threads: String(threads), build: threaded ? 'threaded-simd' : 'simd' },
  };
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0] ?? msg;
}
