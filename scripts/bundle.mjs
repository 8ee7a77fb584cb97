#!/usr/bin/env node
/**
 * `npm run bundle [-- --out DIR] [-- --no-dawn]`: digit-sweep as a folder that runs with a bare `node` (no
 * node_modules, no network), for a GPU machine. Layout of DIR (default bundle/):
 *   cli.js            the CLI, one ESM file (TF.js, the wasm/webgpu backends and all JS dependencies inside)
 *   worker.js         the pool's worker (src/pool/worker.ts): thread pool and process pool both load it
 *   piscina-worker.js piscina's own thread bootstrap (piscina resolves it beside itself: renamed, see below)
 *   live-worker.js    the live report's render thread (src/report/live-worker.ts), started by a running sweep
 *   bench.js          `npm run bench` (src/bench/main.ts) and backend.js (src/bench/backend.ts, one backend's
 *                     figures, which bench.js runs in a child process), when those files exist
 *   package.json      {"type":"module"}: Node 20 reads the .js files above as ES modules
 *   *.wasm            tfjs-backend-wasm's binaries, found beside the bundle (its __dirname) or via TFJS_WASM_DIR
 *   tfjs-backend-wasm-threaded-simd{,.worker}.js  what the threaded build's pthread workers load (--threads > 1)
 *   node_modules/     only native packages, kept external: @resvg/resvg-js (+ its linux-x64-gnu binary, the
 *                     report PNGs) and webgpu (package.json, index.js, dist/linux-x64/dawn.node; --no-dawn
 *                     leaves it out: then set DAWN_NODE to a dawn.node, as .gpu-carry/on-device.sh does)
 * Not in it: the MNIST files (55 MB; set MNIST_DIR) and @tensorflow/tfjs-node(-gpu): it would register its
 * backend on its own copy of TF.js, not the bundled one, so `--backend tensorflow` needs the npm install.
 */
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
/** A package's folder (its package.json may not be exported). */
function pkgDir(name) {
  const dir = join(root, 'node_modules', name);
  if (!existsSync(join(dir, 'package.json'))) throw new Error(`${name} is not installed in ${join(root, 'node_modules')}`);
  return dir;
}

const args = process.argv.slice(2);
const outArg = args.indexOf('--out');
const out = resolve(root, outArg >= 0 && args[outArg + 1] ? args[outArg + 1] : 'bundle');
const withDawn = !args.includes('--no-dawn');
const minify = !args.includes('--no-minify');

// ESM output of CommonJS dependencies (emscripten's glue, piscina, yargs helpers) still reads require,
// __filename and __dirname: give them the bundle file's own values.
const banner = [
  "import { createRequire as __dsCreateRequire } from 'node:module';",
  "import { fileURLToPath as __dsFileURLToPath } from 'node:url';",
  "import { dirname as __dsDirname } from 'node:path';",
  'const require = __dsCreateRequire(import.meta.url);',
  'const __filename = __dsFileURLToPath(import.meta.url);',
  'const __dirname = __dsDirname(__filename);',
].join('\n');

// piscina starts each thread on `resolve(__dirname, 'worker.js')`, its own bootstrap; in the bundle that name
// is our pool worker, so piscina's bootstrap becomes piscina-worker.js.
const piscinaWorkerName = {
  name: 'piscina-worker-name',
  setup(b) {
    b.onLoad({ filter: /[\\/]piscina[\\/]dist[\\/]index\.js$/ }, (a) => {
      const src = readFileSync(a.path, 'utf8');
      const from = "(0, node_path_1.resolve)(__dirname, 'worker.js')";
      if (!src.includes(from)) throw new Error(`piscina changed: "${from}" not found in ${a.path}`);
      return { contents: src.replace(from, "(0, node_path_1.resolve)(__dirname, 'piscina-worker.js')"), loader: 'js' };
    });
  },
};

