/**
 * Backend selection (src/train/backend.ts) on a machine without a GPU: Dawn loads but finds no adapter,
 * tfjs-node is not installed. In-process where the message is the point, through the built CLI where the
 * exit code is (`npm test` builds dist/ first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BackendError } from '../../src/core/errors.js';
import { itWithTool } from '../helpers/tools.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const DAWN = {
  name: "Dawn's Node binding (npm package webgpu)",
  present: existsSync(new URL('../../node_modules/webgpu/package.json', import.meta.url)),
  reason: 'the optional dependency webgpu is not installed (npm ci installs it on linux-x64)',
};

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI's own lines on stderr (Dawn prints multi-line Vulkan warnings there too). */
function cliLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('digit-sweep:'));
}

// Each call runs in its own module instance so that a backend made current by one test does not hide
// the failure of the next (initBackend is idempotent within a thread).
async function freshBackend() {
  const { vi } = await import('vitest');
  vi.resetModules();
  return import('../../src/train/backend.js');
}

const NO_WEBGPU = /^backend webgpu: (no Vulkan loader \(libvulkan\.so\.1\) on this machine|Dawn found no GPU adapter)/;

describe('webgpu', () => {
  itWithTool(DAWN, 'without an adapter: one clear BackendError', async () => {
    const { initBackend } = await freshBackend();
    const err = await initBackend('webgpu').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('BackendError');
    // Without libvulkan (this machine) Dawn is not even asked; with it but no GPU, Dawn finds no adapter.
    expect((err as Error).message).toMatch(NO_WEBGPU);
  });

  it('without Dawn (DAWN_NODE names a missing file): names the package to install', async () => {
    const { initBackend } = await freshBackend();
    const before = process.env.DAWN_NODE;
    process.env.DAWN_NODE = '/nonexistent/dawn.node';
    try {
      await expect(initBackend('webgpu')).rejects.toThrow(/^backend webgpu needs the npm package "webgpu" \(Dawn\): /);
    } finally {
      if (before === undefined) delete process.env.DAWN_NODE;
      else process.env.DAWN_NODE = before;
    }
  });

  itWithTool(DAWN, 'through the CLI: exit 2 and one line', () => {
    const r = cli(['train', '--backend', 'webgpu', '--limit', '100', '--out', '/tmp/digit-sweep-never-written']);
    expect(r.code).toBe(2);
    const lines = cliLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.replace(/^digit-sweep: /, '')).toMatch(NO_WEBGPU);
    // No Vulkan warning from Dawn either when the loader is missing.
    if (/no Vulkan loader/.test(lines[0]!)) expect(r.stderr).not.toMatch(/Couldn't load Vulkan/);
    expect(r.stderr).not.toMatch(/\n\s+at .*\.js:\d+/); // no stack trace of ours
  });
});

describe('tensorflow', () => {
  it('without tfjs-node: a BackendError naming both packages', async () => {
    const { initBackend } = await freshBackend();
    const err = (await initBackend('tensorflow').catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('BackendError');
    expect(err.message).toMatch(/^backend tensorflow needs @tensorflow\/tfjs-node-gpu or @tensorflow\/tfjs-node installed \(/);
    // Neither installed here: said briefly (a broken install would list each package's reason).
    expect(err.message).toMatch(/\(neither is installed; see docs\/gpu\.md\)$/);
  });

  it('through the CLI: exit 2, one line naming the packages', () => {
    const r = cli(['train', '--backend', 'tensorflow', '--limit', '100', '--out', '/tmp/digit-sweep-never-written']);
    expect(r.code).toBe(2);
    const lines = cliLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^digit-sweep: backend tensorflow needs @tensorflow\/tfjs-node-gpu or @tensorflow\/tfjs-node installed/);
  });

  it('a sweep on tensorflow fails the same way before anything is written', () => {
    const runs = `/tmp/digit-sweep-backend-test-${process.pid}`;
    const r = cli(['sweep', 'test/fixtures/spaces/tiny.yaml', '--backend', 'tensorflow', '--runs', runs]);
    expect(r.code).toBe(2);
    expect(cliLines(r.stderr)[0]).toMatch(/backend tensorflow needs @tensorflow\/tfjs-node-gpu or @tensorflow\/tfjs-node/);
    expect(existsSync(runs)).toBe(false);
  });
});

describe('auto', () => {
  it('falls to wasm and says why (tensorflow not installed, webgpu without adapter)', async () => {
    const { initBackend } = await freshBackend();
    const init = await initBackend('auto');
    expect(init.name).toBe('wasm');
    expect(init.reason).toMatch(/^fastest available \(tensorflow: needs @tensorflow\/tfjs-node-gpu or @tensorflow\/tfjs-node installed \(neither is installed/);
    if (DAWN.present) expect(init.reason).toMatch(/; webgpu: (no Vulkan loader|Dawn found no GPU adapter)/);
    const tf = await import('@tensorflow/tfjs');
    expect(tf.getBackend()).toBe('wasm');
  });
});

describe('cpu', () => {
  it('initializes and computes', async () => {
    const { initBackend } = await freshBackend();
    const init = await initBackend('cpu');
    expect(init).toMatchObject({ name: 'cpu', reason: 'requested' });
    const tf = await import('@tensorflow/tfjs');
    expect(tf.getBackend()).toBe('cpu');
    expect(Array.from(await tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).data())).toEqual([4, 6]);
  });
});

describe('the CLI rejects an unknown backend', () => {
  it.each([['train', '--out', '/tmp/digit-sweep-never-written'], ['sweep']])('%s --backend gpu: exit 2', (...args) => {
    const r = cli([...args, '--backend', 'gpu']);
    expect(r.code).toBe(2);
    const lines = cliLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe('digit-sweep: Invalid values: Argument: backend, Given: "gpu", Choices: "auto", "tensorflow", "webgpu", "wasm", "cpu"');
  });
});

it('BackendError is a UserError (exit code 2)', () => {
  expect(new BackendError('x').exitCode).toBe(2);
});
