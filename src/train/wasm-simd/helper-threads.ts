/**
 * Our SIMD kernels' helper threads on the threaded wasm build (not to be confused with the build's own
 * pthread pool, which ../wasm-threaded-build.ts starts and XNNPACK uses). XNNPACK spreads its own kernels
 * over that pool, but our kernels (kernels.wat) run on the calling thread only: with `--threads 2` the
 * convolution (conv2d.ts) would use one core of two. So, when the backend runs N > 1 threads, N - 1
 * Node worker threads each instantiate the same kernels over the same shared heap, and a kernel that takes
 * a range as its last two parameters (`[from, to)` of output channels or rows, parts that write disjoint
 * memory) runs in N parts: one on the calling thread, one on each helper.
 *
 * The call is synchronous, as TF.js kernels are: the caller publishes the arguments in a small shared
 * control block, wakes the helpers (Atomics.notify), runs its own part and waits (Atomics.wait) until
 * every helper has reported. Helpers sleep in Atomics.wait between calls (no spinning on a core the
 * pthread pool may need), and are unref'd so they never keep a process alive.
 */
import { Worker } from 'node:worker_threads';

/** Control block (Int32 slots). */
const SEQ = 0; // bumped once per call: helpers wait on it
const DONE = 1; // helpers that finished the current call
const KERNEL = 2; // index into the names list
const ARGC = 3;
const FAILED = 4; // helpers whose part threw (a trap), or that could not instantiate the kernels
const ARGS = 8; // up to MAX_ARGS arguments
const MAX_ARGS = 24;
const RANGES = ARGS + MAX_ARGS; // [from, to) of helper k at RANGES + 2k
const MAX_HELPERS = 15;
const SLOTS = RANGES + 2 * MAX_HELPERS;
/** A helper that does not answer within this long is reported (it can only have died). */
const ANSWER_TIMEOUT_MS = 120_000;

/** The helper's code (CommonJS, run with `eval: true`, so the flat bundle needs no extra file). */
const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { memory, module, control, index, names } = workerData;
const ctrl = new Int32Array(control);
let kernels = null;
try {
  kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
} catch {
  // Reported through FAILED on every call: the caller throws, naming the kernel.
}
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, ${SEQ}, seen);
  seen = Atomics.load(ctrl, ${SEQ});
  let ok = kernels !== null;
  if (ok) {
    const args = [];
    for (let i = 0; i < ctrl[${ARGC}]; i++) args.push(ctrl[${ARGS} + i]);
    args.push(ctrl[${RANGES} + 2 * index], ctrl[${RANGES} + 2 * index + 1]);
    try {
      kernels[names[ctrl[${KERNEL}]]](...args);
    } catch {
      // A trap (out-of-bounds access): counted in FAILED, so the caller throws instead of using the output.
      ok = false;
    }
  }
  if (!ok) Atomics.add(ctrl, ${FAILED}, 1);
  Atomics.add(ctrl, ${DONE}, 1);
  Atomics.notify(ctrl, ${DONE});
}
`;

export class SimdHelperThreads {
  private readonly ctrl: Int32Array;
  private readonly workers: Worker[] = [];
  private readonly names: readonly string[];

  /**
   * `helpers` threads over `memory` (a shared WebAssembly.Memory), each with an instance of `module`
   * (compiled for a shared memory); `names` are the kernels `run` may call.
   */
  constructor(memory: unknown, module: unknown, helpers: number, names: readonly string[]) {
    if (!Number.isInteger(helpers) || helpers < 1 || helpers > MAX_HELPERS) throw new Error(`SIMD helper threads: ${helpers} helpers (1-${MAX_HELPERS})`);
    this.names = names;
    this.ctrl = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
    for (let index = 0; index < helpers; index++) {
      const worker = new Worker(HELPER_SOURCE, { eval: true, workerData: { memory, module, control: this.ctrl.buffer, index, names } });
      worker.unref();
      this.workers.push(worker);
    }
  }

  get helpers(): number {
    return this.workers.length;
  }

  /**
   * Runs `kernel(...args, from, to)` over `[0, total)` in `helpers + 1` parts cut at multiples of
   * `grain`, the first on this thread. Throws if any part failed.
   */
  run(kernel: string, own: (...args: number[]) => void, args: readonly number[], total: number, grain: number): void {
    const index = this.names.indexOf(kernel);
    if (index < 0) throw new Error(`SIMD helper threads: unknown kernel ${kernel}`);
    if (args.length > MAX_ARGS) throw new Error(`SIMD helper threads: ${kernel} has ${args.length} arguments (at most ${MAX_ARGS})`);
    const parts = this.workers.length + 1;
    const units = Math.ceil(total / grain);
    const cut = (k: number): number => Math.min(total, Math.round((units * k) / parts) * grain);
    const c = this.ctrl;
    c[KERNEL] = index;
    c[ARGC] = args.length;
    for (let i = 0; i < args.length; i++) c[ARGS + i] = args[i] as number;
    for (let k = 0; k < this.workers.length; k++) {
      c[RANGES + 2 * k] = cut(k + 1);
      c[RANGES + 2 * k + 1] = cut(k + 2);
    }
    Atomics.store(c, DONE, 0);
    Atomics.store(c, FAILED, 0);
    Atomics.add(c, SEQ, 1);
    Atomics.notify(c, SEQ);
    let ownError: unknown = null;
    try {
      own(...args, 0, cut(1));
    } catch (err) {
      ownError = err; // thrown below, after the helpers are done with the same memory
    }
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    for (let done = Atomics.load(c, DONE); done < this.workers.length; done = Atomics.load(c, DONE)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`SIMD helper threads: ${this.workers.length - done} of ${this.workers.length} did not finish ${kernel} in ${ANSWER_TIMEOUT_MS / 1000} s`);
      Atomics.wait(c, DONE, done, left);
    }
    if (ownError !== null) throw ownError;
    const failed = Atomics.load(c, FAILED);
    if (failed > 0) throw new Error(`SIMD helper threads: ${kernel} failed on ${failed} of ${this.workers.length} helper threads`);
  }

  /** Stops the helpers (tests; a backend's helpers otherwise live as long as the thread). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
