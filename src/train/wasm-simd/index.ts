/**
 * Our WASM SIMD128 module (kernels.wat, assembled into kernels-wasm.ts) bound to the TF.js wasm backend's
 * heap: the module imports the backend's own WebAssembly.Memory, so a kernel reads and writes tensors where
 * they live, addressed by their heap offsets; nothing is copied between JS and the heap. It works on a plain
 * and on a shared heap (the threaded build). One instance per backend, with a small scratch block (malloc'd
 * from the backend once, grown on demand) for packed filters, per-channel coefficients and float64
 * accumulators, and `parallel`, which splits the convolution's passes over the backend's threads
 * (helper-threads.ts).
 *
 * Callers: the ops' wasm implementations (../ops/) and the wasm kernel overrides (../wasm-kernels/); the
 * convolution's three passes through conv2d.ts. The JS loops these replace cost ~2-10 ns per element; these
 * run four lanes per instruction. `simdFor` returns null when the backend's memory cannot be found (another
 * build of the backend): callers then keep their JS loops or the stock kernels.
 */
import { KERNELS_WASM, KERNELS_WASM_SHARED } from './kernels-wasm.js';
import { SimdHelperThreads } from './helper-threads.js';

/** The WebAssembly API as used here (the project's TypeScript libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
interface WebAssemblyApi {
  Memory: abstract new (...args: never[]) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** The parts of tfjs-backend-wasm's BackendWasm this module uses. */
interface WasmHeapBackend {
  wasm: {
    HEAPU8: Uint8Array;
    _malloc(bytes: number): number;
    _free(ptr: number): void;
    asm?: Record<string, unknown>;
    wasmMemory?: unknown;
    tfjs?: { getThreadsCount?: () => number };
  };
  getMemoryOffset(dataId: object): number;
}

interface Exports {
  reluBiasGrad(out: number, dy: number, y: number, n: number, c: number, acc: number): void;
  moments(x: number, n: number, c: number, acc: number): void;
  gradSums(dy: number, x: number, n: number, c: number, acc: number): void;
  affine1(out: number, u: number, n: number, c: number, a: number, e: number): void;
  affine2(out: number, u: number, w: number, n: number, c: number, a: number, b: number, e: number): void;
  channelsToBatch(dst: number, src: number, batch: number, height: number, width: number, ch: number, h: number, w: number): void;
  channelsToBatch1(dst: number, src: number, batch: number, height: number, width: number, h: number, w: number): void;
  backpropFilter1(
    dw: number, x: number, dy: number, batch: number, height: number, width: number, oh: number, ow: number,
    kh: number, kw: number, o: number, sh: number, sw: number, top: number, left: number,
  ): void;
  backpropFilter(
    dw: number, x: number, dy: number, batch: number, height: number, width: number, c: number, oh: number, ow: number, o: number,
    kh: number, kw: number, sh: number, sw: number, top: number, left: number, rows: number, o0: number, o1: number,
  ): void;
  packFilterT(wp: number, w: number, kh: number, kw: number, c: number, o: number): void;
  packFilter(wp: number, w: number, taps: number, c: number, o: number): void;
  convReluForward(
    y: number, x: number, wp: number, bias: number, zero: number, height: number, width: number, c: number, oh: number, ow: number, o: number,
    kh: number, kw: number, sh: number, sw: number, top: number, left: number, r0: number, r1: number,
  ): void;
  backpropInput(
    dx: number, dy: number, wp: number, zero: number, height: number, width: number, c: number, oh: number, ow: number, o: number,
    kh: number, kw: number, sh: number, sw: number, top: number, left: number, r0: number, r1: number,
  ): void;
  dropout(out: number, u: number, n: number, k1: number, k2: number, threshold: number, scale: number): void;
  copyBlocks(dst: number, src: number, rows: number, rowDst: number, rowSrc: number, cols: number, colDst: number, run: number): void;
  adam(
    p: number, g: number, m: number, v: number, po: number, mo: number, vo: number, n: number,
    lr: number, b1: number, b2: number, c1: number, c2: number, inv1: number, inv2: number, eps: number,
  ): void;
}

