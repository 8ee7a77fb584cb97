/**
 * TF.js's multithreaded wasm build (`tfjs-backend-wasm-threaded-simd.wasm`, XNNPACK on a pthreadpool) under
 * Node, with TF.js and Node left as installed: how `--threads N` loads it. (Our own SIMD kernels split their
 * work over helper threads of their own on the same shared heap: wasm-simd/helper-threads.ts.) TF.js turns it off under Node (its flag
 * WASM_HAS_MULTITHREAD_SUPPORT answers false when IS_NODE), and forcing the flag alone fails three ways:
 *  1. the pthread workers start from a `blob:` URL (TF.js's locateFile turns the worker script into a Blob
 *     and calls `URL.createObjectURL`), which Node's `Worker` refuses (ERR_WORKER_PATH);
 *  2. each worker then imports the main script, which TF.js also hands over as a Blob: a down-levelled copy
 *     of emscripten's glue from TF.js's node bundle, which reads bundle-scope helpers a worker lacks;
 *  3. the C++ side caps the pool at `emscripten_num_logical_cores() / 2` (and at 8, the number of workers
 *     the glue starts), whatever `setThreadsCount` asks for; the glue answers that import with
 *     `os.cpus().length` under Node, so 2 cores give 1 thread.
 * And, a cost rather than a failure: the glue starts 8 pthread workers (`PThread.initMainThread`, a
 * compile-time pool size) whatever the thread count, each a Node worker thread (~0.06 CPU-s to boot).
 * What this does instead, only while the backend initializes (`withThreadedWasmHooks`):
 *  1. `URL.createObjectURL` answers the worker-script Blob with a `data:` URL of a small ES module (Node's
 *     Worker accepts data: URLs) that runs TF.js's own worker script (wasm-out/…worker.js of the same
 *     package) with the main script pointed at the package's original glue (wasm-out/…threaded-simd.js);
 *  2. `WebAssembly.instantiate` gets the import object with `emscripten_num_logical_cores` answering
 *     2 × threads, so the cap is the thread count asked for, set with TF.js's own `setThreadsCount`;
 *  3. the glue's `PThread` gets an `initMainThread` that starts `threads` workers instead of 8. The pool
 *     must hold every pthread XNNPACK creates, loaded, before it creates them: `pthreadpool_create` blocks
 *     the main thread until its threads run, and a worker started then could never report "loaded" to
 *     the blocked main thread (a deadlock). XNNPACK creates `threads - 1` pthreads (the caller is the
 *     last one), once, while the backend initializes; `threads` leaves one spare, as 8 did for 8 threads.
 *     The glue assigns `Module["PThread"] = PThread` before `PThread.init()`, and Module is a plain object
 *     (TF.js's factory config): a setter for `PThread` on Object.prototype sees it, defines the property
 *     on Module as the assignment would, and removes itself. `pthreadWorkerCount` tells the tests whether
 *     it took effect (if a TF.js update moves it, the pool is 8 workers again, slower but correct).
 * All three globals are restored afterwards. The backend then checks `getThreadsCount()`: if a TF.js update
 * changes any of this, initialization fails loudly instead of training on another thread count.
 * The heap is then a SharedArrayBuffer: our kernels' JS passes read it through the same typed-array views.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The files of tfjs-backend-wasm that the pthread workers load; the bundle ships them beside itself. */
export const THREADED_WASM_SUPPORT_FILES = ['tfjs-backend-wasm-threaded-simd.js', 'tfjs-backend-wasm-threaded-simd.worker.js'] as const;

/** Where a support file is: TFJS_WASM_DIR, beside this module (the flat bundle), or in the installed package. */
function locateSupportFile(name: string): string {
  const dir = process.env.TFJS_WASM_DIR;
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [dir ? join(dir, name) : null, join(here, name)]) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  try {
    return createRequire(import.meta.url).resolve(`@tensorflow/tfjs-backend-wasm/wasm-out/${name}`);
  } catch (err) {
    throw new Error(`threaded wasm: ${name} not found (TFJS_WASM_DIR, ${here}, @tensorflow/tfjs-backend-wasm/wasm-out): ${(err as Error).message.split('\n')[0]}`);
  }
}

