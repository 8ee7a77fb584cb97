/**
 * Backend selection (src/train/backend.ts); tfjs-node is not installed. webgpu holds either way a machine
 * can be: with a GPU adapter it starts (and `auto` takes it), without one (no Vulkan loader, or Dawn finds
 * no adapter) it is one clear error (and `auto` falls to wasm). Which way is what Dawn reports here
 * (`webgpuHere()`); each test then asserts that way's outcome. In-process where the message is the point,
 * through the built CLI where the exit code is (`npm test` builds dist/ first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BackendError } from '../../src/core/errors.js';
import { DAWN_TOOL as DAWN, itWithTool } from '../helpers/tools.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const tempOut = () => join(mkdtempSync(join(tmpdir(), 'ds-backend-')), 'out');

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

let here: Promise<boolean> | null = null;
/**
 * Whether webgpu starts on this machine (a GPU adapter), asked once. When it does not, the error must be
 * the one clear BackendError: without libvulkan Dawn is not even asked; with it but no GPU, Dawn finds no
 * adapter. Any other outcome fails the test that asked.
 */
function webgpuHere(): Promise<boolean> {
  here ??= (async () => {
    const { initBackend } = await freshBackend();
    const r = await initBackend('webgpu').then((init) => init, (e: unknown) => e);
    if (r instanceof Error) {
      expect(r.name).toBe('BackendError');
      expect(r.message).toMatch(NO_WEBGPU);
      return false;
    }
    expect(r).toMatchObject({ name: 'webgpu', reason: 'requested' });
    const tf = await import('@tensorflow/tfjs');
    expect(tf.getBackend()).toBe('webgpu');
    return true;
  })();
  return here;
}

describe('webgpu', () => {
  itWithTool(DAWN, 'starts on a GPU adapter, or without one is one clear BackendError', async () => {
    // The two outcomes are asserted inside; this says which one this machine gave.
    console.log(`backend.test: webgpu ${(await webgpuHere()) ? 'started on a GPU adapter' : 'has no GPU adapter here'}`);
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

  itWithTool(DAWN, 'through the CLI: trains on the adapter, or exit 2 and one line without one', async () => {
    const out = tempOut();
    const r = cli(['train', '--backend', 'webgpu', '--limit', '100', '--epochs', '1', '--out', out]);
    if (await webgpuHere()) {
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')).backend.name).toBe('webgpu');
      return;
    }
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
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

  it('through the CLI: exit 2, one line naming the packages, nothing written (an error, not a silent fall-back)', () => {
    const out = tempOut();
    const r = cli(['train', '--backend', 'tensorflow', '--limit', '100', '--out', out]);
    expect(r.code).toBe(2);
    const lines = cliLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^digit-sweep: backend tensorflow needs @tensorflow\/tfjs-node-gpu or @tensorflow\/tfjs-node installed/);
    expect(existsSync(out)).toBe(false);
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
  it('takes webgpu on a GPU adapter, else falls to wasm, and says why (tensorflow not installed, webgpu without adapter)', async () => {
    const gpu = DAWN.present && (await webgpuHere());
    const { initBackend } = await freshBackend();
    const init = await initBackend('auto');
    expect(init.name).toBe(gpu ? 'webgpu' : 'wasm');
    expect(init.reason).toMatch(/^fastest available \(tensorflow: needs @tensorflow\/tfjs-node-gpu or @tensorflow\/tfjs-node installed \(neither is installed/);
    if (DAWN.present && !gpu) expect(init.reason).toMatch(/; webgpu: (no Vulkan loader|Dawn found no GPU adapter)/);
    const tf = await import('@tensorflow/tfjs');
    expect(tf.getBackend()).toBe(init.name);
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
