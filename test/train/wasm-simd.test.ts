/**
 * The WASM SIMD kernels (src/train/wasm-simd): the checked-in module is the assembly of kernels.wat, the wasm
 * backend's heap is found (so the fused and training kernels' tests on wasm run the SIMD passes, not
 * their JS fallbacks), and the shared-memory variant (the threaded build's heap) computes the same as
 * the plain one. The kernels' values against cpu are tested in ops.test.ts and wasm-kernels.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { simdFor } from '../../src/train/wasm-simd/index.js';

const root = join(import.meta.dirname, '..', '..');
/** WebAssembly.Memory (the project's TypeScript libs do not declare the WebAssembly global). */
const WasmMemory = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => { buffer: ArrayBuffer | SharedArrayBuffer } } })
  .WebAssembly.Memory;

describe('WASM SIMD kernels', () => {
  it('kernels-wasm.ts is up to date with kernels.wat', () => {
    // Throws (exit code 1, naming the file) when the generated module is stale.
    execFileSync(process.execPath, [join(root, 'scripts/build-simd.mjs'), '--check'], { stdio: 'pipe' });
  });

  it('binds to the wasm backend heap', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const simd = simdFor(tf.backend());
    expect(simd).not.toBeNull();
    // A kernel writes where the backend reads: the ReLU/bias gradient of a small tensor.
    const dy = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]);
    const y = tf.tensor2d([1, -1, 0, 2, -3, 4, 5, 0], [2, 4]);
    const backend = tf.backend() as unknown as { makeOutput(s: number[], d: string): tf.TensorInfo; readSync(id: object): Float32Array; disposeData(id: object): void };
    const out = backend.makeOutput([2, 4], 'float32');
    const acc = simd!.scratch(32);
    simd!.kernels.reluBiasGrad(simd!.ptr(out), simd!.ptr(dy), simd!.ptr(y), 8, 4, acc);
    expect([...backend.readSync(out.dataId)]).toEqual([1, 0, 0, 4, 0, 6, 7, 0]);
    expect([...new Float64Array(simd!.memory.buffer, acc, 4)]).toEqual([1, 6, 7, 4]);
    backend.disposeData(out.dataId);
    tf.dispose([dy, y]);
  });

  it('the shared-memory variant runs on a SharedArrayBuffer heap and matches', () => {
    const results: number[][] = [];
    for (const shared of [false, true]) {
      const memory = new WasmMemory(shared ? { initial: 4, maximum: 65536, shared: true } : { initial: 4 });
      let next = 1024;
      const fake = {
        wasm: {
          get HEAPU8() {
            return new Uint8Array(memory.buffer);
          },
          wasmMemory: memory,
          _malloc: (bytes: number) => {
            const p = next;
            next += (bytes + 15) & ~15;
            return p;
          },
          _free: () => undefined,
        },
        getMemoryOffset: (id: object) => (id as { at: number }).at,
      };
      const simd = simdFor(fake);
      expect(simd).not.toBeNull();
      expect(simd!.memory.buffer instanceof SharedArrayBuffer).toBe(shared);
      const n = 64;
      const c = 8;
      const x = { dataId: { at: 4096 } };
      const heap = new Float32Array(memory.buffer);
      for (let i = 0; i < n; i++) heap[4096 / 4 + i] = Math.sin(i) * 3 + 1;
      const acc = simd!.scratch(16 * c);
      simd!.kernels.moments(simd!.ptr(x), n, c, acc);
      results.push([...new Float64Array(memory.buffer, acc, 2 * c)]);
    }
    expect(results[1]).toEqual(results[0]);
    // Sums against plain JS (float64) sums.
    const want = new Array<number>(16).fill(0);
    for (let i = 0; i < 64; i++) {
      const v = Math.fround(Math.sin(i) * 3 + 1);
      want[i % 8]! += v;
      want[8 + (i % 8)]! += v * v;
    }
    results[0]!.forEach((v, k) => expect(v).toBeCloseTo(want[k]!, 9));
  });

  describe('on helper threads (threads.ts)', () => {
    /** A backend stand-in over a shared heap that reports `threads` threads, as the threaded build does. */
    function fakeBackend(memory: { buffer: ArrayBuffer | SharedArrayBuffer }, threads: number): object {
      return {
        wasm: {
          get HEAPU8() {
            return new Uint8Array(memory.buffer);
          },
          wasmMemory: memory,
          _malloc: () => 1 << 16,
          _free: () => undefined,
          tfjs: { getThreadsCount: () => threads },
        },
        getMemoryOffset: (id: object) => (id as { at: number }).at,
      };
    }
    // Conv2DBackpropInput of x [2, 6, 6, 16], filter [3, 3, 16, 8], stride 1, valid: dy [2, 4, 4, 8].
    const [DX, DY, WP, ZERO] = [4096, 16384, 20480, 28672];
    const args = (dx: number): [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number] =>
      [dx, DY, WP, ZERO, 6, 6, 16, 4, 4, 8, 3, 3, 1, 1, 0, 0];

    it('splits a kernel across threads and computes what one thread computes', () => {
      const memory = new WasmMemory({ initial: 4, maximum: 65536, shared: true });
      const heap = new Float32Array(memory.buffer);
      for (let i = DY / 4; i < ZERO / 4; i++) heap[i] = Math.sin(i);
      heap.fill(0, ZERO / 4, ZERO / 4 + 8);
      const one = simdFor(fakeBackend(memory, 1))!;
      const two = simdFor(fakeBackend(memory, 2))!;
      expect([one.threads, two.threads]).toEqual([1, 2]);
      one.parallel('backpropInput', args(DX), 12, 1);
      const want = heap.slice(DX / 4, DX / 4 + 2 * 6 * 6 * 16);
      heap.fill(NaN, DX / 4, DX / 4 + want.length);
      two.parallel('backpropInput', args(DX), 12, 1);
      expect(heap.slice(DX / 4, DX / 4 + want.length)).toEqual(want);
      expect(want.some((v) => v !== 0)).toBe(true);
    });

    it("throws when a helper's part fails, naming the kernel", () => {
      const memory = new WasmMemory({ initial: 4, maximum: 65536, shared: true });
      const two = simdFor(fakeBackend(memory, 2))!;
      // dx placed so that image 0's rows (this thread's part) fit in the heap and image 1's (the helper's) do not.
      const dx = memory.buffer.byteLength - 6 * 6 * 16 * 4 - 64;
      expect(() => two.parallel('backpropInput', args(dx), 12, 1)).toThrow(/backpropInput failed on 1 of 1 helper threads/);
    });
  });
});
