/**
 * WebGPU without a GPU: Debian's chromium package ships SwiftShader, a Vulkan driver running on the
 * CPU, and Dawn (npm `webgpu`) finds it as a fallback adapter. Real training refuses that adapter; with
 * DIGIT_SWEEP_ALLOW_FALLBACK_ADAPTER=1 the fused training kernels' WGSL (src/train/ops/webgpu/) runs
 * on it and must match cpu, kernel by kernel and through the trainer's layers and optimizer, and one
 * training step must stay within the dispatch bound. Each check runs in a child process because the
 * Vulkan loader reads LD_LIBRARY_PATH at process start. SwiftShader is slow: shapes and batch are small.
 * In CI (.ci/run installs chromium) a missing SwiftShader or Dawn is a failure, not a skip.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeWithTool, type Tool } from '../helpers/tools.js';
import { MAX_STEP_DISPATCHES } from './dispatch-bound.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const DIR = '/usr/lib/chromium';
const ICD = `${DIR}/vk_swiftshader_icd.json`;
const SWIFTSHADER: Tool = {
  name: 'SwiftShader and Dawn',
  present: existsSync(ICD) && existsSync(`${DIR}/libvulkan.so.1`) && existsSync(new URL('../../node_modules/webgpu/package.json', import.meta.url)),
  reason: `needs ${ICD} and ${DIR}/libvulkan.so.1 (Debian package chromium) and the npm package webgpu`,
};

const swiftShaderEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  VK_ICD_FILENAMES: ICD,
  VK_DRIVER_FILES: ICD,
  LD_LIBRARY_PATH: [DIR, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
  ...extra,
});

/** Runs `args` with node on SwiftShader, the fallback adapter allowed; returns its last stdout line as JSON. */
function runOnSwiftShader<T>(args: string[]): T {
  const r = spawnSync(process.execPath, args, {
    cwd: REPO,
    env: swiftShaderEnv({ DIGIT_SWEEP_ALLOW_FALLBACK_ADAPTER: '1' }),
    encoding: 'utf8',
    // A hang guard: ~15 s each alone on an idle 2-core machine (SwiftShader compiles every shader with
    // LLVM), 140 s seen with both cores busy.
    timeout: 480_000,
  });
  expect(r.status, r.stderr.slice(-2000)).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as T;
}

describeWithTool(SWIFTSHADER, 'webgpu on SwiftShader', () => {
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

  it('each fused kernel on webgpu (WGSL), forward and gradient, matches cpu on several shapes', () => {
    // src/train/kernel-check.ts through its CLI, the same check scripts/gpu-run.sh runs on a GPU.
    const result = runOnSwiftShader<{ backend: string; errors: Record<string, { outputs: number; worst: number }>; dropped: number; failed: string[] }>([
      'dist/bench/kernel-check.js',
      '--backend',
      'webgpu',
    ]);
    expect(result.backend).toBe('webgpu');
    expect(result.failed).toEqual([]);
    const kernels = Object.keys(result.errors).map((k) => k.split(' ')[0]);
    for (const name of ['BatchNormTraining', 'BatchNormTrainingGrad', 'AdamUpdate', 'Conv2DReluTraining', 'ReluBiasGrad', 'DropoutTraining', 'DropoutTrainingGrad']) {
      expect(kernels.filter((k) => k === name).length, name).toBeGreaterThanOrEqual(name === 'AdamUpdate' || name === 'ReluBiasGrad' ? 1 : 2);
    }
    for (const [key, e] of Object.entries(result.errors)) {
      expect(e.outputs, key).toBeGreaterThan(0);
      expect(e.worst, key).toBeLessThan(1e-4);
    }
    // The dropout case compares webgpu's mask with cpu's exactly (a dropped element is 0 on one side
    // only otherwise); this says the mask is not trivial: ~40% of 1,000 dropped at rate 0.4.
    expect(result.dropped).toBeGreaterThan(340);
    expect(result.dropped).toBeLessThan(460);
  });

  it(`one training step on webgpu (batch 4) runs the fused kernels, within ${MAX_STEP_DISPATCHES} dispatches`, () => {
    const script = `
      import * as tf from '@tensorflow/tfjs';
      import { countStepDispatches } from './dist/bench/measure.js';
      const count = await countStepDispatches({ backend: 'webgpu', batchSize: 4 });
      // The counter has put the device's createBindGroup back: the backend still dispatches.
      const after = Array.from(await tf.add(tf.ones([3]), 1).data());
      console.log(JSON.stringify({ ...count, after }));
      process.exit(0);
    `;
    const count = runOnSwiftShader<{ total: number; gpuDispatches?: number; gpuByKernel?: Record<string, number>; byKernel: Record<string, number>; after: number[] }>([
      '--input-type=module',
      '-e',
      script,
    ]);
    expect(count.after).toEqual([2, 2, 2]);
    expect(count.total, JSON.stringify(count.byKernel)).toBeLessThanOrEqual(MAX_STEP_DISPATCHES);
    // The model's six BatchNorm and Conv2D layers, three Dropouts and one Adam update ran fused.
    expect(count.byKernel).toMatchObject({ BatchNormTraining: 6, BatchNormTrainingGrad: 6, Conv2DReluTraining: 6, ReluBiasGrad: 6, DropoutTraining: 3, DropoutTrainingGrad: 3, AdamUpdate: 1 });
    // Compute-shader dispatches: Identity and Reshape record none; each BatchNorm kernel records 2, Adam 1
    // per variable (28), each dropout and ReLU/bias gradient 1.
    expect(count.gpuDispatches).toBeLessThanOrEqual(MAX_STEP_DISPATCHES);
    expect(count.gpuByKernel).toMatchObject({ BatchNormTraining: 12, BatchNormTrainingGrad: 12, AdamUpdate: 28, ReluBiasGrad: 6, DropoutTraining: 3, DropoutTrainingGrad: 3 });
    expect(count.gpuByKernel?.['Identity']).toBeUndefined();
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
    const result = runOnSwiftShader<{ backend: string; arrays: number; worst: number }>(['--input-type=module', '-e', script]);
    expect(result.backend).toBe('webgpu');
    expect(result.arrays).toBe(9); // loss + 8 weight arrays (conv 2, BN 4, dense 2)
    expect(result.worst).toBeLessThan(1e-4);
  });
});
