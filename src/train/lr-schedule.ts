/**
 * The learning rate of each epoch: a pure function of the epoch, the number of epochs and the trainer's
 * params (no TF.js; the trainer sets it at the start of every epoch and multiplies reduce-on-plateau's
 * scale on top). Per-epoch granularity: `p = (epoch - 1) / epochs` is the share of training done when
 * the epoch starts, so the first epoch starts at p = 0 and the floor would be reached at p = 1, just
 * after the last epoch (no epoch is spent at the floor).
 *
 * - exponential (the seed notebook's): lr * lrDecay^(epoch - 1).
 * - cosine (PyTorch CosineAnnealingLR with T_max = epochs, stepped per epoch):
 *   floor + (lr - floor) * (1 + cos(pi * p)) / 2, floor = lr * lrFloor.
 * - onecycle (the shape of PyTorch OneCycleLR with its default cosine annealing): for p < w
 *   (w = warmupFraction) a cosine warm-up from lr / divFactor to lr:
 *   lr/divFactor + (lr - lr/divFactor) * (1 - cos(pi * p / w)) / 2; from p = w a cosine annealing from lr
 *   to the floor: floor + (lr - floor) * (1 + cos(pi * (p - w) / (1 - w))) / 2. PyTorch steps it per
 *   batch and ends its last step at the floor; per epoch that would waste the last epoch, hence the
 *   time axis above.
 */
import type { TrainParams } from '../core/train-params.js';

export type LrScheduleParams = Pick<TrainParams, 'lr' | 'lrSchedule' | 'lrDecay' | 'warmupFraction' | 'divFactor' | 'lrFloor'>;

/** Cosine interpolation from `start` (t = 0) to `end` (t = 1). */
function cosineBetween(start: number, end: number, t: number): number {
  return end + ((start - end) * (1 + Math.cos(Math.PI * t))) / 2;
}

/** The LR of `epoch` (1-based) of `epochs`, before reduce-on-plateau. */
export function scheduledLr(epoch: number, epochs: number, p: LrScheduleParams): number {
  if (!(Number.isInteger(epoch) && Number.isInteger(epochs) && epoch >= 1 && epoch <= epochs)) {
    throw new Error(`scheduledLr: epoch must be an integer in 1..${epochs} (got ${epoch})`);
  }
  const progress = (epoch - 1) / epochs;
  const floor = p.lr * p.lrFloor;
  switch (p.lrSchedule) {
    case 'exponential':
      return p.lr * p.lrDecay ** (epoch - 1);
    case 'cosine':
      return cosineBetween(p.lr, floor, progress);
    case 'onecycle': {
      const w = p.warmupFraction;
      if (progress < w) return cosineBetween(p.lr / p.divFactor, p.lr, progress / w);
      return cosineBetween(p.lr, floor, (progress - w) / (1 - w));
    }
    default: {
      const unknown: never = p.lrSchedule;
      throw new Error(`scheduledLr: unknown schedule ${JSON.stringify(unknown)}`);
    }
  }
}