const entryPoints = {
  cli: join(root, 'src/cli.ts'),
  worker: join(root, 'src/pool/worker.ts'),
  'piscina-worker': join(dirname(require.resolve('piscina')), 'worker.js'),
  'live-worker': join(root, 'src/report/live-worker.ts'),
};
// `npm run bench` (src/bench/main.ts) runs each backend's figures in its own process from backend.js beside it.
if (existsSync(join(root, 'src/bench/main.ts'))) entryPoints.bench = join(root, 'src/bench/main.ts');
if (existsSync(join(root, 'src/bench/backend.ts'))) entryPoints.backend = join(root, 'src/bench/backend.ts');
// scripts/gpu-run.sh's first check on a GPU: the fused kernels on webgpu against cpu.
if (existsSync(join(root, 'src/bench/kernel-check.ts'))) entryPoints['kernel-check'] = join(root, 'src/bench/kernel-check.ts');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints,
  outdir: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify,
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  // Optional or native packages: resolved at run time from the bundle's node_modules, or absent and
  // caught by src/train/backend.ts (tfjs-node) with a clear message.
  // @napi-rs/nice: piscina's optional niceIncrement helper, loaded in a .catch(noop).
  external: ['webgpu', '@resvg/resvg-js', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@napi-rs/nice'],
  banner: { js: banner },
  plugins: [piscinaWorkerName],
  metafile: true,
});
writeFileSync(join(out, 'package.json'), `${JSON.stringify({ type: 'module', private: true }, null, 2)}\n`);

// tfjs-backend-wasm's binaries.
const wasmDist = pkgDir('@tensorflow/tfjs-backend-wasm');
for (const f of readdirSync(join(wasmDist, 'dist'))) {
  if (f.endsWith('.wasm')) cpSync(join(wasmDist, 'dist', f), join(out, f));
}
// The threaded build's pthread workers run emscripten's glue and TF.js's worker script (src/train/wasm-threaded-build.ts
// finds them beside the bundle).
for (const f of ['tfjs-backend-wasm-threaded-simd.js', 'tfjs-backend-wasm-threaded-simd.worker.js']) {
  cpSync(join(wasmDist, 'wasm-out', f), join(out, f));
}

// Native packages, only the files they load.
const copyFiles = (name, files) => {
  const from = pkgDir(name);
  for (const f of files) {
    const dest = join(out, 'node_modules', name, f);
    mkdirSync(dirname(dest), { recursive: true });
    cpSync(join(from, f), dest);
  }
};
copyFiles('@resvg/resvg-js', ['package.json', 'index.js', 'js-binding.js']);
const resvgNative = '@resvg/resvg-js-linux-x64-gnu';
try {
  copyFiles(resvgNative, ['package.json', readdirSync(pkgDir(resvgNative)).find((f) => f.endsWith('.node'))]);
} catch (err) {
  console.warn(`bundle: ${resvgNative} not installed (${err.message.split('\n')[0]}): report PNGs will fail in the bundle`);
}
if (withDawn) {
  try {
    copyFiles('webgpu', ['package.json', 'index.js', 'dist/linux-x64/dawn.node']);
  } catch (err) {
    console.warn(`bundle: webgpu (Dawn) not installed (${err.message.split('\n')[0]}): set DAWN_NODE where the bundle runs`);
  }
}

const sizes = [];
const walk = (dir) => {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) walk(p);
    else sizes.push([relative(out, p), statSync(p).size]);
  }
};
walk(out);
const total = sizes.reduce((s, [, n]) => s + n, 0);
for (const [f, n] of sizes.sort((a, b) => b[1] - a[1])) console.log(`${(n / 1e6).toFixed(2).padStart(7)} MB  ${f}`);
console.log(`${(total / 1e6).toFixed(2).padStart(7)} MB  total in ${relative(process.cwd(), out) || '.'}`);
if (result.warnings.length) console.log(`${result.warnings.length} esbuild warning(s) above`);
