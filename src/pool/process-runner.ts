/**
 * A TrialRunner on child processes: one `child_process.fork` of the pool's worker file per slot, one trial
 * per process at a time. For backends whose native binding loads in only one thread per process
 * (tfjs-node and tfjs-node-gpu: tensorflow/tfjs#2079, #8388), and wherever trials must not share a process
 * (a crash, a GPU context). Works with every backend and the scripted trainer.
 *
 * The IPC channel carries the same messages as ThreadRunner's MessagePort, plus the task and its end:
 *   driver -> child: { type: 'task', task }           start one trial (TrialTask, no data)
 *   child -> driver: { type: 'epoch', metrics }       after every epoch
 *   driver -> child: { type: 'decision', prune }      continue or stop the trial
 *   child -> driver: { type: 'done', outcome } | { type: 'failed', error }
 * The dataset is written once to a temporary file, which each child reads once when it starts. Messages use
 * the 'advanced' (structured clone) serialization, so a NaN loss stays NaN. A child that dies or is aborted
 * fails its trial and is replaced by a fresh one for the next trial.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessagePort } from 'node:worker_threads';
import type { Dataset, ImageSet } from '../data/types.js';
import { defaultThreads } from '../core/train-params.js';
import type { EpochMetrics } from '../core/types.js';
import { CHILD_DATA_ENV, type DriverMessage, type TrialOutcome, type TrialRunner, type TrialTask, type WorkerMessage, type WorkerTask } from './protocol.js';
import { workerFile } from './runner.js';

export interface ProcessRunnerOptions {
  data: Dataset;
  workers: number;
  /** Heap limit per child process (MB): `--max-old-space-size`. */
  maxOldGenerationSizeMb?: number;
  /** The file each child runs; default: the pool's worker file (workerFile()). */
  filename?: string;
}

type ToChild = { type: 'task'; task: TrialTask } | DriverMessage;
type FromChild = WorkerMessage | { type: 'ready' } | { type: 'done'; outcome: TrialOutcome } | { type: 'failed'; error: string };

interface Slot {
  child: ChildProcess | null;
  ready: Promise<void> | null;
}

export class ProcessRunner implements TrialRunner {
  readonly concurrency: number;
  private readonly data: Dataset;
  private readonly opts: ProcessRunnerOptions;
  private readonly free: Slot[] = [];
  private readonly slots: Slot[] = [];
  private readonly waiting: Array<(slot: Slot) => void> = [];
  private dataFile: Promise<{ dir: string; file: string }> | null = null;
  private closed = false;

  constructor(opts: ProcessRunnerOptions) {
    if (!Number.isInteger(opts.workers) || opts.workers < 1) throw new RangeError(`workers must be a positive integer, got ${opts.workers}`);
    this.concurrency = opts.workers;
    this.data = opts.data;
    this.opts = opts;
    for (let i = 0; i < opts.workers; i++) {
      const slot: Slot = { child: null, ready: null };
      this.slots.push(slot);
      this.free.push(slot);
    }
  }

