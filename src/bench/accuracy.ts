/**
 * `npm run bench:accuracy`: digit-sweep's trainer vs the PyTorch reference, per-epoch validation accuracy,
 * the seed recipe on the full Kaggle-like split as the product splits it (bundled MNIST, 42,000 labeled
 * images, stratified 10% validation with the default split seed: 37,800 train / 4,200 val), in one run.
 *
 *   - digit-sweep: the real trainer (train/train.ts, the backend given, wasm by default), the seed's
 *     params (DEFAULT_TRAIN_PARAMS) with the schedule of the row, batch 64.
 *   - PyTorch: the reference's model and augmentation (../shared/reference/torch_seed_cnn.py) driven by
 *     bench/torch_accuracy.py on the same train/validation images, with the same per-epoch LRs (computed
 *     here by study/lr-schedule.ts), Adam, batch 64; --torch-seeds N runs it N times (different init,
 *     order and augmentation) to show the seed-to-seed spread, which is what "within noise" is judged by.
 *
 * Engines run one after another, PyTorch first (it is fast); with --concurrent the PyTorch rows run in a
 * child process while digit-sweep trains (for a busy shared machine: each engine's epoch seconds are then
 * not comparable, the accuracies are). Prints the side-by-side
 * table on stderr and one JSON document on stdout (and to --out).
 * Options: --epochs 3  --schedule exponential,onecycle  --backend wasm  --seed 42  --torch-seeds 2
 *          --torch-threads <cores>  --limit N (first N labeled images; for smoke tests)  --no-torch
 *          --no-digit-sweep  --concurrent  --out FILE  --reference FILE (or env DIGIT_SWEEP_REFERENCE; needed
 *          unless --no-torch)
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { writeFileAtomic, writeFilesAtomic } from '../core/atomic-write.js';
import { describeBadValue, UserError } from '../core/errors.js';
import { loadDataset } from '../data/index.js';
import { LR_SCHEDULES, type LrScheduleName } from '../core/train-params.js';
import { scheduledLr } from '../train/lr-schedule.js';
import { referenceScript } from './reference.js';
import { DEFAULT_TRAIN_PARAMS, train, type BackendName } from '../train/index.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '3' },
    schedule: { type: 'string', default: 'exponential,onecycle' },
    backend: { type: 'string', default: 'wasm' },
    seed: { type: 'string', default: '42' },
    'torch-seeds': { type: 'string', default: '2' },
    'torch-threads': { type: 'string', default: String(availableParallelism()) },
    limit: { type: 'string' },
    'no-torch': { type: 'boolean', default: false },
    'no-digit-sweep': { type: 'boolean', default: false },
    concurrent: { type: 'boolean', default: false },
    reference: { type: 'string' },
    wrapper: { type: 'string', default: resolve(here, '../../bench/torch_accuracy.py') },
    out: { type: 'string' },
  },
});

function int(name: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (!(Number.isInteger(n) && n >= min)) throw new UserError(describeBadValue('bench:accuracy', `--${name}`, `must be an integer >= ${min}`, v));
  return n;
}

interface CurvePoint {
  epoch: number;
  lr: number;
  valAcc: number;
  valLoss: number;
  trainLoss: number;
  trainAcc: number;
  seconds: number;
}
interface Row {
  engine: 'digit-sweep' | 'pytorch';
  schedule: LrScheduleName;
  seed: number;
  curve: CurvePoint[];
  info?: Record<string, unknown>;
  error?: string;
}

const BATCH = 64;

const reference = referenceScript('bench:accuracy', values.reference, values['no-torch'] === true);

async function main(): Promise<void> {
  const epochs = int('epochs', values.epochs, 1);
  const seed = int('seed', values.seed, 0);
  const torchSeeds = int('torch-seeds', values['torch-seeds'], 1);
  const torchThreads = int('torch-threads', values['torch-threads'], 1);
  const limit = values.limit === undefined ? undefined : int('limit', values.limit, 20);
  const schedules = values.schedule!.split(',').map((s) => s.trim());
  for (const s of schedules) {
    if (!(LR_SCHEDULES as readonly string[]).includes(s)) throw new UserError(describeBadValue('bench:accuracy', '--schedule', `must be a comma list of ${LR_SCHEDULES.join(', ')}`, s));
  }
  const started = new Date();
  const load = [loadavg()[0]];
  // The product's split: what `sweep` and `train` use for { source: mnist } (data/dataset.ts defaults).
  const data = await loadDataset({ source: 'mnist', ...(limit ? { limit } : {}) });
  const rows: Row[] = [];
  const paramsOf = (schedule: LrScheduleName) => ({ ...DEFAULT_TRAIN_PARAMS, lrSchedule: schedule });

  // PyTorch's rows: one after another, before digit-sweep's (or beside them with --concurrent).
  // The split for PyTorch, through the one writer (core/atomic-write.ts), written before anything trains:
  // with --concurrent, digit-sweep's training leaves the event loop few turns.
  const torchDir = values['no-torch'] ? null : mkdtempSync(join(tmpdir(), 'bench-accuracy-'));
  if (torchDir) {
    await writeFilesAtomic([
      { file: join(torchDir, 'train-images.u8'), data: data.train.images },
      { file: join(torchDir, 'train-labels.u8'), data: data.train.labels! },
      { file: join(torchDir, 'val-images.u8'), data: data.val.images },
      { file: join(torchDir, 'val-labels.u8'), data: data.val.labels! },
    ]);
  }
  const torchRows = async (): Promise<Row[]> => {
    const out: Row[] = [];
    if (!torchDir) return out;
    const dir = torchDir;
    try {
      for (const schedule of schedules) {
        const p = paramsOf(schedule as LrScheduleName);
        const lrs = Array.from({ length: epochs }, (_, i) => scheduledLr(i + 1, epochs, p));
        for (let s = 0; s < torchSeeds; s++) {
          out.push(await torchRow(dir, schedule as LrScheduleName, lrs, s, torchThreads, p.dropout));
          process.stderr.write(`pytorch ${schedule} seed ${s}: ${curveText(out.at(-1)!)}\n`);
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return out;
  };
  const concurrent = values.concurrent === true;
  const torchDone = concurrent ? torchRows() : Promise.resolve(await torchRows());
  if (!values['no-digit-sweep']) {
    for (const schedule of schedules) {
      const row: Row = { engine: 'digit-sweep', schedule: schedule as LrScheduleName, seed, curve: [] };
      try {
        const result = await train(paramsOf(schedule as LrScheduleName), data, {
          epochs,
          batchSize: BATCH,
          seed,
          backend: values.backend as BackendName,
          onEpochEnd: (m) => {
            row.curve.push({ epoch: m.epoch, lr: m.lr, valAcc: m.valAcc, valLoss: m.valLoss, trainLoss: m.trainLoss, trainAcc: m.trainAcc, seconds: round(m.seconds, 1) });
            process.stderr.write(`digit-sweep ${schedule} epoch ${m.epoch}: val_acc ${m.valAcc.toFixed(4)} (${m.seconds.toFixed(0)} s)\n`);
          },
        });
        row.info = { backend: result.backend.name };
      } catch (err) {
        row.error = (err as Error).message.split('\n')[0];
      }
      rows.push(row);
    }
  }
  rows.unshift(...(await torchDone));
  load.push(loadavg()[0]);

  const table = sideBySide(rows, schedules as LrScheduleName[], epochs);
  process.stderr.write(`\n${table.text}\n`);
  const doc = {
    bench: 'accuracy',
    started: started.toISOString(),
    finished: new Date().toISOString(),
    loadAvg1mStartEnd: load.map((l) => round(l!, 2)),
    cores: availableParallelism(),
    data: { source: data.source, fingerprint: data.fingerprint, train: data.train.count, val: data.val.count },
    recipe: { ...DEFAULT_TRAIN_PARAMS, batchSize: BATCH, epochs },
    // Binomial standard error of one accuracy on this validation set at 99%: the floor of "noise".
    valStdErrAt99: round(Math.sqrt((0.99 * 0.01) / data.val.count), 5),
    table: table.rows,
    rows,
  };
  const json = JSON.stringify(doc, null, 2);
  if (values.out) await writeFileAtomic(values.out, json + '\n');
  process.stdout.write(json + '\n');
}

async function torchRow(dir: string, schedule: LrScheduleName, lrs: number[], seed: number, threads: number, dropout: number): Promise<Row> {
  const row: Row = { engine: 'pytorch', schedule, seed, curve: [] };
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  try {
    const { stdout } = await run(
      python,
      [values.wrapper!, reference!, dir, '--lrs', lrs.join(','), '--threads', String(threads), '--batch', String(BATCH), '--seed', String(seed), '--dropout', String(dropout)],
      { maxBuffer: 1 << 24, timeout: 60 * 60_000 },
    );
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    row.info = lines[0];
    for (const l of lines.slice(1)) {
      row.curve.push({ epoch: l['epoch']!, lr: l['lr']!, valAcc: l['val_acc']!, valLoss: l['val_loss']!, trainLoss: l['train_loss']!, trainAcc: l['train_acc']!, seconds: l['epoch_s']! });
    }
  } catch (err) {
    row.error = (err as Error).message.split('\n')[0];
  }
  return row;
}

function curveText(row: Row): string {
  return row.error ?? row.curve.map((p) => p.valAcc.toFixed(4)).join(' ');
}

/** One line per schedule and epoch: digit-sweep's val acc, PyTorch's per seed, their mean and the gap. */
function sideBySide(rows: Row[], schedules: LrScheduleName[], epochs: number) {
  const out: Array<{ schedule: string; epoch: number; lr: number; digitSweep: number | null; pytorch: number[]; pytorchMean: number | null; gap: number | null }> = [];
  for (const schedule of schedules) {
    for (let e = 1; e <= epochs; e++) {
      const at = (engine: Row['engine']) => rows.filter((r) => r.engine === engine && r.schedule === schedule).map((r) => r.curve.find((p) => p.epoch === e)?.valAcc).filter((v): v is number => v !== undefined);
      const ds = at('digit-sweep')[0] ?? null;
      const pt = at('pytorch');
      const mean = pt.length ? pt.reduce((a, b) => a + b, 0) / pt.length : null;
      out.push({ schedule, epoch: e, lr: scheduledLr(e, epochs, { ...DEFAULT_TRAIN_PARAMS, lrSchedule: schedule }), digitSweep: ds, pytorch: pt, pytorchMean: mean === null ? null : round(mean, 5), gap: ds !== null && mean !== null ? round(ds - mean, 5) : null });
    }
  }
  const f = (v: number | null) => (v === null ? '   -  ' : v.toFixed(4));
  const text = [
    'schedule     epoch  lr         digit-sweep  pytorch (per seed)     gap',
    ...out.map((r) => `${r.schedule.padEnd(12)} ${String(r.epoch).padStart(5)}  ${r.lr.toExponential(2).padEnd(9)}  ${f(r.digitSweep).padEnd(11)}  ${r.pytorch.map(f).join(' ').padEnd(21)}  ${r.gap === null ? '-' : (r.gap >= 0 ? '+' : '') + r.gap.toFixed(4)}`),
  ].join('\n');
  return { rows: out, text };
}

function round(v: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}

main().catch((err) => {
  process.stderr.write(`bench:accuracy: ${(err as Error).message}\n`);
  process.exit(err instanceof UserError ? 2 : 1);
});
