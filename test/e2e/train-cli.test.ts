import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultThreads } from '../../src/core/train-params.js';
import { runCli, runInProcess } from '../helpers/cli.js';

describe('digit-sweep train (real TF.js, wasm)', () => {
  it('trains two epochs on 800 images and saves model.json, weights.bin and history.json', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ds-train-')), 'model');
    // Batch 64: 12 steps an epoch (a step costs about the same CPU at 32 or 64 images here).
    const r = await runCli(['train', '--limit', '800', '--epochs', '2', '--backend', 'wasm', '--batch-size', '64', '--out', out]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/backend: wasm/);
    expect(r.stdout).toMatch(/epoch 1\/2 .*val_acc 0\.\d{4}/);
    expect(r.stdout).toMatch(/epoch 2\/2 /);
    for (const f of ['model.json', 'weights.bin', 'history.json', 'eval.json']) expect(existsSync(join(out, f))).toBe(true);
    const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
    expect(history.backend.name).toBe('wasm');
    // A lone run uses every core (threaded build from 2 threads up), and the process still exits by itself.
    const threads = defaultThreads(availableParallelism(), 1);
    expect(history.settings.threads).toBe(threads);
    expect(history.backend).toMatchObject({ threads: String(threads), build: threads > 1 ? 'threaded-simd' : 'simd' });
    expect(history.epochs).toHaveLength(2);
    expect(history.params.lr).toBe(1e-3);
    expect(history.epochs[1].lr).toBeCloseTo(1e-3 * 0.95);
    // 720 training images, 2 epochs (24 steps; 0.75 on 2026-12-08): far above chance (0.1) — the validation is trustworthy even this early.
    expect(Math.max(...history.epochs.map((e: { valAcc: number }) => e.valAcc))).toBeGreaterThan(0.6);
    // 459,210 float32 weights
    expect(readFileSync(join(out, 'weights.bin')).length).toBe(459_210 * 4);
  });

  it('takes the recipe flags: cosine schedule with a floor, label smoothing (1 small epoch pair)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ds-train-')), 'model');
    // One thread: the default threads are the first test's point; this run would start the threaded
    // build's pthread pool for nothing.
    const r = await runCli(['train', '--limit', '200', '--epochs', '2', '--backend', 'wasm', '--batch-size', '50', '--lr-schedule', 'cosine', '--lr-floor', '0.1', '--label-smoothing', '0.1', '--threads', '1', '--out', out]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
    expect(history.params).toMatchObject({ lrSchedule: 'cosine', lrFloor: 0.1, labelSmoothing: 0.1 });
    expect(history.backend).toMatchObject({ threads: '1', build: 'simd' });
    // cosine over 2 epochs: lr, then floor + (lr - floor)(1 + cos(pi/2))/2 = 1e-4 + 9e-4 / 2
    expect(history.epochs[0].lr).toBeCloseTo(1e-3, 12);
    expect(history.epochs[1].lr).toBeCloseTo(5.5e-4, 12);
  });

  it('rejects bad arguments with one line and exit code 2, writing nothing', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ds-train-')), 'never');
    // In this process (run(), whose result is the exit code): one node start per argument proves no more.
    for (const args of [['--lr', '-1'], ['--epochs', '1.5'], ['--dropout', '1'], ['--backend', 'tpu'], ['--lr-schedule', 'step'], ['--label-smoothing', '1'], ['--warmup-fraction', '-0.1'], ['--threads', '0'], ['--threads', '1.5']]) {
      const r = await runInProcess(['train', ...args, '--out', out]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(existsSync(out)).toBe(false);
    }
    // And once as the real process: its exit code and its one line.
    const r = await runCli(['train', '--threads', '9', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('digit-sweep: argument: --threads: must be an integer from 1 to 8 (got 9)');
    expect(existsSync(out)).toBe(false);
  });
});
