/**
 * Inference on every core for `export` and `predict`: the images are cut into batch-aligned slices and
 * a piscina pool of worker threads (the pool's worker file, pool/worker.ts) runs train/predict.ts's
 * predictEnsemble on each slice, every model and TTA view. Because every slice starts on a batch
 * boundary, each batch holds exactly the images it holds on one core, and each value goes through the
 * same arithmetic (per model: views summed in order, then divided; then the mean over models here, as
 * predictEnsemble does): the result is bit-for-bit the one-core result (test/pool/predict-pool.test.ts).
 *
 * One worker (or a backend that is not single-threaded CPU code: tensorflow, webgpu) runs in this thread
 * with predictEnsemble itself.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { IMAGE_SIZE, NUM_CLASSES, type ImageSet } from '../data/types.js';
import { isShared, toShared } from '../data/shared.js';
import type { EnsemblePrediction } from '../train/predict.js';
import { CLEAN_VIEW, TTA_VIEWS } from '../train/tta.js';
import type { PredictMessage, PredictOutcome, PredictTask } from './protocol.js';
import { workerFile } from './runner.js';

export interface ParallelPredictOptions {
  tta?: boolean;
  /** Images per predict call (default 256, as predictEnsemble). */
  batchSize?: number;
  /** The concrete backend already initialized in this thread (initBackend's name). */
  backend: string;
  /** Worker threads; default: one per core on wasm/cpu, else 1 (in this thread). */
  workers?: number;
  /** Called once every model is loaded (and so checked), before the first prediction. */
  onReady?: () => void;
  /** Called after every batch with the batches done and the total (all models, views and slices). */
  onProgress?: (done: number, total: number) => void;
}

const DEFAULT_BATCH = 256;
/** Slices per worker: more than one, so a worker slowed by other load does not hold up the end. */
const SLICES_PER_WORKER = 4;

/** Workers for a backend: every core for single-threaded CPU backends, otherwise one. */
export function defaultInferenceWorkers(backend: string): number {
  return backend === 'wasm' || backend === 'cpu' ? Math.max(1, availableParallelism()) : 1;
}

export async function predictEnsembleParallel(modelDirs: readonly string[], images: ImageSet, opts: ParallelPredictOptions): Promise<EnsemblePrediction> {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH;
  const requested = opts.workers ?? defaultInferenceWorkers(opts.backend);
  if (!(Number.isInteger(requested) && requested >= 1)) throw new RangeError(`workers must be a positive integer, got ${requested}`);
  const batches = Math.ceil(images.count / batchSize);
  const workers = Math.min(requested, batches);
  const { predictEnsemble, loadClassifier, meanOfModels } = await import('../train/predict.js');
  const common = { tta: opts.tta === true, batchSize, ...(opts.onReady ? { onReady: opts.onReady } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) };
  if (workers <= 1) return predictEnsemble(modelDirs, images, common);
  if (modelDirs.length === 0) throw new Error('predictEnsembleParallel: no model');

  // Check every model here first, so a bad one is the same one-line error before any work starts.
  for (const dir of modelDirs) (await loadClassifier(dir)).dispose();
  opts.onReady?.();
  const views = opts.tta ? TTA_VIEWS : [CLEAN_VIEW];
  const pixels = isShared(images.images) ? images.images : toShared(images.images);
  const slices = Math.min(batches, workers * SLICES_PER_WORKER);
  const perSlice = Math.ceil(batches / slices);
  const total = modelDirs.length * views.length * batches;
  let done = 0;
  const pool = new Piscina({ filename: workerFile(), minThreads: workers, maxThreads: workers, concurrentTasksPerWorker: 1 });
  try {
    const tasks: Promise<{ first: number; outcome: PredictOutcome }>[] = [];
    for (let b = 0; b < batches; b += perSlice) {
      const first = b * batchSize;
      const count = Math.min((b + perSlice) * batchSize, images.count) - first;
      const { port1, port2 } = new MessageChannel();
      port1.on('message', (msg: PredictMessage) => {
        if (msg.type === 'batch') opts.onProgress?.(++done, total);
      });
      const task: PredictTask = {
        kind: 'predict',
        modelDirs: [...modelDirs],
        images: { count, images: pixels.subarray(first * IMAGE_SIZE, (first + count) * IMAGE_SIZE), labels: null },
        tta: opts.tta === true,
        batchSize,
        backend: opts.backend,
        port: port2,
      };
      tasks.push(
        (pool.run(task, { transferList: [port2] }) as Promise<PredictOutcome>).then(
          (outcome) => ({ first, outcome }),
        ).finally(() => port1.close()),
      );
    }
    const results = await Promise.all(tasks);
    // A slice's last progress messages may still be in flight when its result arrives.
    if (done < total) opts.onProgress?.(total, total);
    const perModel = modelDirs.map(() => new Float32Array(images.count * NUM_CLASSES));
    for (const { first, outcome } of results) outcome.perModel.forEach((p, m) => perModel[m]!.set(p, first * NUM_CLASSES));
    return { probabilities: meanOfModels(perModel), perModel, views };
  } finally {
    await pool.destroy();
  }
}
