/**
 * Shared helpers of the export/predict tests (not a test file): temporary folders, tiny but real
 * models, hand-made study folders and an in-process CLI that reports what a user would see.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { afterAll, vi } from 'vitest';
import { run } from '../../src/commands/index.js';
import { kaggleSplit, mnistDir, readIdxImages } from '../../src/data/index.js';
import type { FrozenTrial, StudyRecord, TrialState } from '../../src/core/types.js';
import { buildModel, initBackend, saveModel } from '../../src/train/index.js';

/** A temporary folder removed after the test file. */
export function tempDir(prefix = 'digit-sweep-export-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A small dense classifier (784 -> 32 -> 10) trained for a few epochs on the first `images` labeled
 * images of the bundled split: seconds on wasm, ~85-90% accurate, the same files as a sweep's models.
 */
export async function trainTinyModel(dir: string, opts: { images?: number; epochs?: number; seed?: number } = {}): Promise<void> {
  await initBackend('wasm');
  const { train } = await kaggleSplit();
  const n = opts.images ?? 2000;
  const seed = opts.seed ?? 1;
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 32, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(3e-3), loss: 'sparseCategoricalCrossentropy' });
  const xs = tf.tidy(() => tf.tensor4d(Float32Array.from(train.images.subarray(0, n * 784), (v) => v / 255), [n, 28, 28, 1]));
  const ys = tf.tensor1d(Float32Array.from(train.labels.subarray(0, n)), 'float32');
  await model.fit(xs, ys, { epochs: opts.epochs ?? 4, batchSize: 64, shuffle: false, verbose: 0 });
  tf.dispose([xs, ys]);
  await saveModel(model, dir);
  model.dispose();
}

/** The seed CNN with fresh (seeded) weights, saved untrained: for checks where accuracy does not matter. */
export async function saveSeedCnn(dir: string, seed: number): Promise<void> {
  await initBackend('wasm');
  const model = buildModel({ dropout: 0.4, l2: 0 }, seed);
  await saveModel(model, dir);
  model.dispose();
}

/** A valid TF.js model that is no digit classifier: 28x28x1 -> `outputs` classes. */
export async function saveOtherModel(dir: string, outputs: number): Promise<void> {
  await initBackend('wasm');
  const model = tf.sequential({
    layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: outputs, activation: 'softmax' })],
  });
  await saveModel(model, dir);
  model.dispose();
}

export interface TrialSpec {
  number: number;
  state?: TrialState;
  value?: number | null;
  /** Model folder to copy into trials/<number>/ (modelDir then points there). */
  model?: string;
  /** modelDir to record as is (no copy). */
  modelDir?: string | null;
}

/** Writes `runs/<name>/study.json` (and copies the trials' models) and returns the runs folder. */
export function writeStudy(runs: string, name: string, trials: TrialSpec[], space: unknown = { data: { source: 'mnist', valFraction: 0.1 } }): string {
  const studyDir = join(runs, name);
  mkdirSync(studyDir, { recursive: true });
  const frozen: FrozenTrial[] = trials.map((t) => {
    let modelDir = t.modelDir ?? null;
    if (t.model) {
      modelDir = join('trials', String(t.number));
      cpSync(t.model, join(studyDir, modelDir), { recursive: true });
    }
    const state = t.state ?? 'complete';
    return {
      number: t.number,
      state,
      params: { lr: 1e-3 },
      intermediateValues: t.value === null || t.value === undefined ? [] : [t.value],
      epochs: [],
      value: t.value ?? null,
      datetimeStart: '2024-01-01T00:00:00.000Z',
      datetimeComplete: state === 'running' ? null : '2024-01-01T00:01:00.000Z',
      backend: 'wasm',
      seed: t.number,
      modelDir,
    };
  });
  const record: StudyRecord = {
    name,
    createdAt: '2024-01-01T00:00:00.000Z',
    spaceFile: 'space.yaml',
    space,
    direction: 'maximize',
    dataSource: 'bundled MNIST (Kaggle-like split)',
    dataFingerprint: '',
    trials: frozen,
  };
  writeFileSync(join(studyDir, 'study.json'), JSON.stringify(record, null, 1));
  return runs;
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs `digit-sweep ARGS` in-process, as the CLI would: exit code, stdout and stderr lines. */
export async function cli(args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const before = process.exitCode;
  try {
    const code = await run(args);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    process.exitCode = before;
    log.mockRestore();
    error.mockRestore();
  }
}

/** Image `index` of MNIST's t10k file (784 bytes, white digit on black). */
export async function t10kImage(index: number): Promise<Uint8Array> {
  const { images } = await readIdxImages(join(mnistDir(), 't10k-images-idx3-ubyte'));
  return images.slice(index * 784, (index + 1) * 784);
}

/**
 * A PNG of a 28x28 MNIST digit upscaled (bilinear) into a `height` x `height` square, drawn dark on a
 * white `width` x `height` canvas, as RGB (colorType 2), RGBA or grey.
 */
export function digitPng(digit: Uint8Array, opts: { width?: number; height?: number; colorType?: 0 | 2 | 6 } = {}): Buffer {
  const width = opts.width ?? 100;
  const height = opts.height ?? 80;
  const side = height;
  const left = Math.floor((width - side) / 2);
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 0;
      const u = x - left;
      if (u >= 0 && u < side) {
        const sx = Math.min(Math.max(((u + 0.5) * 28) / side - 0.5, 0), 27);
        const sy = Math.min(Math.max(((y + 0.5) * 28) / side - 0.5, 0), 27);
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const x1 = Math.min(x0 + 1, 27);
        const y1 = Math.min(y0 + 1, 27);
        const fx = sx - x0;
        const fy = sy - y0;
        const at = (px: number, py: number) => digit[py * 28 + px]!;
        v = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x1, y0)) + fy * ((1 - fx) * at(x0, y1) + fx * at(x1, y1));
      }
      const ink = 255 - Math.round(v);
      const i = 4 * (y * width + x);
      png.data[i] = ink;
      png.data[i + 1] = ink;
      png.data[i + 2] = ink;
      png.data[i + 3] = 255;
    }
  }
  const colorType = opts.colorType ?? 2;
  return PNG.sync.write(png, { colorType, inputColorType: 6, inputHasAlpha: true });
}

/** Pearson correlation of two pixel arrays. */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}