/** The pthread worker as an ES module in a data: URL (see the file comment, step 1). */
function workerUrl(): URL {
  const [glue, worker] = THREADED_WASM_SUPPORT_FILES.map(locateSupportFile) as [string, string];
  const source = [
    "import { createRequire } from 'node:module';",
    "import { readFileSync } from 'node:fs';",
    // TF.js's worker script is written for CommonJS: it reads require (Node built-ins) and __filename.
    `const require = createRequire(${JSON.stringify(worker)});`,
    `const __filename = ${JSON.stringify(worker)};`,
    // It imports the main script with URL.createObjectURL(blob) + a synchronous file read: give it the glue's path.
    `URL.createObjectURL = () => ${JSON.stringify(glue)};`,
    'URL.revokeObjectURL = () => {};',
    // The file only sets module.exports.wasmWorkerContents; read rather than required, since beside the
    // bundle (package.json type: module) a .js file cannot be required.
    'const module = { exports: {} };',
    "new Function('module', 'exports', readFileSync(__filename, 'utf8'))(module, module.exports);",
    // The script is a template string whose "\n" escapes became newlines: escape them again, as TF.js does.
    "eval(module.exports.wasmWorkerContents.replace(/\\n/g, '\\\\n'));",
  ].join('\n');
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

type Instantiate = (source: unknown, imports?: Record<string, Record<string, unknown>>) => Promise<unknown>;

/** Runs `init` (the backend's activation) with the two loader hooks in place; restores them after. */
export async function withThreadedWasmHooks<T>(threads: number, init: () => Promise<T>): Promise<T> {
  const url = workerUrl();
  const createObjectURL = URL.createObjectURL;
  // lib ES2022 has no WebAssembly types: the one function used, typed here.
  const wa = (globalThis as unknown as { WebAssembly: { instantiate: Instantiate } }).WebAssembly;
  const instantiate = wa.instantiate;
  URL.createObjectURL = ((obj: Blob) => {
    // TF.js's worker script is the only application/javascript Blob made while the backend initializes.
    if (obj instanceof Blob && obj.type === 'application/javascript') {
      return url as unknown as string; // emscripten passes it straight to new Worker(), which takes a URL
    }
    return createObjectURL.call(URL, obj);
  }) as typeof URL.createObjectURL;
  wa.instantiate = (source, imports) => {
    const env = imports?.env;
    if (env && typeof env.emscripten_num_logical_cores === 'function') {
      // The C++ side uses half of this (one thread per physical core on hyper-threaded CPUs).
      env.emscripten_num_logical_cores = () => 2 * threads;
    }
    return instantiate.call(wa, source, imports);
  };
  const removePoolHook = hookPthreadPoolSize(threads);
  try {
    return await init();
  } finally {
    URL.createObjectURL = createObjectURL;
    wa.instantiate = instantiate;
    removePoolHook();
  }
}

interface PThreadPool {
  initMainThread(): void;
  allocateUnusedWorker(): void;
}

function isPThreadPool(value: unknown): value is PThreadPool {
  const v = value as Partial<PThreadPool> | null;
  return typeof v?.initMainThread === 'function' && typeof v.allocateUnusedWorker === 'function';
}

/** Step 3 of the file comment: the glue's pool starts `threads` workers. Returns the hook's remover. */
function hookPthreadPoolSize(threads: number): () => void {
  const remove = () => {
    if (Object.getOwnPropertyDescriptor(Object.prototype, 'PThread')?.set === set) delete (Object.prototype as { PThread?: unknown }).PThread;
  };
  function set(this: object, value: unknown): void {
    if (isPThreadPool(value)) {
      value.initMainThread = () => {
        for (let i = 0; i < threads; i++) value.allocateUnusedWorker();
      };
      remove();
    }
    Object.defineProperty(this, 'PThread', { value, writable: true, enumerable: true, configurable: true });
  }
  Object.defineProperty(Object.prototype, 'PThread', { set, configurable: true });
  return remove;
}

interface PThreadLike {
  runningWorkers: { unref(): void }[];
  unusedWorkers: unknown[];
}

/** The pthread workers of the threaded build's pool: running (XNNPACK's threads) and idle. */
export function pthreadWorkerCount(module: { PThread?: PThreadLike }): { running: number; unused: number } {
  return { running: module.PThread?.runningWorkers.length ?? 0, unused: module.PThread?.unusedWorkers.length ?? 0 };
}

/**
 * The pool's running pthread workers hold the event loop (emscripten refs them under Node), so a finished
 * `train` would never exit: they only ever work while the main thread waits on them inside a kernel, so
 * unreferencing them is safe.
 */
export function unrefPthreads(module: { PThread?: PThreadLike }): void {
  for (const worker of module.PThread?.runningWorkers ?? []) worker.unref();
}
