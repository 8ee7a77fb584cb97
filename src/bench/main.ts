/**
 * `npm run bench`: the project's speed and memory figures as one JSON document on stdout.
 *   - per backend that initializes here (tensorflow, webgpu, wasm; cpu only with --backends cpu): train
 *     img/s at batch 64 and 128, augmentation cost, inference img/s, peak RSS (each in its own process);
 *   - pool scaling on wasm: training throughput of the real worker pool with 1 and with 2 workers;
 *   - the PyTorch reference (the script torch_seed_cnn.py named by --reference FILE or the environment
 *     variable DIGIT_SWEEP_REFERENCE; required unless --no-torch) in the same run, where Debian's
 *     python3-torch is installed, with augmentation like ours, for a side-by-side figure on the same machine.
 *   - with --baseline DIST (the dist/ folder of an earlier build, beside a node_modules): the wasm training
 *     figures of both builds, measured alternately (--rounds N processes each, new first), with medians
 *     and the speed-up, so old and new are compared in one run on the same (possibly busy) machine.
 *   - with --threads LIST (e.g. 1,2): the wasm figures, the baseline comparison's new build and PyTorch once
 *     per thread count (wasm: 1 = the plain SIMD build, more = the threaded one; default: every core for
 *     PyTorch, the backend's default of 1 for wasm).
 * Options: --backends wasm,webgpu  --batches 64,128  --steps 10  --no-pool  --no-torch  --reference FILE  --out FILE
 *          --baseline DIST  --rounds 3  --threads 1,2  --infer-images N (per backend; default 4200, 0: none)
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFileAtomic } from '../core/atomic-write.js';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { mnistDir } from '../data/index.js';
import { measurePoolScaling } from './pool.js';
import { referenceScript } from './reference.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: 'tensorflow,webgpu,wasm' },
    batches: { type: 'string', default: '64,128' },
    steps: { type: 'string', default: '10' },
    'no-pool': { type: 'boolean', default: false },
    'no-torch': { type: 'boolean', default: false },
    'pool-images': { type: 'string', default: '3000' },
    reference: { type: 'string' },
    out: { type: 'string' },
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    threads: { type: 'string' },
    'infer-images': { type: 'string' },
  },
});
const threadList = values.threads?.split(',').map(Number) ?? null;
if (threadList?.some((t) => !(Number.isInteger(t) && t >= 1))) {
  console.error(`bench: --threads: must be a comma-separated list of positive integers (got ${JSON.stringify(values.threads)})`);
  process.exit(2);
}

const inferImages = values['infer-images'];
if (inferImages !== undefined && !/^\d+$/.test(inferImages)) {
  console.error(`bench: --infer-images: must be a non-negative integer (got ${JSON.stringify(inferImages)})`);
  process.exit(2);
}

const reference = referenceScript('bench', values.reference, values['no-torch'] === true);

/**
 * Runs backend.js of this build (beside this file: dist/bench/ or the flat bundle) or, with `dist`,
 * of an earlier build's dist/ folder.
 */
async function backendFigures(backend: string, dist: string | null = null, extra: string[] = []): Promise<unknown> {
  try {
    const script = dist === null ? join(here, 'backend.js') : join(dist, 'bench', 'backend.js');
    const infer = inferImages === undefined ? [] : ['--infer-images', inferImages]; // before `extra`, which may override it
    const { stdout } = await run(process.execPath, [script, '--backend', backend, '--batches', values.batches!, '--steps', values.steps!, ...infer, ...extra], {
      maxBuffer: 1 << 24,
      timeout: 20 * 60_000,
    });
    const last = stdout.trim().split('\n').pop()!;
    return JSON.parse(last);
  } catch (err) {
    return { backend, error: (err as Error).message.split('\n')[0] };
  }
}

