/**
 * WebGPU without a GPU: Debian's chromium package ships SwiftShader, a Vulkan driver running on the
 * CPU, and Dawn (npm `webgpu`) finds it as a fallback adapter. Real training refuses that adapter; with
 * DIGIT_SWEEP_ALLOW_FALLBACK_ADAPTER=1 the trainer's layers and optimizer run on webgpu (TF.js's own
 * kernels: the fused kernels exist for cpu and wasm only) and must match cpu. Each check runs in a child
 * process because the Vulkan loader reads LD_LIBRARY_PATH at process start. In CI (.ci/run installs
 * chromium) a missing SwiftShader is a failure, not a skip.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const DIR = '/usr/lib/chromium';
const ICD = `${DIR}/vk_swiftshader_icd.json`;
const hasSwiftShader = existsSync(ICD) && existsSync(`${DIR}/libvulkan.so.1`);
const hasDawn = existsSync(new URL('../../node_modules/webgpu/package.json', import.meta.url));

const swiftShaderEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  VK_ICD_FILENAMES: ICD,
  VK_DRIVER_FILES: ICD,
  LD_LIBRARY_PATH: [DIR, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
  ...extra,
});

it('SwiftShader and Dawn are installed where CI runs', () => {
  if (!process.env.CI) return; // outside CI the checks below skip without them
  expect(hasSwiftShader, `${ICD} (Debian package chromium)`).toBe(true);
  expect(hasDawn, 'npm package webgpu').toBe(true);
});

describe.runIf(hasSwiftShader && hasDawn)('webgpu on SwiftShader', () => {
  it('--backend webgpu refuses the fallback adapter: exit 2, one line naming it and the override', () => {
    const r = spawnSync(process.execPath, [CLI, 'train', '--backend', 'webgpu', '--limit', '100', '--out', '/tmp/digit-sweep-never-written'], {
      cwd: REPO,
      env: swiftShaderEnv(),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('digit-sweep:'));
    expect(lines).toEqual([
      'digit-sweep: backend webgpu: the only adapter is a CPU fallback (SwiftShader driver 5.0.0), far too slow to train; set DIGIT_SWEEP_ALLOW_FALLBACK_ADAPTER=1 to use it anyway',
    ]);
    expect(existsSync('/tmp/digit-sweep-never-written')).toBe(false);
  });

  it('with the override, the trainer\'s layers and Adam on webgpu match cpu (loss, gradients, one update)', () => {
    // A small model of the trainer's layer kinds (fused classes), one Adam step, on cpu then webgpu.
    const script = `
      import * as tf from '@tensorflow/tfjs';
      import { initBackend, batchNormalization, conv2d, dropout, createOptimizer } from './dist/train/index.js';
      const run = async (backend) => {
        await initBackend(backend);
        const m = tf.sequential();
        m.add(conv2d({ inputShape: [6, 6, 1], filters: 3, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
        m.add(batchNormalization({ momentum: 0.99, epsilon: 1e-3 }));
        m.add(dropout({ rate: 0 }));
        m.add(tf.layers.flatten());
        m.add(tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
        const x = tf.tensor4d(Float32Array.from({ length: 4 * 36 }, (_, i) => Math.sin(i)), [4, 6, 6, 1]);
        const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 4);
        const opt = createOptimizer(0.01);
        const loss = opt.minimize(() => tf.mean(tf.metrics.categoricalCrossentropy(y, m.apply(x, { training: true }))), true);
        const out = [Array.from(await loss.data()), ...(await Promise.all(m.getWeights().map(async (w) => Array.from(await w.data()))))];
        return out;
      };
      const cpu = await run('cpu');
      const gpu = await run('webgpu');
      let worst = 0;
      cpu.forEach((a, i) => {
        const scale = Math.max(1e-30, ...a.map(Math.abs));
        a.forEach((v, k) => { worst = Math.max(worst, Math.abs(v - gpu[i][k]) / scale); });
      });
      console.log(JSON.stringify({ backend: tf.getBackend(), arrays: cpu.length, worst }));
      process.exit(0);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: REPO,
      env: swiftShaderEnv({ DIGIT_SWEEP_ALLOW_FALLBACK_ADAPTER: '1' }),
      encoding: 'utf8',
      timeout: 240_000,
    });
    const last = r.stdout.trim().split('\n').pop() ?? '';
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const result = JSON.parse(last) as { backend: string; arrays: number; worst: number };
    expect(result.backend).toBe('webgpu');
    expect(result.arrays).toBe(9); // loss + 8 weight arrays (conv 2, BN 4, dense 2)
    expect(result.worst).toBeLessThan(1e-4);
  });
});