  async run(task: TrialTask, onEpoch: (m: EpochMetrics) => Promise<boolean>, signal?: AbortSignal): Promise<TrialOutcome> {
    if (this.closed) throw new Error('ProcessRunner is closed');
    signal?.throwIfAborted();
    const slot = await this.acquire();
    try {
      const child = await this.start(slot);
      signal?.throwIfAborted();
      const threads = task.threads ?? defaultThreads(availableParallelism(), this.concurrency);
      return await this.runOn(slot, child, { ...task, threads }, onEpoch, signal);
    } finally {
      this.release(slot);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((slot) => stopChild(slot)));
    if (this.dataFile) {
      const { dir } = await this.dataFile.catch(() => ({ dir: '' }));
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  }

  private acquire(): Promise<Slot> {
    const slot = this.free.pop();
    if (slot) return Promise.resolve(slot);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(slot: Slot): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.free.push(slot);
  }

  /** The slot's child, forked (and its dataset read) if it has none. */
  private async start(slot: Slot): Promise<ChildProcess> {
    if (!slot.child || slot.child.exitCode !== null || slot.child.signalCode !== null) {
      const { file } = await (this.dataFile ??= writeDatasetFile(this.data));
      const heap = this.opts.maxOldGenerationSizeMb;
      const child = fork(this.opts.filename ?? workerFile(), [], {
        env: { ...process.env, [CHILD_DATA_ENV]: file },
        execArgv: heap ? [`--max-old-space-size=${heap}`] : [],
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      slot.child = child;
      slot.ready = new Promise<void>((resolve, reject) => {
        const onMessage = (msg: FromChild) => {
          if (msg.type !== 'ready') return;
          cleanup();
          resolve();
        };
        const onExit = (code: number | null, sig: NodeJS.Signals | null) => {
          cleanup();
          reject(new Error(`trial worker process exited before it was ready (${exitText(code, sig)})`));
        };
        const onError = (err: Error) => {
          cleanup();
          reject(new Error(`trial worker process failed to start: ${err.message}`));
        };
        const cleanup = () => {
          child.off('message', onMessage);
          child.off('exit', onExit);
          child.off('error', onError);
        };
        child.on('message', onMessage);
        child.on('exit', onExit);
        child.on('error', onError);
      });
    }
    const child = slot.child;
    try {
      await slot.ready;
    } catch (err) {
      slot.child = null;
      throw err;
    }
    return child;
  }

  private runOn(
    slot: Slot,
    child: ChildProcess,
    task: TrialTask,
    onEpoch: (m: EpochMetrics) => Promise<boolean>,
    signal?: AbortSignal,
  ): Promise<TrialOutcome> {
    return new Promise<TrialOutcome>((resolve, reject) => {
      let epochError: unknown = null;
      const send = (msg: ToChild) => {
        if (child.connected) child.send(msg);
      };
      const onMessage = (msg: FromChild) => {
        switch (msg.type) {
          case 'epoch':
            onEpoch(msg.metrics).then(
              (prune) => send({ type: 'decision', prune }),
              (err: unknown) => {
                // The driver could not handle this epoch: stop the child's trial, and fail it with the error.
                epochError ??= err;
                send({ type: 'decision', prune: true });
              },
            );
            return;
          case 'done':
            cleanup();
            if (epochError !== null) reject(epochError);
            else resolve(msg.outcome);
            return;
          case 'failed':
            cleanup();
            reject(new Error(msg.error));
            return;
          case 'ready':
            return;
        }
      };
      const onExit = (code: number | null, sig: NodeJS.Signals | null) => {
        cleanup();
        slot.child = null;
        reject(new Error(`trial worker process exited during trial ${task.number} (${exitText(code, sig)})`));
      };
      const onAbort = () => {
        cleanup();
        slot.child = null;
        child.kill('SIGKILL');
        reject(signal!.reason instanceof Error ? signal!.reason : new Error('trial aborted'));
      };
      const cleanup = () => {
        child.off('message', onMessage);
        child.off('exit', onExit);
        signal?.removeEventListener('abort', onAbort);
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
      signal?.addEventListener('abort', onAbort, { once: true });
      send({ type: 'task', task });
    });
  }
}

function exitText(code: number | null, sig: NodeJS.Signals | null): string {
  return sig ? `signal ${sig}` : `code ${code}`;
}

async function stopChild(slot: Slot): Promise<void> {
  const child = slot.child;
  slot.child = null;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A child exits by itself when its IPC channel closes (after the trial it may be running, if any).
  if (child.connected) child.disconnect();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------------------
// The dataset file: a 4-byte little-endian header length, a JSON header, then each set's images and labels.

const SETS = ['train', 'val', 'test'] as const;

interface DatasetHeader {
  source: string;
  fingerprint: string;
  sets: Record<(typeof SETS)[number], { count: number; images: number; labels: number | null }>;
}

async function writeDatasetFile(data: Dataset): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'digit-sweep-data-'));
  const file = join(dir, 'dataset.bin');
  const header: DatasetHeader = { source: data.source, fingerprint: data.fingerprint, sets: {} as DatasetHeader['sets'] };
  const chunks: Uint8Array[] = [];
  for (const name of SETS) {
    const s = data[name];
    header.sets[name] = { count: s.count, images: s.images.length, labels: s.labels ? s.labels.length : null };
    chunks.push(s.images);
    if (s.labels) chunks.push(s.labels);
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  // SharedArrayBuffer views cannot be written directly by fs: copy each one into a Buffer.
  await writeFile(file, Buffer.concat([len, json, ...chunks.map((c) => Buffer.from(c))]));
  return { dir, file };
}

async function readDatasetFile(file: string): Promise<Dataset> {
  const buf = await readFile(file);
  const len = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + len).toString('utf8')) as DatasetHeader;
  let at = 4 + len;
  const take = (n: number): Uint8Array => {
    // Shared memory like the driver's dataset, so the trainer sees the same kind of buffer in both runners.
    const out = new Uint8Array(new SharedArrayBuffer(n));
    out.set(buf.subarray(at, at + n));
    at += n;
    return out;
  };
  const sets = {} as Record<(typeof SETS)[number], ImageSet>;
  for (const name of SETS) {
    const h = header.sets[name];
    const images = take(h.images);
    sets[name] = { count: h.count, images, labels: h.labels === null ? null : take(h.labels) };
  }
  return { source: header.source, fingerprint: header.fingerprint, ...sets };
}

/** The port a trial sees in a child: the IPC channel to the driver, shaped like a MessagePort. */
class ChildPort extends EventEmitter {
  postMessage(msg: WorkerMessage): void {
    process.send?.(msg);
  }
  close(): void {
    this.removeAllListeners();
  }
}

/**
 * The child side, started by the worker file when it runs as a forked process with CHILD_DATA_ENV set:
 * reads the dataset once, then runs one trial per 'task' message until the IPC channel closes.
 */
export async function serveChild(runTrial: (task: WorkerTask) => Promise<TrialOutcome>): Promise<void> {
  const send = (msg: FromChild) => process.send?.(msg);
  const data = await readDatasetFile(process.env[CHILD_DATA_ENV]!);
  let port: ChildPort | null = null;
  process.on('disconnect', () => process.exit(0));
  process.on('message', (msg: ToChild) => {
    if (msg.type === 'decision') {
      port?.emit('message', msg);
      return;
    }
    if (msg.type !== 'task') return;
    const current = new ChildPort();
    port = current;
    runTrial({ ...msg.task, data, port: current as unknown as MessagePort }).then(
      (outcome) => send({ type: 'done', outcome }),
      (err: unknown) => send({ type: 'failed', error: err instanceof Error ? err.message : String(err) }),
    ).finally(() => {
      if (port === current) port = null;
    });
  });
  send({ type: 'ready' });
}