export interface Simd {
  readonly kernels: Exports;
  readonly memory: WasmMemory;
  /** Heap offset of a tensor's data. */
  ptr(info: { dataId: object }): number;
  /** A scratch block of at least `bytes` (16-byte aligned), valid until the next `scratch` call. */
  scratch(bytes: number): number;
  /** Threads `parallel` runs on: the backend's thread count (1: the calling thread only). */
  readonly threads: number;
  /**
   * Runs a kernel whose last two parameters are a range `[from, to)` over `[0, total)`, split at multiples
   * of `grain` across the backend's threads (helper-threads.ts); on one thread, one call with `[0, total)`.
   */
  parallel<K extends RangedKernel>(kernel: K, args: RangedArgs<K>, total: number, grain: number): void;
}

/** The kernels that take a range `[from, to)` as their last two parameters (the convolution's: conv2d.ts). */
export type RangedKernel = 'backpropFilter' | 'backpropInput' | 'convReluForward';
type DropLast2<T extends unknown[]> = T extends [...infer Head, number, number] ? Head : never;
/** A ranged kernel's parameters before its range. */
export type RangedArgs<K extends RangedKernel> = DropLast2<Parameters<Exports[K]>>;
const RANGED_KERNELS: readonly RangedKernel[] = ['backpropFilter', 'backpropInput', 'convReluForward'];

const instances = new WeakMap<object, Simd | null>();
const modules = new Map<boolean, object>();

function heapMemory(backend: WasmHeapBackend): WasmMemory | null {
  const wasm = backend.wasm;
  const candidates = [wasm.asm?.['memory'], wasm.wasmMemory];
  for (const m of candidates) {
    if (m instanceof WA.Memory && m.buffer === wasm.HEAPU8.buffer) return m;
  }
  return null;
}

function compiled(shared: boolean): object {
  let m = modules.get(shared);
  if (m === undefined) {
    m = new WA.Module(Buffer.from(shared ? KERNELS_WASM_SHARED : KERNELS_WASM, 'base64'));
    modules.set(shared, m);
  }
  return m;
}

/** The SIMD kernels bound to a wasm backend's heap, or null when that heap is not reachable. */
export function simdFor(backend: unknown): Simd | null {
  const b = backend as WasmHeapBackend;
  const known = instances.get(b);
  if (known !== undefined) return known;
  let simd: Simd | null = null;
  const memory = typeof b.wasm === 'object' && b.wasm !== null ? heapMemory(b) : null;
  if (memory !== null) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const instance = new WA.Instance(compiled(shared), { env: { memory } });
    const kernels = instance.exports as unknown as Exports;
    // Only the threaded build (shared heap) has more than one thread.
    const threads = shared ? Math.max(1, b.wasm.tfjs?.getThreadsCount?.() ?? 1) : 1;
    let helpers: SimdHelperThreads | null = null;
    let block = 0;
    let capacity = 0;
    simd = {
      kernels,
      memory,
      threads,
      ptr: (info) => b.getMemoryOffset(info.dataId),
      scratch: (bytes) => {
        if (bytes > capacity) {
          if (block !== 0) b.wasm._free(block);
          capacity = Math.max(bytes, 4096);
          block = b.wasm._malloc(capacity + 16) >>> 0;
          if (block === 0) throw new Error(`wasm SIMD kernels: malloc of ${capacity} bytes failed`);
        }
        return ((block + 15) & ~15) >>> 0;
      },
      parallel: (kernel, args, total, grain) => {
        const own = kernels[kernel] as (...a: number[]) => void;
        if (threads === 1 || total <= grain) {
          own(...(args as number[]), 0, total);
          return;
        }
        helpers ??= new SimdHelperThreads(memory, compiled(true), threads - 1, RANGED_KERNELS);
        helpers.run(kernel, own, args as number[], total, grain);
      },
    };
  }
  instances.set(b, simd);
  return simd;
}
