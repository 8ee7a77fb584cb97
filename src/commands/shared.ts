/** Small pieces shared by the commands: option choices, progress bars, one-line epoch summaries. */
import cliProgress from 'cli-progress';
import type { TrainerKind } from '../pool/protocol.js';
import type { EpochMetrics } from '../core/types.js';

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];
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

export function epochLine(m: EpochMetrics, epochs: number): string {
  return (
    `epoch ${m.epoch}/${epochs}  loss ${m.trainLoss.toFixed(4)}  acc ${m.trainAcc.toFixed(4)}  ` +
    `val_loss ${m.valLoss.toFixed(4)}  val_acc ${m.valAcc.toFixed(4)}  lr ${m.lr.toExponential(2)}  ${m.seconds.toFixed(1)}s`
  );
}