async function torchReference(): Promise<unknown> {
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  try {
    await run(python, ['-c', 'import torch']);
  } catch {
    return { skipped: 'PyTorch not installed (apt-get install python3-torch)' };
  }
  const results: unknown[] = [];
  for (const threads of threadList ?? [availableParallelism()])
  for (const batch of values.batches!.split(',')) {
    const { stdout } = await run(
      python,
      [reference!, mnistDir(), '--device', 'cpu', '--threads', String(threads), '--batch', batch, '--limit', '3200', '--bench-only', '--augment'],
      { maxBuffer: 1 << 24, timeout: 20 * 60_000 },
    );
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const info = lines[0]!;
    const epoch = lines.find((l) => 'train_img_s' in l)!;
    const test = lines.find((l) => 'infer_img_s' in l)!;
    results.push({ batchSize: Number(batch), torch: info.torch, threads: info.threads, trainImgPerSec: epoch.train_img_s, inferImgPerSec: test.infer_img_s });
  }
  return results;
}

interface TrainingRow {
  batchSize: number;
  msPerStep: number;
  cpuMsPerStep?: number;
  trainImgPerSec: number;
  dispatchesPerStep?: number;
}

/**
 * New and baseline builds on wasm, alternately, `rounds` processes each; medians per batch size. With
 * thread counts, the new build runs once per count in each round (`byThreads`; `new` is the first count).
 */
async function baselineComparison(baseline: string, rounds: number, threads: number[] | null): Promise<unknown> {
  if (!existsSync(join(baseline, 'bench', 'backend.js'))) return { error: `${baseline}/bench/backend.js not found (--baseline names a dist/ folder)` };
  const newSides = (threads ?? [null]).map((t) => (t === null ? 'new' : `new@${t}`));
  const runs: Record<string, TrainingRow[][]> = Object.fromEntries([...newSides, 'baseline'].map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    const order = [...newSides.map((name, k) => [name, null, threads?.[k] ?? null] as const), ['baseline', resolve(baseline), null] as const];
    for (const [side, dist, t] of order) {
      const fig = (await backendFigures('wasm', dist, ['--infer-images', '0', ...(t === null ? [] : ['--threads', String(t)])])) as { training?: TrainingRow[]; error?: string };
      if (!fig.training) return { error: `${side} build: ${fig.error ?? 'no training figures'}` };
      runs[side]!.push(fig.training);
    }
  }
  const batches = runs[newSides[0]!]![0]!.map((row) => row.batchSize);
  return batches.map((batchSize, i) => {
    const side = (name: string) => {
      const rows = runs[name].map((rs) => rs[i]!);
      const ms = median(rows.map((row) => row.msPerStep));
      const cpuMs = rows.every((row) => row.cpuMsPerStep !== undefined) ? median(rows.map((row) => row.cpuMsPerStep!)) : null;
      return {
        msPerStep: ms,
        trainImgPerSec: Math.round((1000 * batchSize * 10) / ms) / 10,
        cpuMsPerStep: cpuMs,
        dispatchesPerStep: rows[0]!.dispatchesPerStep ?? null,
        msPerStepRuns: rows.map((row) => row.msPerStep),
      };
    };
    const now = side(newSides[0]!);
    const before = side('baseline');
    const ratio = (a: number | null, b: number | null) => (a === null || b === null ? null : Math.round((a / b) * 100) / 100);
    const row = { batchSize, rounds, new: now, baseline: before, speedup: ratio(before.msPerStep, now.msPerStep), cpuSpeedup: ratio(before.cpuMsPerStep, now.cpuMsPerStep) };
    if (!threads) return row;
    const byThreads = threads.map((t, k) => {
      const s = side(newSides[k]!);
      return { threads: t, ...s, speedup: ratio(before.msPerStep, s.msPerStep), cpuSpeedup: ratio(before.cpuMsPerStep, s.cpuMsPerStep) };
    });
    return { ...row, byThreads };
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const report: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: { cpus: availableParallelism(), model: cpus()[0]?.model ?? '', memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
  backends: [] as unknown[],
};
if (values.baseline) report.baselineComparison = await baselineComparison(values.baseline, Number(values.rounds), threadList);
for (const b of values.backends!.split(',').filter(Boolean)) {
  for (const t of b === 'wasm' && threadList ? threadList : [null]) (report.backends as unknown[]).push(await backendFigures(b, null, t === null ? [] : ['--threads', String(t)]));
}
if (!values['no-pool']) report.poolScaling = await measurePoolScaling({ images: Number(values['pool-images']) });
if (!values['no-torch']) report.pytorchReference = await torchReference();
const json = JSON.stringify(report, null, 2);
console.log(json);
if (values.out) await writeFileAtomic(values.out, json);
