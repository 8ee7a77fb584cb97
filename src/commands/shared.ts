/** Small pieces shared by the commands: option choices, progress bars, one-line epoch summaries. */
import cliProgress from 'cli-progress';
import type { TrainerKind } from '../pool/protocol.js';
import type { EpochMetrics } from '../core/types.js';

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];
/** The --backend help: says which routes never ran (docs/training.md, docs/gpu.md). */
export const BACKEND_DESCRIBE = 'auto tries tensorflow (tfjs-node, never run: only its absence is tested), then webgpu (our trainer has not run on a real GPU), then wasm';
/** The --trainer choices of sweep and worker (TrainerKind); 'scripted' is the test stand-in. */
export const TRAINER_CHOICES: TrainerKind[] = ['tfjs', 'scripted'];

/** A batch progress bar on stderr when it is a terminal; silent otherwise (logs, CI). */
export function progressBar(): { update(value: number, total: number): void; stop(): void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: '  {bar} {value}/{total} batches | {eta_formatted} left', clearOnComplete: true, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(value, total) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(value);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

export interface ProgressSink {
  isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * Inference progress of `images` images on stderr: images done / total, rate and ETA. On a terminal a
 * bar redrawn in place; elsewhere (logs, CI) one line at most every `everyMs` (default 10 s) and a last
 * one at the end. `update(done, total)` takes any unit of work (batches of all models and views) and
 * shows it as the equivalent share of the images.
 */
export function inferenceProgress(
  images: number,
  opts: { stream?: ProgressSink; everyMs?: number; now?: () => number; label?: string } = {},
): { update(done: number, total: number): void; stop(): void } {
  const stream = opts.stream ?? process.stderr;
  const now = opts.now ?? (() => performance.now());
  const label = opts.label ?? 'predict';
  const started = now();
  if (stream.isTTY && stream === process.stderr) {
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: `  ${label} {bar} {value}/{total} images | {rate} img/s | ETA {eta_formatted}`, clearOnComplete: true, hideCursor: true, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    let running = false;
    return {
      update(done, total) {
        if (!running) {
          bar.start(images, 0, { rate: '-' });
          running = true;
        }
        const value = Math.round((images * done) / total);
        const seconds = (now() - started) / 1000;
        bar.update(value, { rate: seconds > 0 ? Math.round(value / seconds).toLocaleString('en-US') : '-' });
      },
      stop() {
        if (running) bar.stop();
        running = false;
      },
    };
  }
  const every = opts.everyMs ?? 10_000;
  let lastLine = -Infinity;
  let last: [number, number] | null = null;
  let printedFinal = false;
  const print = () => {
    const [done, total] = last!;
    stream.write(`  ${label}: ${progressLine(images, done, total, (now() - started) / 1000)}\n`);
    lastLine = now();
  };
  return {
    update(done, total) {
      last = [done, total];
      if (done >= total) {
        if (!printedFinal) print();
        printedFinal = true;
      } else if (now() - lastLine >= every) print();
    },
    stop() {
      if (last && !printedFinal) print();
      printedFinal = true;
    },
  };
}

/** "14,000/28,000 images (50%), 1,234 img/s, ETA 11s" after `seconds` with `done` of `total` work units. */
export function progressLine(images: number, done: number, total: number, seconds: number): string {
  const value = Math.round((images * done) / total);
  const rate = seconds > 0 ? value / seconds : 0;
  const eta = rate > 0 ? (images - value) / rate : NaN;
  const pct = total > 0 ? Math.floor((100 * done) / total) : 0;
  return `${value.toLocaleString('en-US')}/${images.toLocaleString('en-US')} images (${pct}%), ${Math.round(rate).toLocaleString('en-US')} img/s, ETA ${Number.isFinite(eta) ? formatSeconds(eta) : '-'}`;
}

function formatSeconds(s: number): string {
  const r = Math.round(s);
  return r >= 60 ? `${Math.floor(r / 60)}m${String(r % 60).padStart(2, '0')}s` : `${r}s`;
}

export function epochLine(m: EpochMetrics, epochs: number): string {
  return (
    `epoch ${m.epoch}/${epochs}  loss ${m.trainLoss.toFixed(4)}  acc ${m.trainAcc.toFixed(4)}  ` +
    `val_loss ${m.valLoss.toFixed(4)}  val_acc ${m.valAcc.toFixed(4)}  lr ${m.lr.toExponential(2)}  ${m.seconds.toFixed(1)}s`
  );
}
